import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { checkPassword } from '../../../contract/password-policy';
import { ApiHttpError } from '../errors';
import { hashPassword } from './passwords';
import { afterUnlock } from './lockout-policy';
import { revokeTrustedDevices } from './trusted-devices';

/**
 * The hash of a new password chosen by the subscriber (a change or a reset). A password the
 * policy finds too easy to guess, also from the account's own phone, name and e-mail, is refused
 * with `422 weak_password` and the policy's feedback.
 */
export async function hashNewPassword(
  password: string,
  subscriber: { phone: string; name: string; email: string },
): Promise<string> {
  const { phone, name, email } = subscriber;
  const verdict = checkPassword(password, { phone, name, email });
  if (!verdict.ok) {
    throw new ApiHttpError(
      422,
      'weak_password',
      verdict.feedback.warning ?? 'Choose a stronger password.',
      { feedback: verdict.feedback },
    );
  }
  return hashPassword(password);
}

/**
 * Stores a new password and clears any lock, then ends what the old password let in: the
 * account's sessions (all but `keepSession`), its remembered computers, and sign-ins waiting for
 * their second step. Run it in the transaction of the change. With `replacing`, only over that
 * hash (false, and nothing done, when the password changed meanwhile).
 */
export async function storeNewPassword(
  trx: Kysely<Database>,
  subscriberId: string,
  passwordHash: string,
  now: number,
  options: { replacing?: string; keepSession?: string } = {},
): Promise<boolean> {
  const unlocked = afterUnlock();
  let update = trx
    .updateTable('subscribers')
    .set({
      password_hash: passwordHash,
      password_changed_at: now,
      failed_attempts: unlocked.failedAttempts,
      locked_until: unlocked.lockedUntil,
      last_locked_at: unlocked.lastLockedAt,
      lock_level: unlocked.lockLevel,
    })
    .where('id', '=', subscriberId);
  if (options.replacing !== undefined)
    update = update.where('password_hash', '=', options.replacing);
  const updated = await update.executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return false;

  let sessions = trx
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('subscriber_id', '=', subscriberId)
    .where('revoked_at', 'is', null);
  if (options.keepSession !== undefined) sessions = sessions.where('id', '!=', options.keepSession);
  await sessions.execute();
  await revokeTrustedDevices(trx, subscriberId, now);
  // Whoever reset or changed the password proved the account is theirs: the wrong tries of
  // clients without a device cookie no longer hold them out.
  await trx
    .deleteFrom('sign_in_lockouts')
    .where('phone', '=', (eb) =>
      eb.selectFrom('subscribers').select('phone').where('id', '=', subscriberId),
    )
    .execute();
  // A sign-in that got past the old password and waits for its second step ends here too.
  await trx
    .updateTable('second_factor_challenges')
    .set({ used_at: now })
    .where('subscriber_id', '=', subscriberId)
    .where('used_at', 'is', null)
    .execute();
  return true;
}
