import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { ApiHttpError, unauthorized } from '../errors';
import { verifyPassword } from './passwords';
import { retryAfterSeconds } from './lockout-policy';
import type { SignInBudgets } from './sign-in-budgets';
import type { ClientInfo, SecurityLog } from '../security/security-log';

/** What checking a password again needs: the budgets a wrong one spends, and the history. */
export interface ConfirmationContext {
  db: Kysely<Database>;
  clock: Clock;
  budgets: SignInBudgets;
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
 * password without limit. So it spends the same budgets as a wrong password at sign-in from that
 * client (see auth/sign-in-budgets.ts): while the client is locked out of the number nothing is
 * checked (`423`), a wrong one counts and is recorded in the history, and the one that starts a
 * lock is recorded as the lock; that client is then locked out of sign-in to the number too. A
 * right one starts the client's count again. Returns the subscriber's row.
 *
 * The lock read before argon2 only spares the work while a lock already holds: tries sent
 * together all pass it. So the outcome is decided again once argon2 is done, under the lock of
 * the budget's rows: a right password that finishes after wrong ones locked the client out is
 * refused like they are.
 */
export async function confirmPassword(
  check: ConfirmationContext,
  subscriberId: string,
  password: string,
  client: ClientInfo,
) {
  const { db, clock, budgets, events } = check;
  const row = await db
    .selectFrom('subscribers')
    .select(['id', 'phone', 'name', 'email', 'contact_phone', 'password_hash'])
    .where('id', '=', subscriberId)
    .executeTakeFirst();
  if (!row) throw unauthorized();
  const clientKey = client.clientKey ?? (client.ip ? `ip:${client.ip}` : 'ip:unknown');
  const lane = { kind: 'client', clientKey } as const;
  const lockedFor = await budgets.lockedFor(db, row.phone, lane, clock.now());
  if (lockedFor > 0) throw tooManyWrongPasswords(lockedFor);

  const ok = await verifyPassword(row.password_hash, password);
  const now = clock.now();
  if (!ok) {
    const guess = await budgets.wrongTry(db, row.phone, lane, clientKey, now);
    if (guess.counted) {
      await events.record(subscriberId, guess.startedLock ? 'locked' : 'wrong_password', client);
    }
    if (guess.lockedForMs > 0) throw tooManyWrongPasswords(guess.lockedForMs);
    throw wrongPassword();
  }
  const stillLockedFor = await db
    .transaction()
    .execute((trx) => budgets.rightTry(trx, row.phone, lane, clientKey, now));
  if (stillLockedFor > 0) throw tooManyWrongPasswords(stillLockedFor);
  return row;
}
