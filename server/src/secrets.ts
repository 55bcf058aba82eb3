import type { Kysely } from 'kysely';
import type { Database } from './db/schema';
import type { Clock } from './clock';
import { newSecret } from './auth/tokens';

const TOKEN_SECRET = 'access_token_key';

/**
 * The access-token key when none is configured: made once and kept in the database, so every
 * instance sharing the database accepts the others' tokens and a restart signs no one out.
 */
export async function loadTokenSecret(db: Kysely<Database>, clock: Clock): Promise<string> {
  await db
    .insertInto('server_secrets')
    .values({ name: TOKEN_SECRET, value: newSecret(), created_at: clock.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('server_secrets')
    .select('value')
    .where('name', '=', TOKEN_SECRET)
    .executeTakeFirstOrThrow();
  return row.value;
}
