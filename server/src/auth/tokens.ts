import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTHeaderParameters } from 'jose';
import { KeyRing } from '../keys/key-ring';

export const ACCESS_TOKEN_TTL_SECONDS = 600;
const ISSUER = 'airtime-api';
const AUDIENCE = 'airtime-app';

export interface AccessClaims {
  subscriberId: string;
  sessionId: string;
}

export type VerifyResult =
  { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

/**
 * Short-lived HS256 access tokens. Each carries the id of the key that signed it (`kid`) and is
 * verified with that key, so a new key can sign while tokens from the old one stay good until
 * they expire. A token without `kid` (issued before key ids) is checked with the ring's unmarked
 * key; an unknown `kid` is an invalid token.
 */
export class AccessTokens {
  readonly #ring: KeyRing;
  // KeyObjects made once: given raw bytes, jose would import the key again on every call.
  readonly #objects = new Map<string, KeyObject>();
  readonly #ttlSeconds: number;
  /** A single secret string (no kid written) keeps the behaviour of one configured key. */
  readonly #writeKid: boolean;

  constructor(keys: string | KeyRing, ttlSeconds: number = ACCESS_TOKEN_TTL_SECONDS) {
    if (typeof keys === 'string' && keys.length < 32)
      throw new Error('The token signing secret must be at least 32 characters.');
    this.#ring = typeof keys === 'string' ? KeyRing.single('token', keys) : keys;
    this.#writeKid = typeof keys !== 'string';
    for (const key of this.#ring.keys) {
      this.#objects.set(key.id, createSecretKey(Buffer.from(key.secret, 'utf8')));
    }
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  issue(claims: AccessClaims, nowMs: number): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    const current = this.#ring.current;
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader(
        this.#writeKid
          ? { alg: 'HS256', typ: 'JWT', kid: current.id }
          : { alg: 'HS256', typ: 'JWT' },
      )
      .setSubject(claims.subscriberId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.#ttlSeconds)
      .sign(this.#objects.get(current.id)!);
  }

  async verify(token: string, nowMs: number): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.#keyFor(header), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: new Date(nowMs),
      });
      if (typeof payload.sub !== 'string' || typeof payload['sid'] !== 'string') {
        return { ok: false, reason: 'invalid' };
      }
      return { ok: true, claims: { subscriberId: payload.sub, sessionId: payload['sid'] } };
    } catch (error) {
      return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  }

  /** The key a token names; throwing makes jose report the token as invalid. */
  #keyFor(header: JWTHeaderParameters): KeyObject {
    const key = header.kid === undefined ? this.#ring.unmarked : this.#ring.byId(header.kid);
    const object = key && this.#objects.get(key.id);
    if (!object) throw new Error('unknown signing key');
    return object;
  }
}

/** A new opaque refresh token: 32 random bytes as base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Refresh tokens are stored only as this hash; a database leak reveals no usable token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newSecret(): string {
  return randomBytes(48).toString('base64url');
}
