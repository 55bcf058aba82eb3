import type { Kysely } from 'kysely';
import type { Database } from './db/schema';
import type { Clock } from './clock';
import { newSecret } from './auth/tokens';

const TOKEN_SECRET = 'access_token_key';
const CAPTCHA_SECRET = 'captcha_hmac_key';
const TOTP_SECRET = 'totp_encryption_key';

/**
 * The access-token key when none is configured: made once and kept in the database, so every
 * instance sharing the database accepts the others' tokens and a restart signs no one out.
 */
export async function loadTokenSecret(db: Kysely<Database>, clock: Clock): Promise<string> {
  return loadSecret(db, clock, TOKEN_SECRET);
}

/** The captcha HMAC key when none is configured, kept the same way (instances must agree on it). */
export async function loadCaptchaSecret(db: Kysely<Database>, clock: Clock): Promise<string> {
  return loadSecret(db, clock, CAPTCHA_SECRET);
}

/**
 * Key material for encrypting TOTP secrets at rest, kept the same way. It lives in its own row, so
 * the two-factor table alone (a backup, an export) does not reveal working secrets, and rotating
 * the access-token key never makes enrolled authenticators unreadable.
 */
export async function loadTotpKey(db: Kysely<Database>, clock: Clock): Promise<string> {
  return loadSecret(db, clock, TOTP_SECRET);
}

/**
 * The HMAC key refill PINs are stored under: a copy of the PIN table alone cannot be turned back
 * into PINs (16 digits are few enough to try them all against a plain hash).
 */
export async function loadRefillPinKey(db: Kysely<Database>, clock: Clock): Promise<string> {
  return loadSecret(db, clock, 'refill_pin_hmac_key');
}

async function loadSecret(db: Kysely<Database>, clock: Clock, name: string): Promise<string> {
  await db
    .insertInto('server_secrets')
    .values({ name, value: newSecret(), created_at: clock.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('server_secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}
