import { createHmac, randomBytes } from 'node:crypto';

/** What each key is for; each purpose has its own keys, so one leaking or rotating is contained. */
export const KEY_PURPOSES = ['token', 'totp', 'refill-pin', 'captcha'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export interface Key {
  /** Public name of the key, written beside what it signed or encrypted (never secret). */
  id: string;
  secret: string;
  /** ISO 8601. */
  createdAt: string;
  /**
   * Moved out of the database's `server_secrets`: data written before key ids existed (tokens
   * without `kid`, TOTP secrets without a key prefix, PIN hashes without `key_id`) is its.
   */
  migrated?: boolean;
}

/** Keys are random, so a fingerprint of one reveals nothing usable about it (see `fingerprint`). */
export const MIN_SECRET_LENGTH = 32;

export function newKeySecret(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * A non-secret digest that tells whether two copies of a key are the same, stored in the database
 * so a server started with the wrong key file notices. An HMAC keyed by the key itself: learning
 * the key from it takes guessing the key, which a random 48-byte key rules out (and a weak key
 * configured by hand could already be guessed from any token it signed).
 */
export function fingerprint(secret: string): string {
  return createHmac('sha256', secret).update('airtime key fingerprint').digest('hex').slice(0, 32);
}

/** `token-20261207-1a2b3c4d`: the purpose, the day it was made and a random part. No dots. */
export function newKeyId(purpose: KeyPurpose, now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `${purpose}-${day}-${randomBytes(4).toString('hex')}`;
}

/** Id of a key given in an environment variable: the same on every instance and restart. */
export function envKeyId(purpose: KeyPurpose, secret: string): string {
  return `${purpose}-env-${fingerprint(secret).slice(0, 8)}`;
}

/**
 * The keys of one purpose: the newest signs and encrypts, all of them verify and decrypt what
 * carries their id, so a rotation does not invalidate what older keys wrote.
 */
export class KeyRing {
  readonly purpose: KeyPurpose;
  readonly keys: readonly Key[];
  /** The key data without a key id belongs to, if any (see `Key.migrated`). */
  readonly unmarked: Key | undefined;

  /** `keys` oldest first; the last is the current one. `unmarked` defaults to the migrated key. */
  constructor(purpose: KeyPurpose, keys: readonly Key[], unmarked?: Key) {
    const last = keys.at(-1);
    if (!last) throw new Error(`No ${purpose} key.`);
    for (const key of keys) {
      if (key.secret.length < MIN_SECRET_LENGTH) {
        throw new Error(
          `The ${purpose} key ${key.id} is shorter than ${MIN_SECRET_LENGTH} characters.`,
        );
      }
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(key.id)) throw new Error(`Bad key id "${key.id}".`);
    }
    this.purpose = purpose;
    this.keys = keys;
    this.unmarked = unmarked ?? keys.find((k) => k.migrated);
  }

  /** A ring of one key that is also the key of unmarked data: how a single configured key worked. */
  static single(
    purpose: KeyPurpose,
    secret: string,
    createdAt = new Date(0).toISOString(),
  ): KeyRing {
    const key: Key = { id: envKeyId(purpose, secret), secret, createdAt };
    return new KeyRing(purpose, [key], key);
  }

  get current(): Key {
    return this.keys.at(-1)!;
  }

  /** The key before the current one: what challenges handed out just before a rotation carry. */
  get previous(): Key | undefined {
    return this.keys.at(-2);
  }

  byId(id: string): Key | undefined {
    return this.keys.find((k) => k.id === id);
  }
}

/** Every purpose's keys, as a server uses them. */
export interface Keys {
  token: KeyRing;
  totp: KeyRing;
  refillPin: KeyRing;
  captcha: KeyRing;
}

export const RING_OF: Record<KeyPurpose, keyof Keys> = {
  token: 'token',
  totp: 'totp',
  'refill-pin': 'refillPin',
  captcha: 'captcha',
};

/** Fresh keys kept only in memory: for tests and embedded use, never for a server that restarts. */
export function memoryKeys(now: number = Date.now()): Keys {
  const ring = (purpose: KeyPurpose) =>
    new KeyRing(purpose, [
      {
        id: newKeyId(purpose, now),
        secret: newKeySecret(),
        createdAt: new Date(now).toISOString(),
      },
    ]);
  return {
    token: ring('token'),
    totp: ring('totp'),
    refillPin: ring('refill-pin'),
    captcha: ring('captcha'),
  };
}
