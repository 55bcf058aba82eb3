import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_LOCKOUT_POLICY,
  afterFailure,
  afterSuccess,
  afterUnlock,
  remainingLockMs,
  retryAfterSeconds,
  type LockoutPolicy,
  type LockoutState,
} from '../../../server/src/auth/lockout-policy';
import { HOUR_MS, MINUTE_MS } from '../../../server/src/clock';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const fresh: LockoutState = {
  failedAttempts: 0,
  lockedUntil: null,
  lastLockedAt: null,
  lockLevel: 0,
};

/** Applies `count` wrong passwords at `now`. */
function fail(
  state: LockoutState,
  now: number,
  count: number,
  policy?: LockoutPolicy,
): LockoutState {
  let next = state;
  for (let i = 0; i < count; i++) next = afterFailure(next, now, policy);
  return next;
}

/** How long the lock that `count` failures at `now` start lasts, in minutes. */
function lockMinutes(state: LockoutState, now: number): number {
  return remainingLockMs(state, now) / MINUTE_MS;
}

describe('lockout policy', () => {
  it('the default policy is 5 failures, 15 minutes, doubling within 12 hours, at most an hour', () => {
    expect(DEFAULT_LOCKOUT_POLICY).toEqual({
      maxFailures: 5,
      baseLockMs: 15 * MINUTE_MS,
      repeatWindowMs: 12 * HOUR_MS,
      maxLockMs: 60 * MINUTE_MS,
    });
  });

  it('four wrong passwords only count; the fifth locks for 15 minutes', () => {
    const four = fail(fresh, T0, 4);
    expect(four.failedAttempts).toBe(4);
    expect(four.lockedUntil).toBeNull();
    expect(remainingLockMs(four, T0)).toBe(0);

    const five = afterFailure(four, T0);
    expect(five.lockedUntil).toBe(T0 + 15 * MINUTE_MS);
    expect(five.lastLockedAt).toBe(T0);
    expect(lockMinutes(five, T0)).toBe(15);
    // The count starts again, so the next lock also takes five attempts.
    expect(five.failedAttempts).toBe(0);
  });

  it('a repeat lock within 12 hours doubles, 15 → 30 → 60, and stays capped at 60', () => {
    let state = fail(fresh, T0, 5);
    expect(lockMinutes(state, T0)).toBe(15);

    const t1 = T0 + 20 * MINUTE_MS;
    state = fail(state, t1, 5);
    expect(lockMinutes(state, t1)).toBe(30);

    const t2 = t1 + 40 * MINUTE_MS;
    state = fail(state, t2, 5);
    expect(lockMinutes(state, t2)).toBe(60);

    const t3 = t2 + 2 * HOUR_MS;
    state = fail(state, t3, 5);
    expect(lockMinutes(state, t3)).toBe(60);

    const t4 = t3 + 2 * HOUR_MS;
    state = fail(state, t4, 5);
    expect(lockMinutes(state, t4)).toBe(60);
  });

  it('a lock exactly 12 hours after the last one still counts as a repeat', () => {
    const first = fail(fresh, T0, 5);
    const at = T0 + 12 * HOUR_MS;
    expect(lockMinutes(fail(first, at, 5), at)).toBe(30);
  });

  it('a lock more than 12 hours after the last one starts again at 15 minutes', () => {
    let state = fail(fresh, T0, 5);
    const t1 = T0 + 20 * MINUTE_MS;
    state = fail(state, t1, 5);
    expect(lockMinutes(state, t1)).toBe(30);

    const later = t1 + 12 * HOUR_MS + 1;
    state = fail(state, later, 5);
    expect(lockMinutes(state, later)).toBe(15);
    expect(state.lockLevel).toBe(0);
  });

  it('a correct password clears the failure count and any lock', () => {
    const three = fail(fresh, T0, 3);
    const ok = afterSuccess(three);
    expect(ok.failedAttempts).toBe(0);
    expect(ok.lockedUntil).toBeNull();
    // After the reset it takes five new failures to lock again.
    expect(fail(ok, T0, 4).lockedUntil).toBeNull();
    expect(fail(ok, T0, 5).lockedUntil).toBe(T0 + 15 * MINUTE_MS);
  });

  it('an administrator unlock forgets the lock history too', () => {
    expect(afterUnlock()).toEqual(fresh);
    const locked = fail(fail(fresh, T0, 5), T0 + MINUTE_MS, 5);
    expect(lockMinutes(locked, T0 + MINUTE_MS)).toBe(30);
    const afterAdmin = afterUnlock();
    expect(remainingLockMs(afterAdmin, T0 + MINUTE_MS)).toBe(0);
    // The next lock is a first lock again.
    expect(lockMinutes(fail(afterAdmin, T0 + 2 * MINUTE_MS, 5), T0 + 2 * MINUTE_MS)).toBe(15);
  });

  it('remainingLockMs counts down and is 0 once the lock is over', () => {
    const state = fail(fresh, T0, 5);
    expect(remainingLockMs(state, T0)).toBe(15 * MINUTE_MS);
    expect(remainingLockMs(state, T0 + 10 * MINUTE_MS)).toBe(5 * MINUTE_MS);
    expect(remainingLockMs(state, T0 + 15 * MINUTE_MS - 1)).toBe(1);
    expect(remainingLockMs(state, T0 + 15 * MINUTE_MS)).toBe(0);
    expect(remainingLockMs(state, T0 + HOUR_MS)).toBe(0);
    expect(remainingLockMs(fresh, T0)).toBe(0);
  });

  it('retryAfterSeconds rounds up to whole seconds and is never below 1', () => {
    expect(retryAfterSeconds(15 * MINUTE_MS)).toBe(900);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1999)).toBe(2);
  });

  it('waiting exactly retryAfterSeconds is always enough', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * HOUR_MS }), (ms) => {
        const seconds = retryAfterSeconds(ms);
        expect(Number.isInteger(seconds)).toBe(true);
        expect(seconds * 1000).toBeGreaterThanOrEqual(ms);
        expect(seconds * 1000 - ms).toBeLessThan(1000);
      }),
    );
  });

  it('follows a custom policy', () => {
    const policy: LockoutPolicy = {
      maxFailures: 3,
      baseLockMs: MINUTE_MS,
      repeatWindowMs: HOUR_MS,
      maxLockMs: 5 * MINUTE_MS,
    };
    let state = fail(fresh, T0, 2, policy);
    expect(state.lockedUntil).toBeNull();
    state = afterFailure(state, T0, policy);
    expect(lockMinutes(state, T0)).toBe(1);

    const lengths = [2, 4, 5, 5];
    let now = T0;
    for (const minutes of lengths) {
      now += 10 * MINUTE_MS;
      state = fail(state, now, 3, policy);
      expect(lockMinutes(state, now)).toBe(minutes);
    }
    now += HOUR_MS + 1;
    state = fail(state, now, 3, policy);
    expect(lockMinutes(state, now)).toBe(1);
  });

  it('every lock lasts between the base length and the cap, whatever happened before', () => {
    const policyArb = fc
      .record({
        maxFailures: fc.integer({ min: 1, max: 10 }),
        baseLockMs: fc.integer({ min: 1, max: 2 * HOUR_MS }),
        repeatWindowMs: fc.integer({ min: 0, max: 48 * HOUR_MS }),
        extra: fc.integer({ min: 0, max: 24 * HOUR_MS }),
      })
      .map(({ extra, ...p }): LockoutPolicy => ({ ...p, maxLockMs: p.baseLockMs + extra }));
    const steps = fc.array(
      fc.record({ advanceMs: fc.integer({ min: 0, max: 24 * HOUR_MS }), success: fc.boolean() }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(policyArb, steps, (policy, events) => {
        let state = fresh;
        let now = T0;
        for (const { advanceMs, success } of events) {
          now += advanceMs;
          if (success) {
            state = afterSuccess(state);
            continue;
          }
          const before = state;
          state = afterFailure(state, now, policy);
          if (state.lockedUntil !== null && state.lockedUntil !== before.lockedUntil) {
            const length = state.lockedUntil - now;
            expect(length).toBeGreaterThanOrEqual(policy.baseLockMs);
            expect(length).toBeLessThanOrEqual(policy.maxLockMs);
            expect(state.failedAttempts).toBe(0);
          } else {
            expect(state.failedAttempts).toBeLessThan(policy.maxFailures);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the lock length stays within bounds even after very many repeat locks', () => {
    let state: LockoutState = { ...fresh, lockLevel: 5000, lastLockedAt: T0 };
    state = fail(state, T0 + MINUTE_MS, 5);
    expect(lockMinutes(state, T0 + MINUTE_MS)).toBe(60);
  });
});
