import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { MINUTE_MS } from '../clock';
import type { ApiError } from '../../../contract/errors';
import type {
  SecondFactorResendResponse,
  TwoFactorMethod,
} from '../../../contract/http/two-factor';
import { ApiHttpError } from '../errors';
import type { Delivery } from '../delivery/types';
import { maskPhone } from './recovery-service';
import { takeChallengeTry } from './code-tries';
import type { SmsCodePolicy, TextedCodes } from './texted-codes';
import { seconds, sha256, signInExpired } from './two-factor-common';

export const SECOND_FACTOR_CHALLENGE_TTL_MS = 5 * MINUTE_MS;
export const SECOND_FACTOR_MAX_ATTEMPTS = 5;

/** What `second_factor_required` carries in `error.secondFactor`. */
export type SecondFactorChallenge = NonNullable<ApiError['secondFactor']>;

/**
 * The challenge a sign-in with a proven password is handed for its second step: created (with a
 * text for an `sms` account), texted again, found, and its tries taken and spent.
 */
export class SignInChallenges {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly delivery: Delivery,
    private readonly log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
    private readonly sms: SmsCodePolicy,
    private readonly texts: TextedCodes,
  ) {}

  /**
   * A challenge for a proven password, answered at `/v1/auth/second-factor`. For an `sms` account
   * the code is texted now; if that fails the challenge is still handed out (a recovery code
   * still works, and another text may be asked for at once), and the message says so.
   */
  async createChallenge(
    subscriberId: string,
    method: TwoFactorMethod,
    phone: string,
    /** The budget the password was decided on; the codes count on it too. */
    lane: string | null = null,
  ): Promise<{ secondFactor: SecondFactorChallenge; message: string }> {
    const now = this.clock.now();
    const challenge = randomBytes(32).toString('base64url');
    const tokenHash = sha256(challenge);
    const expiresAt = now + SECOND_FACTOR_CHALLENGE_TTL_MS;
    await this.db
      .insertInto('second_factor_challenges')
      .values({
        token_hash: tokenHash,
        subscriber_id: subscriberId,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        lane,
      })
      .execute();
    const base = { challenge, expiresIn: seconds(SECOND_FACTOR_CHALLENGE_TTL_MS) };
    if (method === 'totp') {
      return {
        secondFactor: { ...base, method: 'totp' },
        message: 'Enter the code from your authenticator app, or a recovery code.',
      };
    }

    const destination = maskPhone(phone);
    const sender = this.delivery.sms;
    // Not limited per hour like resends: each of these texts needs the right password, and one
    // nobody asked for tells the subscriber that someone knows it.
    const sent = sender
      ? await this.texts.textCode({
          subscriberId,
          phone,
          sender,
          now,
          purpose: 'sign_in',
          challengeHash: tokenHash,
          expiresAt,
          enforceHourlyLimit: false,
          text: (code) => signInText(code),
        })
      : false;
    if (!sender) this.log.error({ subscriberId }, 'no SMS sender for a 2-step sign-in by text');
    return {
      secondFactor: {
        ...base,
        method: 'sms',
        destination,
        resendAfterSeconds: sent ? seconds(this.sms.resendCooldownMs) : 0,
      },
      message: sent
        ? `Enter the code we texted to ${destination}, or a recovery code.`
        : `We could not text a code to ${destination}. Ask for a new one, or use a recovery code.`,
    };
  }

  /** Another text for the challenge of an `sms` sign-in. */
  async resendChallenge(challenge: string): Promise<SecondFactorResendResponse> {
    const found = await this.findChallenge(challenge);
    if (!found) throw signInExpired();
    const row = await this.db
      .selectFrom('two_factor as f')
      .innerJoin('subscribers as s', 's.id', 'f.subscriber_id')
      .select(['f.enabled_at', 'f.method', 's.phone'])
      .where('f.subscriber_id', '=', found.subscriber_id)
      .executeTakeFirst();
    if (!row || row.enabled_at === null) throw signInExpired();
    if (row.method !== 'sms') {
      throw new ApiHttpError(
        400,
        'invalid_request',
        'This sign-in uses an authenticator app, so there is no text message to send again.',
      );
    }
    const sender = this.delivery.sms;
    if (!sender) {
      throw new ApiHttpError(
        503,
        'service_unavailable',
        'This service cannot send text messages right now. Use a recovery code.',
      );
    }
    const now = this.clock.now();
    const sent = await this.texts.textCode({
      subscriberId: found.subscriber_id,
      phone: row.phone,
      sender,
      now,
      purpose: 'sign_in',
      challengeHash: found.token_hash,
      expiresAt: found.expires_at,
      enforceHourlyLimit: true,
      text: (code) => signInText(code),
    });
    if (!sent) {
      throw new ApiHttpError(
        502,
        'delivery_failed',
        'We could not send the code by text message. Try again, or use a recovery code.',
      );
    }
    return {
      sent: true,
      destination: maskPhone(row.phone),
      resendAfterSeconds: seconds(this.sms.resendCooldownMs),
    };
  }

  /** The live challenge for this token, or null. */
  async findChallenge(challenge: string) {
    const row = await this.db
      .selectFrom('second_factor_challenges')
      .select(['token_hash', 'subscriber_id', 'expires_at', 'attempts', 'used_at', 'lane'])
      .where('token_hash', '=', sha256(challenge))
      .executeTakeFirst();
    if (!row || row.used_at !== null || row.expires_at <= this.clock.now()) return null;
    if (row.attempts >= SECOND_FACTOR_MAX_ATTEMPTS) return null;
    return row;
  }

  /**
   * Takes one of the challenge's tries, before its code is compared. Returns the tries left after
   * this one, or null when there is none to take (the sign-in is used, expired or burned).
   */
  takeTry(tokenHash: string): Promise<number | null> {
    return takeChallengeTry(this.db, tokenHash, this.clock.now(), SECOND_FACTOR_MAX_ATTEMPTS);
  }

  /** True while the challenge is stored and unused: no other request has finished this sign-in. */
  async challengeOpen(tokenHash: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('second_factor_challenges')
      .select('used_at')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row !== undefined && row.used_at === null;
  }

  /**
   * Marks the challenge used, inside the transaction that opens the session; false when another
   * request got there first.
   */
  async spendChallenge(db: Kysely<Database>, tokenHash: string): Promise<boolean> {
    const result = await db
      .updateTable('second_factor_challenges')
      .set({ used_at: this.clock.now() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

/** The sign-in text; it also warns a subscriber whose password someone else is using. */
function signInText(code: string): string {
  return `Airtime sign-in code: ${code}. Never share it. If you are not signing in, change your password.`;
}
