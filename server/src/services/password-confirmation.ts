import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { ApiHttpError, unauthorized } from '../errors';
import { verifyPassword } from '../auth/passwords';
import { remainingLockMs, retryAfterSeconds, type LockoutPolicy } from '../auth/lockout-policy';
import {
  acceptRightPassword,
  countWrongPassword,
  LOCKOUT_COLUMNS,
  lockoutState,
} from '../auth/failed-passwords';
import type { ClientInfo, SecurityLog } from './security-log';

/** What checking a password again needs: the account's lockout and its history. */
export interface ConfirmationContext {
  db: Kysely<Database>;
  clock: Clock;
  lockout: LockoutPolicy;
  events: SecurityLog;
}

export const wrongPassword = (): ApiHttpError =>
  new ApiHttpError(401, 'wrong_password', 'That is not your current password.');

const tooManyWrongPasswords = (lockedForMs: number): ApiHttpError =>
  new ApiHttpError(
    423,
    'account_locked',
    'Too many wrong passwords, so your account is locked for a while. Try again later.',
    { retryAfterSeconds: retryAfterSeconds(lockedForMs) },
  );

/**
 * Checks the password typed again for a sensitive change on a signed-in account (changing the
 * password or contact details, turning 2-step off, new recovery codes). Each try is a guess like
 * one at sign-in: a stolen session (an unlocked computer) must not become a way to guess the
 * password without limit. So while the account is locked nothing is checked (`423`), a wrong one
 * counts toward the same lockout and is recorded in the history, and the one that starts a lock
 * is recorded as the lock. A right one starts the count again. Returns the subscriber's row.
 *
 * The lock read before argon2 only spares the work while a lock already holds: tries sent
 * together all pass it. So the outcome is decided again once argon2 is done, by one conditional
 * statement each (see failed-passwords.ts): a right password that finishes after wrong ones
 * locked the account is refused like they are.
 */
export async function confirmPassword(
  check: ConfirmationContext,
  subscriberId: string,
  password: string,
  client: ClientInfo,
) {
  const { db, clock, lockout, events } = check;
  const row = await db
    .selectFrom('subscribers')
    .select(['id', 'phone', 'name', 'email', 'contact_phone', 'password_hash', ...LOCKOUT_COLUMNS])
    .where('id', '=', subscriberId)
    .executeTakeFirst();
  if (!row) throw unauthorized();
  const lockedFor = remainingLockMs(lockoutState(row), clock.now());
  if (lockedFor > 0) throw tooManyWrongPasswords(lockedFor);

  const ok = await verifyPassword(row.password_hash, password);
  const now = clock.now();
  if (!ok) {
    const guess = await countWrongPassword(db, subscriberId, now, lockout);
    if (guess.counted) {
      await events.record(subscriberId, guess.startedLock ? 'locked' : 'wrong_password', client);
    }
    if (guess.lockedForMs > 0) throw tooManyWrongPasswords(guess.lockedForMs);
    throw wrongPassword();
  }
  const stillLockedFor = await acceptRightPassword(db, subscriberId, now);
  if (stillLockedFor > 0) throw tooManyWrongPasswords(stillLockedFor);
  return row;
}
