import type { Kysely } from 'kysely';
import type { Database } from './db/schema';
import type { Clock } from './clock';
import { memoryKeys, type KeyRing, type Keys } from './keys/key-ring';

/**
 * The keys in use for each open database handle. A server opens them from its key file (see
 * `keys/open-keys.ts`) and registers them here when it builds the app; code that runs beside it
 * on the same handle (the CLI's PIN generation in tests, benchmarks) gets the same keys. No key
 * is kept in the database any more: a copy of it must not be enough to forge or decrypt.
 */
const inUse = new WeakMap<Kysely<Database>, Keys>();

/** Makes `keys` the ones used with `db`. */
export function useKeys(db: Kysely<Database>, keys: Keys): void {
  inUse.set(db, keys);
}

/**
 * The keys used with `db`. A handle nobody registered keys for gets fresh ones kept in memory:
 * right for tests and embedded use, while `serve` always registers its key file's keys first.
 */
export function keysFor(db: Kysely<Database>, clock?: Clock): Keys {
  let keys = inUse.get(db);
  if (!keys) {
    keys = memoryKeys(clock?.now());
    inUse.set(db, keys);
  }
  return keys;
}

/** The access-token keys used with `db`. */
export async function loadTokenSecret(db: Kysely<Database>, clock: Clock): Promise<KeyRing> {
  return keysFor(db, clock).token;
}

/** The captcha HMAC keys used with `db`. */
export async function loadCaptchaSecret(db: Kysely<Database>, clock: Clock): Promise<KeyRing> {
  return keysFor(db, clock).captcha;
}

/** The keys TOTP secrets are encrypted with at rest. */
export async function loadTotpKey(db: Kysely<Database>, clock: Clock): Promise<KeyRing> {
  return keysFor(db, clock).totp;
}

/**
 * The HMAC keys refill PINs are stored under: a copy of the PIN table alone cannot be turned back
 * into PINs (16 digits are few enough to try them all against a plain hash).
 */
export async function loadRefillPinKey(db: Kysely<Database>, clock: Clock): Promise<KeyRing> {
  return keysFor(db, clock).refillPin;
}
