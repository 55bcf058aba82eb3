import { generateSecret, generateURI } from 'otplib';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { MINUTE_MS } from '../clock';
import type {
  SecondFactorResendResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
  TwoFactorMethod,
} from '../../../contract/http/two-factor';
import { ApiHttpError } from '../errors';
import type { Delivery, Sender } from '../delivery/types';
import { maskPhone } from './recovery-service';
import type { ClientInfo, SecurityLog } from '../security/security-log';
import { revokeTrustedDevices } from './trusted-devices';
import { confirmPassword, type ConfirmationContext } from './password-confirmation';
import { spendTextedCode, takeTextedCodeTry } from './code-tries';
import { newRecoveryCodes, type RecoveryCodes } from './recovery-codes';
import type { SmsCodePolicy, TextedCodes } from './texted-codes';
import type { TotpSecrets } from './totp-secrets';
import {
  alreadyEnabled,
  codeExpired,
  codeHash,
  noSmsSender,
  notEnabled,
  sameHex,
  seconds,
  tooManyAttempts,
} from './two-factor-common';

export interface EnrolmentParts {
  delivery: Delivery;
  events: SecurityLog;
  passwords: ConfirmationContext;
  sms: SmsCodePolicy;
  totp: TotpSecrets;
  texts: TextedCodes;
  recovery: RecoveryCodes;
}

/**
 * Turning 2-step on (by authenticator app or by text, confirmed with a first code, which also
 * hands out the recovery codes) and off again.
 */
export class TwoFactorEnrolment {
  private readonly delivery: Delivery;
  private readonly events: SecurityLog;
  private readonly passwords: ConfirmationContext;
  private readonly sms: SmsCodePolicy;
  private readonly totp: TotpSecrets;
  private readonly texts: TextedCodes;
  private readonly recovery: RecoveryCodes;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    parts: EnrolmentParts,
  ) {
    this.delivery = parts.delivery;
    this.events = parts.events;
    this.passwords = parts.passwords;
    this.sms = parts.sms;
    this.totp = parts.totp;
    this.texts = parts.texts;
    this.recovery = parts.recovery;
  }

  /**
   * Starts (or restarts) enrolment. For `totp`, a new secret for the authenticator app; for
   * `sms`, a code texted to the account's line. Refused once 2-step is on.
   */
  async enrol(
    subscriberId: string,
    method: TwoFactorMethod = 'totp',
  ): Promise<TwoFactorEnrolResponse> {
    const current = await this.db
      .selectFrom('two_factor')
      .select('enabled_at')
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    // Answers early for the usual case; the writes below check again, as they happen.
    if (current?.enabled_at != null) throw alreadyEnabled();
    const subscriber = await this.db
      .selectFrom('subscribers')
      .select('phone')
      .where('id', '=', subscriberId)
      .executeTakeFirstOrThrow();
    const now = this.clock.now();

    if (method === 'totp') {
      const secret = generateSecret();
      const stored = this.totp.sealSecret(subscriberId, secret);
      await this.db.transaction().execute(async (trx) => {
        const started = await trx
          .insertInto('two_factor')
          .values({
            subscriber_id: subscriberId,
            secret: stored,
            method: 'totp',
            created_at: now,
            enabled_at: null,
            last_time_step: null,
          })
          .onConflict((oc) =>
            oc
              .column('subscriber_id')
              .doUpdateSet({
                secret: stored,
                method: 'totp',
                created_at: now,
                last_time_step: null,
              })
              .where('two_factor.enabled_at', 'is', null),
          )
          .returning('subscriber_id')
          .executeTakeFirst();
        // 2-step was turned on since the check above (a confirmation at the same moment): the
        // secret it was turned on with must not be replaced by one handed out here.
        if (!started) throw alreadyEnabled();
        // A text sent for an earlier enrolment by text no longer turns anything on.
        await trx
          .deleteFrom('sms_codes')
          .where('subscriber_id', '=', subscriberId)
          .where('purpose', '=', 'enrol')
          .execute();
      });
      return {
        method: 'totp',
        secret,
        otpauthUri: generateURI({ issuer: 'Airtime', label: subscriber.phone, secret }),
      };
    }

    const sender = this.delivery.sms;
    if (!sender) throw noSmsSender();
    const started = await this.db
      .insertInto('two_factor')
      .values({
        subscriber_id: subscriberId,
        secret: '',
        method: 'sms',
        created_at: now,
        enabled_at: null,
        last_time_step: null,
      })
      .onConflict((oc) =>
        oc
          .column('subscriber_id')
          .doUpdateSet({ secret: '', method: 'sms', created_at: now, last_time_step: null })
          .where('two_factor.enabled_at', 'is', null),
      )
      .returning('subscriber_id')
      .executeTakeFirst();
    // As above: a method turned on meanwhile is not switched to texts.
    if (!started) throw alreadyEnabled();
    await this.textEnrolmentCode(subscriberId, subscriber.phone, sender, now);
    return {
      method: 'sms',
      destination: maskPhone(subscriber.phone),
      resendAfterSeconds: seconds(this.sms.resendCooldownMs),
    };
  }

  /** Texts another enrolment code for a pending enrolment by text. */
  async resendEnrolment(subscriberId: string): Promise<SecondFactorResendResponse> {
    const row = await this.db
      .selectFrom('two_factor as f')
      .innerJoin('subscribers as s', 's.id', 'f.subscriber_id')
      .select(['f.enabled_at', 'f.method', 's.phone'])
      .where('f.subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    if (row?.enabled_at != null) throw alreadyEnabled();
    if (!row || row.method !== 'sms') {
      throw new ApiHttpError(
        400,
        'invalid_request',
        'Start setting up 2-step verification by text message first.',
      );
    }
    const sender = this.delivery.sms;
    if (!sender) throw noSmsSender();
    await this.textEnrolmentCode(subscriberId, row.phone, sender, this.clock.now());
    return {
      sent: true,
      destination: maskPhone(row.phone),
      resendAfterSeconds: seconds(this.sms.resendCooldownMs),
    };
  }

  private async textEnrolmentCode(
    subscriberId: string,
    phone: string,
    sender: Sender,
    now: number,
  ): Promise<void> {
    const minutes = Math.round(this.sms.enrolCodeTtlMs / MINUTE_MS);
    const sent = await this.texts.textCode({
      subscriberId,
      phone,
      sender,
      now,
      purpose: 'enrol',
      challengeHash: null,
      expiresAt: now + this.sms.enrolCodeTtlMs,
      enforceHourlyLimit: true,
      text: (code) =>
        `Airtime code: ${code}. Enter it to turn on 2-step verification; it expires in ${minutes} minutes. Never share it.`,
    });
    if (!sent) {
      throw new ApiHttpError(
        502,
        'delivery_failed',
        'We could not send the code by text message. Ask for a new code, or use an authenticator app.',
      );
    }
  }

  /** Turns 2-step on with a first good code; returns the recovery codes (shown once). */
  async confirm(
    subscriberId: string,
    code: string,
    client: ClientInfo = {},
  ): Promise<TwoFactorConfirmResponse> {
    const row = await this.db
      .selectFrom('two_factor')
      .select(['secret', 'method', 'enabled_at', 'last_time_step'])
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    if (!row) {
      throw new ApiHttpError(400, 'invalid_request', 'Start setting up 2-step verification first.');
    }
    if (row.enabled_at !== null) throw alreadyEnabled();

    if (row.method === 'sms') {
      await this.confirmTexted(subscriberId, code);
    } else if (!(await this.totp.acceptTotp(subscriberId, row, code))) {
      throw new ApiHttpError(
        400,
        'invalid_code',
        'That code is not right. Check the time on your phone and try again.',
      );
    }

    const now = this.clock.now();
    const codes = newRecoveryCodes();
    const enabled = await this.db.transaction().execute(async (trx) => {
      // Conditional: two confirmations at once turn it on once, with one set of codes; and only
      // the enrolment whose code was checked is turned on, not one started again meanwhile
      // (with a secret, or by a method, that this code never proved).
      const result = await trx
        .updateTable('two_factor')
        .set({ enabled_at: now })
        .where('subscriber_id', '=', subscriberId)
        .where('enabled_at', 'is', null)
        .where('method', '=', row.method)
        .where('secret', '=', row.secret)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await this.recovery.storeRecoveryCodes(trx, subscriberId, codes, now);
      await trx
        .deleteFrom('sms_codes')
        .where('subscriber_id', '=', subscriberId)
        .where('purpose', '=', 'enrol')
        .execute();
      return true;
    });
    if (!enabled) throw await this.whyNotEnabled(subscriberId);
    await this.events.record(subscriberId, 'two_factor_enabled', client);
    return { enabled: true, recoveryCodes: codes };
  }

  /** Why a checked code turned nothing on: 2-step is on already, or enrolment started again. */
  private async whyNotEnabled(subscriberId: string): Promise<ApiHttpError> {
    const row = await this.db
      .selectFrom('two_factor')
      .select('enabled_at')
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    if (row?.enabled_at != null) return alreadyEnabled();
    return new ApiHttpError(
      400,
      'invalid_code',
      'Setting up 2-step verification was started again, so this code no longer counts. Use the newest one.',
    );
  }

  /**
   * The newest enrolment text is the one that counts: asking for another retires the old. Every
   * request takes one of the code's tries before comparing, so a burst compares no more codes than
   * allowed, and a right code sent once they are spent is refused like a wrong one.
   */
  private async confirmTexted(subscriberId: string, code: string): Promise<void> {
    const now = this.clock.now();
    const newest = await this.db
      .selectFrom('sms_codes')
      .select('id')
      .where('subscriber_id', '=', subscriberId)
      .where('purpose', '=', 'enrol')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!newest) throw codeExpired();
    const attempt = await takeTextedCodeTry(this.db, newest.id, now, this.sms.maxCodeAttempts);
    if (!attempt) throw await this.whyNoTryLeft(newest.id, now);
    if (sameHex(codeHash(attempt.codeSalt, code), attempt.codeHash)) {
      // Conditional, so a code sent twice at once is accepted once.
      if (await spendTextedCode(this.db, newest.id, now)) return;
      throw codeExpired();
    }
    if (attempt.triesLeft === 0) throw tooManyAttempts();
    throw new ApiHttpError(400, 'invalid_code', 'That code is not right. Check it and try again.', {
      attemptsLeft: attempt.triesLeft,
    });
  }

  /** Why a texted code took no try: it is used, expired or gone, or its tries are spent. */
  private async whyNoTryLeft(id: string, now: number): Promise<ApiHttpError> {
    const row = await this.db
      .selectFrom('sms_codes')
      .select(['used_at', 'expires_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return !row || row.used_at !== null || row.expires_at <= now
      ? codeExpired()
      : tooManyAttempts();
  }

  /**
   * Turns 2-step off after the password is entered again (a wrong one counts toward the account
   * lockout, as everywhere the password is typed again): removes the method, the recovery codes
   * and any code in flight, and forgets every remembered computer.
   */
  async disable(subscriberId: string, password: string, client: ClientInfo = {}): Promise<void> {
    await confirmPassword(this.passwords, subscriberId, password, client);
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      // Challenges first: a sign-in finishing its second step holds its challenge, then its
      // code, so taking them in the same order here cannot deadlock with it on PostgreSQL.
      await trx
        .deleteFrom('second_factor_challenges')
        .where('subscriber_id', '=', subscriberId)
        .execute();
      const removed = await trx
        .deleteFrom('two_factor')
        .where('subscriber_id', '=', subscriberId)
        .where('enabled_at', 'is not', null)
        .executeTakeFirst();
      // Thrown inside, so nothing above stays deleted.
      if (Number(removed.numDeletedRows) !== 1) throw notEnabled();
      await trx.deleteFrom('recovery_codes').where('subscriber_id', '=', subscriberId).execute();
      await trx.deleteFrom('sms_codes').where('subscriber_id', '=', subscriberId).execute();
      await revokeTrustedDevices(trx, subscriberId, now);
    });
    await this.events.record(subscriberId, 'two_factor_disabled', client);
  }
}
