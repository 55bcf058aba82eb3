import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

/**
 * Ends every "remember this computer" of an account: after 2-step is turned off, and after the
 * password is reset or changed, each computer must go through the second step again. Takes a
 * transaction as well, so it can be part of the change that causes it. Returns how many ended.
 */
export async function revokeTrustedDevices(
  db: Kysely<Database>,
  subscriberId: string,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('trusted_devices')
    .set({ revoked_at: now })
    .where('subscriber_id', '=', subscriberId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
