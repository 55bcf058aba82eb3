import type { Kysely } from 'kysely';
import { DEFAULT_LOCKOUT_POLICY } from '../../../server/src/auth/lockout-policy';
import type { Database } from '../../../server/src/db/schema';

/** How long the first lock lasts under the default policy. */
export const FIRST_LOCK_MS = DEFAULT_LOCKOUT_POLICY.baseLockMs;

/** An account's lockout columns, as the API left them. */
export function lockoutOf(db: Kysely<Database>, subscriberId: string) {
  return db
    .selectFrom('subscribers')
    .select(['failed_attempts', 'locked_until', 'last_locked_at', 'lock_level'])
    .where('id', '=', subscriberId)
    .executeTakeFirstOrThrow();
}

/**
 * A number's sign-in budget on one lane (see server/src/auth/sign-in-budgets.ts): `client` is the
 * one untrusted client that tried it (every request of a test comes from one address), or
 * `untrusted` for all untrusted clients together.
 */
export function signInLockoutOf(
  db: Kysely<Database>,
  phone: string,
  lane: 'client' | 'untrusted' = 'client',
) {
  const query = db
    .selectFrom('sign_in_lockouts')
    .select(['failed_attempts', 'locked_until', 'last_locked_at', 'lock_level'])
    .where('phone', '=', phone);
  return (
    lane === 'client' ? query.where('lane', 'like', 'client:%') : query.where('lane', '=', lane)
  ).executeTakeFirstOrThrow();
}

/** The lockout columns of an account locked once, just now (`now`), by the default policy. */
export function lockedOnceAt(now: number) {
  return {
    failed_attempts: 0,
    locked_until: now + FIRST_LOCK_MS,
    last_locked_at: now,
    lock_level: 0,
  };
}

/** How many sessions exist, revoked or not: a burst must not have opened one. */
export async function sessionCount(db: Kysely<Database>): Promise<number> {
  return (await db.selectFrom('sessions').select('id').execute()).length;
}
