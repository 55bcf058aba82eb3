import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { KeyRing } from '../keys/key-ring';

/*
 * Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): issued at each
 * successful sign-in, kept by the app in the OS keychain beside its refresh token, and sent with
 * later sign-ins to the same account, where they earn that computer its own budget of wrong tries
 * (see sign-in-budgets.ts).
 *
 * A cookie is `<nonce>.<signature>`: 32 random bytes, and an HMAC of the account's id and the
 * nonce under the access-token key. The signature binds it to the account (a cookie of one
 * account is nothing at another, and no client can make one up); the row, stored under the
 * nonce's hash, holds its budget, so a copy of the database gives no cookie either.
 */

/** Domain separation: the token key also signs access tokens, which never look like this. */
const SIGNED_AS = 'airtime device cookie';

const b64 = (bytes: Buffer): string => bytes.toString('base64url');

function sign(secret: string, subscriberId: string, nonce: string): string {
  return b64(
    createHmac('sha256', secret).update(`${SIGNED_AS}\n${subscriberId}\n${nonce}`).digest(),
  );
}

/** What a cookie's row is stored under. */
export function deviceCookieHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('hex');
}

export class DeviceCookies {
  constructor(
    private readonly keys: KeyRing,
    private readonly ttlMs: number,
  ) {}

  /**
   * A new cookie for `subscriberId`, stored in `db` (the transaction that opens the session). The
   * cookie the client sent, if it was this account's, is replaced: one per computer.
   */
  async issue(
    db: Kysely<Database>,
    subscriberId: string,
    now: number,
    replacing?: string,
  ): Promise<string> {
    const nonce = b64(randomBytes(32));
    await db
      .insertInto('device_cookies')
      .values({
        token_hash: deviceCookieHash(nonce),
        subscriber_id: subscriberId,
        issued_at: now,
        expires_at: now + this.ttlMs,
        untrusted_at: null,
      })
      .execute();
    if (replacing) {
      await db
        .deleteFrom('device_cookies')
        .where('token_hash', '=', replacing)
        .where('subscriber_id', '=', subscriberId)
        .execute();
    }
    return `${nonce}.${sign(this.keys.current.secret, subscriberId, nonce)}`;
  }

  /**
   * The row's key of `cookie` when it was signed for `subscriberId` by any of the token keys (so
   * a key rotation does not distrust every computer at once); null for anything else. Whether it
   * is still trusted is decided where its budget is spent.
   */
  signedFor(subscriberId: string, cookie: string | undefined): string | null {
    if (!cookie) return null;
    const [nonce, signature] = cookie.split('.');
    if (!nonce || !signature) return null;
    const given = Buffer.from(signature);
    for (const key of this.keys.keys) {
      const expected = Buffer.from(sign(key.secret, subscriberId, nonce));
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        return deviceCookieHash(nonce);
      }
    }
    return null;
  }

  /** True while the cookie's row is there, unexpired and trusted. */
  async trusted(db: Kysely<Database>, cookieHash: string, now: number): Promise<boolean> {
    const row = await db
      .selectFrom('device_cookies')
      .select('token_hash')
      .where('token_hash', '=', cookieHash)
      .where('untrusted_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }
}
