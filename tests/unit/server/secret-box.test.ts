import { describe, expect, it } from 'vitest';
import { deriveKey, isSealed, open, seal } from '../../../server/src/auth/secret-box';

const KEY = deriveKey('a-server-secret-that-is-long-enough-0123456789', 'totp-secret');
const SECRET = 'JBSWY3DPEHPK3PXP';

describe('secret box', () => {
  it('derives a 32-byte key, different per purpose and per material', () => {
    expect(KEY).toHaveLength(32);
    expect(deriveKey('a-server-secret-that-is-long-enough-0123456789', 'totp-secret')).toEqual(KEY);
    expect(deriveKey('a-server-secret-that-is-long-enough-0123456789', 'other')).not.toEqual(KEY);
    expect(deriveKey('another-secret-that-is-long-enough-0123456789', 'totp-secret')).not.toEqual(
      KEY,
    );
  });

  it('seals to a prefixed value without the plaintext, and opens it again', () => {
    const sealed = seal(KEY, SECRET, 'subscriber-1');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(open(KEY, sealed, 'subscriber-1')).toBe(SECRET);
  });

  it('uses a fresh IV each time', () => {
    expect(seal(KEY, SECRET, 'subscriber-1')).not.toBe(seal(KEY, SECRET, 'subscriber-1'));
  });

  it('does not open for another owner, another key, or a tampered value', () => {
    const sealed = seal(KEY, SECRET, 'subscriber-1');
    expect(open(KEY, sealed, 'subscriber-2')).toBeNull();
    expect(open(deriveKey('different', 'totp-secret'), sealed, 'subscriber-1')).toBeNull();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(open(KEY, parts.join('.'), 'subscriber-1')).toBeNull();
    expect(open(KEY, 'v1.broken', 'subscriber-1')).toBeNull();
    expect(open(KEY, 'v1.a.b.c', 'subscriber-1')).toBeNull();
  });

  it('reads a value stored before encryption as it is', () => {
    expect(isSealed(SECRET)).toBe(false);
    expect(open(KEY, SECRET, 'subscriber-1')).toBe(SECRET);
  });
});
