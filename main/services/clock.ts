/** Time source, injected so tests can move time instead of waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Opaque handle returned by {@link Timers.setTimeout}. */
export type TimerHandle = unknown;

/** The two timer functions the services use, injected so tests can fire them by hand. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Node's timers. Unref'd: a pending token refresh must never be the reason the process (or a
 * test run) stays alive.
 */
export const systemTimers: Timers = {
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
