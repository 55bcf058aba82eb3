import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AccessTokens,
  hashRefreshToken,
  newRefreshToken,
  newSecret,
} from '../../../server/src/auth/tokens';
import { RefreshToken } from '../../../contract/http/auth';

const SECRET = 'unit-test-signing-secret-0123456789abcdef';
const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const claims = { subscriberId: 'sub-1', sessionId: 'session-1' };

/** Base64url JSON of one token part. */
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('AccessTokens', () => {
  it('verifies a token it issued and returns its claims', async () => {
    const tokens = new AccessTokens(SECRET);
    const token = await tokens.issue(claims, NOW);
    expect(token.split('.')).toHaveLength(3);
    expect(await tokens.verify(token, NOW)).toEqual({ ok: true, claims });
  });

  it('lives ten minutes by default', async () => {
    const tokens = new AccessTokens(SECRET);
    expect(tokens.ttlSeconds).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(ACCESS_TOKEN_TTL_SECONDS).toBe(600);
    const token = await tokens.issue(claims, NOW);
    expect((await tokens.verify(token, NOW + 599_000)).ok).toBe(true);
    expect(await tokens.verify(token, NOW + 600_000)).toEqual({ ok: false, reason: 'expired' });
    expect(await tokens.verify(token, NOW + 3_600_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('honours a custom lifetime', async () => {
    const tokens = new AccessTokens(SECRET, 60);
    expect(tokens.ttlSeconds).toBe(60);
    const token = await tokens.issue(claims, NOW);
    expect((await tokens.verify(token, NOW + 59_000)).ok).toBe(true);
    expect(await tokens.verify(token, NOW + 61_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('calls a token signed with another key invalid', async () => {
    const other = await new AccessTokens('another-signing-secret-0123456789abcdef').issue(
      claims,
      NOW,
    );
    expect(await new AccessTokens(SECRET).verify(other, NOW)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('calls an expired token signed with another key invalid, not expired', async () => {
    const other = await new AccessTokens('another-signing-secret-0123456789abcdef').issue(
      claims,
      NOW,
    );
    expect(await new AccessTokens(SECRET).verify(other, NOW + 3_600_000)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('calls a tampered token invalid', async () => {
    const tokens = new AccessTokens(SECRET);
    const token = await tokens.issue(claims, NOW);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${part({ sid: 'session-2', sub: 'someone-else', iss: 'airtime-api', aud: 'airtime-app', iat: NOW / 1000, exp: NOW / 1000 + 600 })}.${signature}`;
    expect(await tokens.verify(forged, NOW)).toEqual({ ok: false, reason: 'invalid' });

    // Change the first character of the signature (the last one carries padding bits).
    const at = token.lastIndexOf('.') + 1;
    const flipped = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    expect(await tokens.verify(flipped, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses unsigned tokens', async () => {
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'sub-1', sid: 's', iss: 'airtime-api', aud: 'airtime-app', exp: NOW / 1000 + 600 })}.`;
    expect(await new AccessTokens(SECRET).verify(unsigned, NOW)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('calls anything that is not a token invalid', async () => {
    const tokens = new AccessTokens(SECRET);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
        expect(await tokens.verify(text, NOW)).toEqual({ ok: false, reason: 'invalid' });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a signing secret shorter than 32 characters', () => {
    expect(() => new AccessTokens('x'.repeat(31))).toThrow(
      'The token signing secret must be at least 32 characters.',
    );
    expect(() => new AccessTokens('')).toThrow();
    expect(() => new AccessTokens('x'.repeat(32))).not.toThrow();
  });

  it('generates secrets long enough to sign with', () => {
    const secret = newSecret();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(secret).not.toBe(newSecret());
    expect(() => new AccessTokens(secret)).not.toThrow();
  });
});

describe('refresh tokens', () => {
  it('are 43 base64url characters (32 random bytes) that the contract accepts', () => {
    for (let i = 0; i < 50; i++) {
      const token = newRefreshToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(RefreshToken.safeParse(token).success).toBe(true);
    }
  });

  it('are different every time', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newRefreshToken()));
    expect(tokens.size).toBe(200);
  });

  it('are stored as a stable hash that is not the token', () => {
    const token = newRefreshToken();
    const hash = hashRefreshToken(token);
    expect(hashRefreshToken(token)).toBe(hash);
    expect(hash).not.toBe(token);
    expect(hash).not.toContain(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(newRefreshToken())).not.toBe(hash);
  });

  it('hash a known token to its SHA-256', () => {
    expect(hashRefreshToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
