import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../db/schema';
import {
  afterFailure,
  remainingLockMs,
  RESET_BY_SUCCESS,
  type LockoutPolicy,
  type LockoutState,
} from './lockout-policy';

/** The subscriber columns that hold the lockout. */
export const LOCKOUT_COLUMNS = [
  'failed_attempts',
  'locked_until',
  'last_locked_at',
  'lock_level',
] as const;

interface LockoutColumns {
  failed_attempts: number;
  locked_until: number | null;
  last_locked_at: number | null;
  lock_level: number;
}

/** A subscriber row's lockout, as the policy reads it. */
export function lockoutState(row: LockoutColumns): LockoutState {
  return {
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
    lastLockedAt: row.last_locked_at,
    lockLevel: row.lock_level,
  };
}

/*
 * Every guess (a password, a 2-step code) is checked by slow work first: argon2, or a code
 * comparison. Whatever was read before that work may be stale by the time it ends, since other
 * requests (on this instance or another) decide meanwhile. So the outcome of each guess is
 * written by one conditional statement on the subscriber's row, whose WHERE re-reads the lock at
 * that moment: a wrong guess counts only while the account is not locked, and a right one is
 * accepted only while it is not locked. On PostgreSQL the statement also holds the row until its
 * transaction ends, so guesses are decided one at a time, in the order they finish; SQLite runs
 * one writer at a time anyway.
 */

/** The account is not locked at `now`: never locked, or its lock has run out. */
function notLockedAt(now: number) {
  return (eb: ExpressionBuilder<Database, 'subscribers'>) =>
    eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]);
}

/** What counting one wrong guess did. */
export interface WrongGuess {
  /** How long the account is locked from now (0 when it is not). */
  lockedForMs: number;
  /** This guess was the one that started the lock (recorded as the lock in the history). */
  startedLock: boolean;
  /** The guess counted toward the lockout: false when the account was already locked. */
  counted: boolean;
}

/**
 * Counts one wrong guess toward the account lockout, unless the account is locked by the time it
 * is decided: guesses that finish while a lock holds count toward nothing, as if they had been
 * turned away at the door, so a burst cannot stack up locks behind the first.
 */
export async function countWrongPassword(
  db: Kysely<Database>,
  subscriberId: string,
  now: number,
  policy: LockoutPolicy,
): Promise<WrongGuess> {
  return db.transaction().execute(async (trx) => {
    // The count and the lock check are one statement; on PostgreSQL it also holds the row, so the
    // lock this failure may start is written before the next guess is decided.
    const bumped = await trx
      .updateTable('subscribers')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', subscriberId)
      .where(notLockedAt(now))
      .returning(LOCKOUT_COLUMNS)
      .executeTakeFirst();
    if (!bumped) {
      const lockedForMs = await lockRemaining(trx, subscriberId, now);
      return { lockedForMs, startedLock: false, counted: false };
    }
    const before = { ...lockoutState(bumped), failedAttempts: bumped.failed_attempts - 1 };
    const next = afterFailure(before, now, policy);
    // The policy starts the count again exactly when this failure starts a lock; otherwise the
    // bump above already wrote the whole new state.
    if (next.failedAttempts === bumped.failed_attempts) {
      return { lockedForMs: 0, startedLock: false, counted: true };
    }
    await trx
      .updateTable('subscribers')
      .set({
        failed_attempts: next.failedAttempts,
        locked_until: next.lockedUntil,
        last_locked_at: next.lastLockedAt,
        lock_level: next.lockLevel,
      })
      .where('id', '=', subscriberId)
      .execute();
    return { lockedForMs: remainingLockMs(next, now), startedLock: true, counted: true };
  });
}

/**
 * Accepts a right password (or second factor): the failure count starts again, but only while
 * the account is not locked at `now`. Returns 0 when accepted, or how long the lock still holds:
 * a right guess that finishes after wrong ones locked the account is refused like any other.
 * Called inside the transaction that goes on to open the session, the session is written before
 * any later guess is decided.
 */
export async function acceptRightPassword(
  db: Kysely<Database>,
  subscriberId: string,
  now: number,
): Promise<number> {
  const accepted = await db
    .updateTable('subscribers')
    .set({
      failed_attempts: RESET_BY_SUCCESS.failedAttempts,
      locked_until: RESET_BY_SUCCESS.lockedUntil,
    })
    .where('id', '=', subscriberId)
    .where(notLockedAt(now))
    .returning('id')
    .executeTakeFirst();
  return accepted ? 0 : lockRemaining(db, subscriberId, now);
}

/** How long the account is locked from `now`, as stored at this moment (0 when it is not). */
export async function lockRemaining(
  db: Kysely<Database>,
  subscriberId: string,
  now: number,
): Promise<number> {
  const row = await db
    .selectFrom('subscribers')
    .select(LOCKOUT_COLUMNS)
    .where('id', '=', subscriberId)
    .executeTakeFirst();
  return row ? remainingLockMs(lockoutState(row), now) : 0;
}
