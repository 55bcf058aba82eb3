import type { Kysely } from 'kysely';
import type { Database } from '../../../server/src/db/schema';

/*
 * Wrong passwords are budgeted per client at each number (server/src/auth/sign-in-budgets.ts).
 * The app under test and these helpers reach the API from the same address, so they are one
 * client to it.
 */

/** This machine's budget at `phone`: failures counted and the lock, if any. */
export async function clientLockout(db: Kysely<Database>, phone: string) {
  const row = await db
    .selectFrom('sign_in_lockouts')
    .select(['failed_attempts', 'locked_until'])
    .where('phone', '=', phone)
    .where('lane', 'like', 'client:%')
    .executeTakeFirst();
  return row ?? { failed_attempts: 0, locked_until: null };
}

/**
 * As if this machine had typed `failures` wrong passwords at `phone` a moment ago, and, with
 * `lockedForMs`, been locked out by them. One real wrong try lets the API name the client; its
 * count is then set.
 */
export async function failedEarlier(
  api: { url: string; database: { db: Kysely<Database> } },
  phone: string,
  failures: number,
  lockedForMs?: number,
): Promise<void> {
  const res = await fetch(`${api.url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, password: 'Not-The-Password-0' }),
  });
  if (res.status !== 401)
    throw new Error(`expected a wrong password to be told so, got ${res.status}`);
  const now = Date.now();
  await api.database.db
    .updateTable('sign_in_lockouts')
    .set({
      failed_attempts: lockedForMs ? 0 : failures,
      locked_until: lockedForMs ? now + lockedForMs : null,
      last_locked_at: lockedForMs ? now : null,
    })
    .where('phone', '=', phone)
    .where('lane', 'like', 'client:%')
    .execute();
}
