import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../clock';
import type { ApiError } from '../../../contract/errors';
import type { DeviceInfo } from '../../../contract/http/auth';
import type {
  RecoveryCodesResponse,
  SecondFactorResendResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
  TwoFactorMethod,
} from '../../../contract/http/two-factor';
import { ApiHttpError } from '../errors';
import { withBudgetLocks } from '../db/budget-lock';
import { DEFAULT_LOCKOUT_POLICY, DEFAULT_SIGN_IN_BUDGETS } from './lockout-policy';
import { SignInBudgets } from './sign-in-budgets';
import { isSealed, open, seal, type SealingKeys } from './secret-box';
import type { Delivery, Sender } from '../delivery/types';
import { maskPhone } from './recovery-service';
import { NO_SECURITY_LOG, type ClientInfo, type SecurityLog } from '../security/security-log';
import { revokeTrustedDevices } from './trusted-devices';
import { confirmPassword, type ConfirmationContext } from './password-confirmation';
import { spendTextedCode, takeChallengeTry, takeTextedCodeTry } from './code-tries';

export const SECOND_FACTOR_CHALLENGE_TTL_MS = 5 * MINUTE_MS;
export const SECOND_FACTOR_MAX_ATTEMPTS = 5;
/** "Remember this computer": how long a device token skips the second step. */
export const TRUSTED_DEVICE_TTL_MS = 30 * DAY_MS;
const RECOVERY_CODE_COUNT = 10;
/** One 30-second step either side, for phone clocks that drift. */
const TOTP_TOLERANCE_SECONDS = 30;

/** Texted codes: for turning 2-step on by text, and for each sign-in of an `sms` account. */
export interface SmsCodePolicy {
  /** An enrolment code works this long (a sign-in code lives as long as its challenge). */
  enrolCodeTtlMs: number;
  /** Wrong tries that burn a code. */
  maxCodeAttempts: number;
  /** Least time between two texts for one enrolment or one sign-in. */
  resendCooldownMs: number;
  /** Texts one account may ask for again (enrolment and resends) per hour. */
  perSubscriberPerHour: number;
}

export const DEFAULT_SMS_CODE_POLICY: SmsCodePolicy = {
  enrolCodeTtlMs: 10 * MINUTE_MS,
  maxCodeAttempts: 5,
  resendCooldownMs: MINUTE_MS,
  perSubscriberPerHour: 10,
};

/** What `second_factor_required` carries in `error.secondFactor`. */
export type SecondFactorChallenge = NonNullable<ApiError['secondFactor']>;

export interface TwoFactorOptions {
  /** How codes are texted; without an SMS sender, 2-step by text is refused with a 503. */
  delivery?: Delivery;
  log?: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /**
   * The account's security history: 2-step turned on or off, recovery codes replaced, and wrong
   * passwords typed for those changes.
   */
  events?: SecurityLog;
  /** The budgets that a wrong password typed for those changes spends (those of sign-in). */
  budgets?: SignInBudgets;
  /** AES-256 keys (by key id) for TOTP secrets at rest; without them they are stored as they are. */
  secretKey?: Buffer | SealingKeys;
  sms?: Partial<SmsCodePolicy>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const codeHash = (salt: string, code: string): string => sha256(`${salt}:${code}`);

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Recovery codes are compared without case or the dash, as people type them. */
const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace('-', '');

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const hex = randomBytes(5).toString('hex');
    return `${hex.slice(0, 5)}-${hex.slice(5)}`;
  });
}

/** The answer for a second step whose challenge is gone (used, expired, burned or unknown). */
export const signInExpired = (message = 'This sign-in has expired. Please sign in again.') =>
  new ApiHttpError(401, 'unauthorized', message);

const alreadyEnabled = () =>
  new ApiHttpError(409, 'two_factor_already_enabled', '2-step verification is already on.');

const notEnabled = () =>
  new ApiHttpError(409, 'two_factor_not_enabled', '2-step verification is not on.');

const noSmsSender = () =>
  new ApiHttpError(
    503,
    'service_unavailable',
    'This service cannot send text messages. Use an authenticator app instead.',
  );

const rateLimited = (retryAfterMs: number, message: string) =>
  new ApiHttpError(429, 'rate_limited', message, { retryAfterSeconds: seconds(retryAfterMs) });

const codeExpired = () =>
  new ApiHttpError(
    410,
    'code_expired',
    'This code has expired or was already used. Ask for a new one.',
  );

const tooManyAttempts = () =>
  new ApiHttpError(
    429,
    'too_many_attempts',
    'Too many wrong codes, so this one no longer works. Ask for a new code.',
  );

/**
 * A code typed for a sign-in's second step, sorted by what it can be before any try is spent on
 * it: an authenticator code, the code texted for this sign-in, or a recovery code.
 */
export type SecondFactorGuess =
  | { kind: 'totp'; code: string; secret: string; lastTimeStep: number | null }
  | { kind: 'texted'; code: string; textedId: string }
  | { kind: 'recovery'; codeHash: string }
  /** A 6-digit code for an account whose 2-step is off: nothing it could match. */
  | { kind: 'none' };

/**
 * A code that matched. It is spent in the transaction that opens the session, so that of several
 * requests with one code only the first to commit signs in.
 */
export type MatchedCode =
  /** `secret` as stored: the step is claimed only while that secret is still the account's. */
  | { kind: 'totp'; timeStep: number; secret: string }
  | { kind: 'texted'; textedId: string }
  | { kind: 'recovery'; codeHash: string };

/** The key under which every text for one account is decided (see budget-lock.ts). */
const textBudgetKey = (subscriberId: string): string =>
  `two-factor-text:subscriber:${subscriberId}`;

/**
 * 2-step verification: enrolment by authenticator app (TOTP, RFC 6238, 6 digits, 30 s) or by text
 * message, confirmation with a first code (which also hands out ten one-time recovery codes), the
 * checks sign-in needs, remembered computers, and turning it off again.
 *
 * Texts are sent before answering, unlike password-reset codes (which recovery-service sends in
 * the background so that timing cannot tell whether a number has an account). Every text here
 * goes to an account whose owner has already proven who they are, by a session or by the right
 * password, so the answer's timing gives nothing away; sending first lets the answer itself
 * report a text that could not be sent (`502 delivery_failed`), instead of leaving the
 * subscriber waiting for a code that will never arrive.
 */
export class TwoFactorService {
  private readonly delivery: Delivery;
  private readonly log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  private readonly events: SecurityLog;
  private readonly secretKey: Buffer | SealingKeys | undefined;
  private readonly sms: SmsCodePolicy;
  private readonly passwords: ConfirmationContext;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    options: TwoFactorOptions = {},
  ) {
    this.delivery = options.delivery ?? { sms: null, email: null };
    this.log = options.log ?? { warn: () => undefined, error: () => undefined };
    this.events = options.events ?? NO_SECURITY_LOG;
    this.secretKey = options.secretKey;
    this.sms = { ...DEFAULT_SMS_CODE_POLICY, ...options.sms };
    this.passwords = {
      db,
      clock,
      budgets:
        options.budgets ?? new SignInBudgets(DEFAULT_LOCKOUT_POLICY, DEFAULT_SIGN_IN_BUDGETS),
      events: this.events,
    };
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
      const stored = this.sealSecret(subscriberId, secret);
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
    const sent = await this.textCode({
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
    } else if (!(await this.acceptTotp(subscriberId, row, code))) {
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
      await this.storeRecoveryCodes(trx, subscriberId, codes, now);
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

  /** Ten new recovery codes after the password is entered again; every older one stops working. */
  async replaceRecoveryCodes(
    subscriberId: string,
    password: string,
    client: ClientInfo = {},
  ): Promise<RecoveryCodesResponse> {
    await confirmPassword(this.passwords, subscriberId, password, client);
    const now = this.clock.now();
    const codes = newRecoveryCodes();
    const done = await this.db.transaction().execute(async (trx) => {
      // Touching the row both checks that 2-step is on and, on PostgreSQL, holds off a
      // concurrent `disable` until the new codes are in.
      const on = await trx
        .updateTable('two_factor')
        .set((eb) => ({ enabled_at: eb.ref('enabled_at') }))
        .where('subscriber_id', '=', subscriberId)
        .where('enabled_at', 'is not', null)
        .executeTakeFirst();
      if (Number(on.numUpdatedRows) !== 1) return false;
      await this.storeRecoveryCodes(trx, subscriberId, codes, now);
      return true;
    });
    if (!done) throw notEnabled();
    await this.events.record(subscriberId, 'recovery_codes_replaced', client);
    return { recoveryCodes: codes };
  }

  private async storeRecoveryCodes(
    trx: Kysely<Database>,
    subscriberId: string,
    codes: string[],
    now: number,
  ): Promise<void> {
    await trx.deleteFrom('recovery_codes').where('subscriber_id', '=', subscriberId).execute();
    await trx
      .insertInto('recovery_codes')
      .values(
        codes.map((c) => ({
          code_hash: sha256(normaliseRecoveryCode(c)),
          subscriber_id: subscriberId,
          created_at: now,
          used_at: null,
        })),
      )
      .execute();
  }

  /** The method of an account with 2-step on, or null while it is off (or only being set up). */
  async method(subscriberId: string): Promise<TwoFactorMethod | null> {
    const row = await this.db
      .selectFrom('two_factor')
      .select(['enabled_at', 'method'])
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    return row?.enabled_at != null ? row.method : null;
  }

  async enabled(subscriberId: string): Promise<boolean> {
    return (await this.method(subscriberId)) !== null;
  }

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
      ? await this.textCode({
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
    const sent = await this.textCode({
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

  /**
   * Stores a new code and texts it. Returns false when the provider failed: the code is then
   * deleted, so it neither holds back another try nor counts toward the limits.
   */
  private async textCode(args: {
    subscriberId: string;
    phone: string;
    sender: Sender;
    now: number;
    purpose: 'enrol' | 'sign_in';
    challengeHash: string | null;
    expiresAt: number;
    enforceHourlyLimit: boolean;
    text: (code: string) => string;
  }): Promise<boolean> {
    const { subscriberId, now, purpose, challengeHash } = args;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(16).toString('hex');
    const id = randomUUID();
    // Every text for the account is decided under one budget lock: the cooldown and the hourly
    // limit are read and the new code stored before the next request for this account may read
    // them, on every instance, so a burst sends exactly what the limits allow. The text itself
    // goes out after the lock is let go.
    await withBudgetLocks(this.db, [textBudgetKey(subscriberId)], now, async (trx) => {
      let latest = trx
        .selectFrom('sms_codes')
        .select('created_at')
        .where('subscriber_id', '=', subscriberId)
        .where('purpose', '=', purpose)
        .orderBy('created_at', 'desc')
        .limit(1);
      if (challengeHash !== null) latest = latest.where('challenge_hash', '=', challengeHash);
      const last = await latest.executeTakeFirst();
      if (last && now - last.created_at < this.sms.resendCooldownMs) {
        throw rateLimited(
          last.created_at + this.sms.resendCooldownMs - now,
          'A code was just sent. Wait a minute before asking for another.',
        );
      }
      if (args.enforceHourlyLimit) {
        const recent = await trx
          .selectFrom('sms_codes')
          .select('created_at')
          .where('subscriber_id', '=', subscriberId)
          .where('created_at', '>', now - HOUR_MS)
          .orderBy('created_at', 'desc')
          .limit(this.sms.perSubscriberPerHour)
          .execute();
        if (recent.length >= this.sms.perSubscriberPerHour) {
          throw rateLimited(
            recent[recent.length - 1]!.created_at + HOUR_MS - now,
            'Too many codes were texted to this line. Try again later.',
          );
        }
      }
      await trx
        .insertInto('sms_codes')
        .values({
          id,
          subscriber_id: subscriberId,
          purpose,
          challenge_hash: challengeHash,
          code_salt: salt,
          code_hash: codeHash(salt, code),
          created_at: now,
          expires_at: args.expiresAt,
          used_at: null,
        })
        .execute();
    });
    try {
      await args.sender.send({
        to: args.phone,
        subject: 'Your Airtime code',
        text: args.text(code),
      });
      return true;
    } catch (error) {
      this.log.warn({ err: error, purpose, subscriberId }, '2-step code delivery failed');
      await this.db.deleteFrom('sms_codes').where('id', '=', id).execute();
      return false;
    }
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

  /**
   * Sorts a code typed for a sign-in (`challengeHash`) before any try is spent on it: a 6-digit
   * code is checked as a TOTP code for a `totp` account or as the newest code texted for this
   * sign-in for an `sms` account; anything else as a recovery code. Throws `502 delivery_failed`
   * when a 6-digit code is typed for a sign-in whose text could not be sent: that is no guess,
   * so it takes no try and is not counted as a wrong code.
   */
  async readCode(
    subscriberId: string,
    code: string,
    challengeHash: string,
  ): Promise<SecondFactorGuess> {
    const trimmed = code.trim();
    if (!/^\d{6}$/.test(trimmed)) {
      return { kind: 'recovery', codeHash: sha256(normaliseRecoveryCode(trimmed)) };
    }
    const row = await this.db
      .selectFrom('two_factor')
      .select(['secret', 'method', 'last_time_step'])
      .where('subscriber_id', '=', subscriberId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    if (!row) return { kind: 'none' };
    if (row.method === 'totp') {
      return {
        kind: 'totp',
        code: trimmed,
        secret: row.secret,
        lastTimeStep: row.last_time_step === null ? null : Number(row.last_time_step),
      };
    }
    const texted = await this.db
      .selectFrom('sms_codes')
      .select('id')
      .where('subscriber_id', '=', subscriberId)
      .where('purpose', '=', 'sign_in')
      .where('challenge_hash', '=', challengeHash)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    // Failed texts are deleted, so a challenge without one is a sign-in whose text never left.
    if (!texted) {
      throw new ApiHttpError(
        502,
        'delivery_failed',
        'We could not text you a code for this sign-in. Ask for a new one, or use a recovery code.',
      );
    }
    return { kind: 'texted', code: trimmed, textedId: texted.id };
  }

  /**
   * Compares a code whose challenge try is taken; the match, or null for a wrong code. Nothing is
   * spent yet (see {@link spendCode}). A texted code first takes one of its own tries too.
   */
  async matchCode(subscriberId: string, guess: SecondFactorGuess): Promise<MatchedCode | null> {
    switch (guess.kind) {
      case 'none':
        return null;
      case 'totp': {
        const timeStep = await this.totpStep(
          subscriberId,
          { secret: guess.secret, last_time_step: guess.lastTimeStep },
          guess.code,
        );
        return timeStep === null ? null : { kind: 'totp', timeStep, secret: guess.secret };
      }
      case 'texted': {
        const now = this.clock.now();
        const attempt = await takeTextedCodeTry(
          this.db,
          guess.textedId,
          now,
          this.sms.maxCodeAttempts,
        );
        if (!attempt) return null;
        const right = sameHex(codeHash(attempt.codeSalt, guess.code), attempt.codeHash);
        return right ? { kind: 'texted', textedId: guess.textedId } : null;
      }
      case 'recovery': {
        const unused = await this.db
          .selectFrom('recovery_codes')
          .select('code_hash')
          .where('code_hash', '=', guess.codeHash)
          .where('subscriber_id', '=', subscriberId)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        return unused ? { kind: 'recovery', codeHash: guess.codeHash } : null;
      }
    }
  }

  /**
   * Spends a matched code inside the transaction that opens the session: each is conditional, so
   * of several requests with one code (a recovery code, a TOTP time step, a texted code) only the
   * first to commit signs in. False when another request spent it first.
   */
  async spendCode(
    db: Kysely<Database>,
    subscriberId: string,
    match: MatchedCode,
  ): Promise<boolean> {
    const now = this.clock.now();
    switch (match.kind) {
      case 'totp':
        return this.claimTimeStep(db, subscriberId, match.secret, match.timeStep);
      case 'texted':
        return spendTextedCode(db, match.textedId, now);
      case 'recovery': {
        const result = await db
          .updateTable('recovery_codes')
          .set({ used_at: now })
          .where('code_hash', '=', match.codeHash)
          .where('subscriber_id', '=', subscriberId)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }
    }
  }

  /**
   * "Remember this computer": a device token that skips the second step for 30 days. Only its
   * hash is stored; the token is returned once, in the sign-in answer.
   */
  async rememberDevice(subscriberId: string, device: DeviceInfo | undefined): Promise<string> {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('trusted_devices')
      .values({
        token_hash: sha256(token),
        subscriber_id: subscriberId,
        device_id: device?.id ?? null,
        device_name: device?.name ?? null,
        created_at: now,
        expires_at: now + TRUSTED_DEVICE_TTL_MS,
        last_used_at: now,
        revoked_at: null,
      })
      .execute();
    return token;
  }

  /**
   * True when the token is a live remembered computer of this account (and notes its use). A
   * token of another account, expired or revoked is simply not one: the caller asks for the
   * second step as usual and the answer says nothing about the token.
   */
  async useTrustedDevice(subscriberId: string, token: string): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.db
      .updateTable('trusted_devices')
      .set({ last_used_at: now })
      .where('token_hash', '=', sha256(token))
      .where('subscriber_id', '=', subscriberId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Encrypts TOTP secrets still stored as plain text (written before secrets were encrypted).
   * Safe to run on every start and from several instances: each row is rewritten only if it is
   * still the plain value that was read.
   */
  async sealStoredSecrets(): Promise<number> {
    if (!this.secretKey) return 0;
    const rows = await this.db
      .selectFrom('two_factor')
      .select(['subscriber_id', 'secret'])
      .where('method', '=', 'totp')
      .where('secret', 'not like', 'v1.%')
      .where('secret', '!=', '')
      .execute();
    let sealed = 0;
    for (const row of rows) {
      if (isSealed(row.secret)) continue;
      const result = await this.db
        .updateTable('two_factor')
        .set({ secret: this.sealSecret(row.subscriber_id, row.secret) })
        .where('subscriber_id', '=', row.subscriber_id)
        .where('secret', '=', row.secret)
        .executeTakeFirst();
      sealed += Number(result.numUpdatedRows);
    }
    return sealed;
  }

  private sealSecret(subscriberId: string, secret: string): string {
    return this.secretKey ? seal(this.secretKey, secret, subscriberId) : secret;
  }

  /** Checks a TOTP code against the injected clock and accepts its time step, once. */
  private async acceptTotp(
    subscriberId: string,
    row: { secret: string; last_time_step: number | null },
    code: string,
  ): Promise<boolean> {
    const step = await this.totpStep(subscriberId, row, code);
    return step !== null && (await this.claimTimeStep(this.db, subscriberId, row.secret, step));
  }

  /**
   * The time step of a right TOTP code (checked against the injected clock), or null for a wrong
   * one or one whose step is not newer than the last accepted.
   */
  private async totpStep(
    subscriberId: string,
    row: { secret: string; last_time_step: number | null },
    code: string,
  ): Promise<number | null> {
    const secret = this.secretKey ? open(this.secretKey, row.secret, subscriberId) : row.secret;
    if (secret === null || (!this.secretKey && isSealed(row.secret))) {
      // The key changed or the row was tampered with: no code can match, so the subscriber
      // falls back to a recovery code; the operator needs to know.
      this.log.error({ subscriberId }, 'a stored TOTP secret cannot be decrypted');
      return null;
    }
    const epoch = Math.floor(this.clock.now() / 1000);
    const result = await verifyTotp({
      secret,
      token: code,
      epoch,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
    });
    if (!result.valid) return null;
    const step = 'timeStep' in result ? result.timeStep : Math.floor(epoch / 30) + result.delta;
    if (row.last_time_step !== null && step <= Number(row.last_time_step)) return null;
    return step;
  }

  /**
   * Records `step` as the last accepted time step. Conditional, so the same code sent twice at
   * once is accepted once: false when this or a later step was accepted meanwhile, or the
   * secret the code was checked against (`secret`, as stored) is no longer the account's.
   */
  private async claimTimeStep(
    db: Kysely<Database>,
    subscriberId: string,
    secret: string,
    step: number,
  ): Promise<boolean> {
    const claimed = await db
      .updateTable('two_factor')
      .set({ last_time_step: step })
      .where('subscriber_id', '=', subscriberId)
      .where('secret', '=', secret)
      .where((eb) => eb.or([eb('last_time_step', 'is', null), eb('last_time_step', '<', step)]))
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }
}

/** The sign-in text; it also warns a subscriber whose password someone else is using. */
function signInText(code: string): string {
  return `Airtime sign-in code: ${code}. Never share it. If you are not signing in, change your password.`;
}
