/**
 * Whole seconds left until a deadline, updated a few times a second while it runs. Measured
 * against the clock rather than counted in ticks, so a busy or throttled page stays accurate.
 */
export class Countdown {
  #remaining = $state(0);
  #deadline = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #now: () => number;
  readonly #onDone: (() => void) | undefined;

  constructor(options: { now?: () => number; onDone?: () => void } = {}) {
    this.#now = options.now ?? Date.now;
    this.#onDone = options.onDone;
  }

  /** Seconds left, rounded up; 0 once the deadline has passed or before any start. */
  get remaining(): number {
    return this.#remaining;
  }

  get running(): boolean {
    return this.#remaining > 0;
  }

  start(seconds: number): void {
    this.stop();
    this.#deadline = this.#now() + Math.max(0, seconds) * 1000;
    this.#tick();
    if (this.#remaining > 0) this.#timer = setInterval(() => this.#tick(), 250);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops and forgets the deadline. */
  reset(): void {
    this.stop();
    this.#remaining = 0;
  }

  #tick(): void {
    const left = Math.max(0, Math.ceil((this.#deadline - this.#now()) / 1000));
    this.#remaining = left;
    if (left === 0 && this.#timer !== undefined) {
      this.stop();
      this.#onDone?.();
    }
  }
}
