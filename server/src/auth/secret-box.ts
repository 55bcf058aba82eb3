import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for small secrets the server must read back (TOTP keys), so a copy of the table
 * alone (a backup, an export, a query result in a log) does not hand out working second factors.
 *
 * Stored form: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. A value without the prefix is read as
 * plain text: rows written before encryption keep working until they are sealed.
 */
const PREFIX = 'v1.';
const IV_BYTES = 12;

/** A 32-byte key from any key material (a configured key or a generated server secret). */
export function deriveKey(material: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), `airtime:${purpose}:v1`, 32));
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * Encrypts `plaintext`. `context` (the owner's id) is authenticated with it, so a sealed value
 * moved to another row does not open there.
 */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
  return `${PREFIX}${parts.join('.')}`;
}

/** The plaintext of a sealed value (or an unsealed one as is); null when it does not open. */
export function open(key: Buffer, stored: string, context: string): string | null {
  if (!isSealed(stored)) return stored;
  const [iv, tag, body] = stored.slice(PREFIX.length).split('.');
  if (iv === undefined || tag === undefined || body === undefined) return null;
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
