import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for small secrets the server must read back (TOTP keys), so a copy of the table
 * alone (a backup, an export, a query result in a log) does not hand out working second factors.
 *
 * Stored form: `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts, so each value opens with
 * the key it was sealed with and keys can be rotated. `v1.<iv>.<tag>.<ciphertext>` (no key id)
 * was written before key ids and opens with the ring's unmarked key. A value without the prefix
 * is read as plain text: rows written before encryption keep working until they are sealed.
 */
const PREFIX = 'v1.';
const IV_BYTES = 12;

/** Keys by id, the newest sealing; see `sealingKeys`. */
export interface SealingKeys {
  current: { id: string; key: Buffer };
  byId(id: string): Buffer | undefined;
  /** The key of values sealed before key ids existed. */
  unmarked: Buffer | undefined;
}

/** AES keys derived from each key of `ring` for `purpose`. */
export function sealingKeys(
  ring: {
    current: { id: string };
    keys: readonly { id: string; secret: string }[];
    unmarked?: { id: string } | undefined;
  },
  purpose: string,
): SealingKeys {
  const derived = new Map(ring.keys.map((k) => [k.id, deriveKey(k.secret, purpose)]));
  return {
    current: { id: ring.current.id, key: derived.get(ring.current.id)! },
    byId: (id) => derived.get(id),
    unmarked: ring.unmarked ? derived.get(ring.unmarked.id) : undefined,
  };
}

/** A 32-byte key from any key material (a configured key or a generated server secret). */
export function deriveKey(material: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), `airtime:${purpose}:v1`, 32));
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * Encrypts `plaintext`. `context` (the owner's id) is authenticated with it, so a sealed value
 * moved to another row does not open there. With a bare key, no key id is written.
 */
export function seal(keys: Buffer | SealingKeys, plaintext: string, context: string): string {
  const [id, key] = Buffer.isBuffer(keys) ? [null, keys] : [keys.current.id, keys.current.key];
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
  return `${PREFIX}${id === null ? '' : `${id}.`}${parts.join('.')}`;
}

/** The plaintext of a sealed value (or an unsealed one as is); null when it does not open. */
export function open(keys: Buffer | SealingKeys, stored: string, context: string): string | null {
  if (!isSealed(stored)) return stored;
  const parts = stored.slice(PREFIX.length).split('.');
  // Four parts carry a key id; three were sealed before key ids, with the unmarked key.
  const id = parts.length === 4 ? parts.shift()! : null;
  const [iv, tag, body] = parts;
  if (iv === undefined || tag === undefined || body === undefined || parts.length !== 3)
    return null;
  const key = Buffer.isBuffer(keys) ? keys : id === null ? keys.unmarked : keys.byId(id);
  if (!key) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}
