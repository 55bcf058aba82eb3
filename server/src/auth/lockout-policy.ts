import { HOUR_MS, MINUTE_MS } from '../clock';

export interface LockoutPolicy {
  /** Consecutive failures that lock the account. */
  maxFailures: number;
  /** Length of the first lock. */
  baseLockMs: number;
  /** A new lock within this long of the previous one doubles the length. */
  repeatWindowMs: number;
  /** Locks never last longer than this. */
  maxLockMs: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  maxFailures: 5,
  baseLockMs: 15 * MINUTE_MS,
  repeatWindowMs: 12 * HOUR_MS,
  maxLockMs: 60 * MINUTE_MS,
};

/**
 * The budgets of OWASP's device-cookie pattern at sign-in (see auth/sign-in-budgets.ts). One
 * untrusted client's budget at a number is `LockoutPolicy.maxFailures`; locks last as that policy
 * says.
 */
export interface SignInBudgetPolicy {
  /** Wrong passwords and codes a trusted device cookie may make before it is no longer trusted. */
  deviceFailures: number;
  /** Wrong tries at one number from all untrusted clients together that lock it for all of them. */
  untrustedFailures: number;
  /** An untrusted client's failure counts toward a lock for this long. */
  failureWindowMs: number;
  /** A device cookie earns its budget for this long after it was issued. */
  deviceCookieTtlMs: number;
}

export const DEFAULT_SIGN_IN_BUDGETS: SignInBudgetPolicy = {
  deviceFailures: 5,
  untrustedFailures: 20,
  failureWindowMs: 60 * MINUTE_MS,
  deviceCookieTtlMs: 365 * 24 * HOUR_MS,
};

export interface LockoutState {
  failedAttempts: number;
  lockedUntil: number | null;
  lastLockedAt: number | null;
  lockLevel: number;
}

/** Milliseconds the account stays locked from `now`, or 0 when it is not locked. */
export function remainingLockMs(state: LockoutState, now: number): number {
  return state.lockedUntil !== null && state.lockedUntil > now ? state.lockedUntil - now : 0;
}

/** Whole seconds to wait, rounded up so a client that waits exactly this long succeeds. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The state after one more wrong password. The count resets when a lock starts, so the next lock
 * again takes `maxFailures` attempts; a lock that starts within the repeat window of the last one
 * is twice as long, up to the cap.
 */
export function afterFailure(
  state: LockoutState,
  now: number,
  policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY,
): LockoutState {
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts < policy.maxFailures) return { ...state, failedAttempts };
  const repeat = state.lastLockedAt !== null && now - state.lastLockedAt <= policy.repeatWindowMs;
  const lockLevel = repeat ? state.lockLevel + 1 : 0;
  const duration = Math.min(policy.baseLockMs * 2 ** lockLevel, policy.maxLockMs);
  return { failedAttempts: 0, lockedUntil: now + duration, lastLockedAt: now, lockLevel };
}

/**
 * What a correct password resets: the failure count, and a lock that has run out. The lock's
 * history (`lastLockedAt`, `lockLevel`) stays, so a repeat lock is still a repeat.
 */
export const RESET_BY_SUCCESS = { failedAttempts: 0, lockedUntil: null } as const;

/** The state after a correct password: the failure count starts again. */
export function afterSuccess(state: LockoutState): LockoutState {
  return { ...state, ...RESET_BY_SUCCESS };
}

/** The state after an administrator unlocks the account: as if it had never been locked. */
export function afterUnlock(): LockoutState {
  return { failedAttempts: 0, lockedUntil: null, lastLockedAt: null, lockLevel: 0 };
}
