import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { afterFailure, type LockoutPolicy, type LockoutState } from './lockout-policy';

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

/**
 * Counts one wrong password toward the account lockout, inside a transaction that re-reads the
 * row, so concurrent wrong passwords on several instances are all counted. Returns the new state
 * (`lockedUntil` is set when this failure started a lock).
 */
export async function countWrongPassword(
  db: Kysely<Database>,
  subscriberId: string,
  now: number,
  policy: LockoutPolicy,
): Promise<LockoutState> {
  return db.transaction().execute(async (trx) => {
    // Bump first: the UPDATE takes the row lock on PostgreSQL, and SQLite serialises writers.
    await trx
      .updateTable('subscribers')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', subscriberId)
      .execute();
    const current = await trx
      .selectFrom('subscribers')
      .select(LOCKOUT_COLUMNS)
      .where('id', '=', subscriberId)
      .executeTakeFirstOrThrow();
    const before = { ...lockoutState(current), failedAttempts: current.failed_attempts - 1 };
    const next = afterFailure(before, now, policy);
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
    return next;
  });
}
