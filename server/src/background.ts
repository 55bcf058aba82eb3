/**
 * Work that runs after a response has been sent (delivering a reset code). Tracked so the app
 * can wait for it on close, and tests can wait for it instead of sleeping.
 */
export class BackgroundTasks {
  readonly #pending = new Set<Promise<unknown>>();

  /** Runs `task` without waiting for it; a failure is passed to `onError`, never thrown. */
  run(task: () => Promise<unknown>, onError: (error: unknown) => void): void {
    const promise = task().catch(onError);
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }

  /** Resolves when every task started so far (and any they started) has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
