import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { DeviceInfo } from '../../../contract/http/auth';
import type { ClientInfo } from '../security/security-log';

/** The app's description of itself as stored on a session at sign-in, if it sent one. */
export async function sessionDevice(
  db: Kysely<Database>,
  sessionId: string,
): Promise<DeviceInfo | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['device_id', 'device_name', 'app_version'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
  if (!row?.device_id || !row.device_name || !row.app_version) return undefined;
  return { id: row.device_id, name: row.device_name, appVersion: row.app_version };
}

/**
 * The request's client, with the device the app named when this session signed in, so that a
 * change is recorded against the device that made it.
 */
export async function withSessionDevice(
  db: Kysely<Database>,
  sessionId: string,
  client: ClientInfo,
): Promise<ClientInfo> {
  const device = await sessionDevice(db, sessionId);
  return device ? { ...client, device } : client;
}
