import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/schema';
import { withBudgetLocks } from '../db/budget-lock';
import type { Clock } from '../clock';
import { HOUR_MS, MINUTE_MS } from '../clock';
import type {
  ResetChannel,
  ResetStartResponse,
  ResetVerifyResponse,
} from '../../../contract/http/recovery';
import { ApiHttpError } from '../errors';
import type { Delivery } from '../delivery/types';
import type { BackgroundTasks } from '../background';
import { RiskCounters, type Captcha } from './captcha';
import { NO_SECURITY_LOG, type ClientInfo, type SecurityLog } from '../security/security-log';
import { hashNewPassword, storeNewPassword } from './password-change';

export interface RecoveryPolicy {
  /** A code works for this long after it is sent. */
  codeTtlMs: number;
  /** A ticket (what a proven code buys) works for this long. */
  ticketTtlMs: number;
  /** Wrong codes that burn a request. */
  maxCodeAttempts: number;
  /** Least time between two codes for one number. */
  resendCooldownMs: number;
  /** Codes per number per hour. */
  perPhonePerHour: number;
  /** Codes asked for by one client address per hour (across numbers). */
  perClientPerHour: number;
}

export const DEFAULT_RECOVERY_POLICY: RecoveryPolicy = {
  codeTtlMs: 10 * MINUTE_MS,
  ticketTtlMs: 10 * MINUTE_MS,
  maxCodeAttempts: 5,
  resendCooldownMs: MINUTE_MS,
  perPhonePerHour: 5,
  perClientPerHour: 20,
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const codeHash = (salt: string, code: string): string => sha256(`${salt}:${code}`);

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `m•••@example.com`: enough to recognise, not enough to learn an address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

/** `•••-0100`: the last four digits. */
export function maskPhone(phone: string): string {
  return `•••-${phone.slice(-4)}`;
}

/**
 * The budget locks a reset send decides under: the number's (one a minute, five an hour) and,
 * when known, the client's (twenty an hour).
 */
export function resetSendLockKeys(phone: string, clientKey: string | undefined): string[] {
  const keys = [`reset-send:phone:${phone}`];
  if (clientKey) keys.push(`reset-send:client:${clientKey}`);
  return keys;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

const rateLimited = (retryAfterMs: number, message: string): ApiHttpError =>
  new ApiHttpError(429, 'rate_limited', message, { retryAfterSeconds: seconds(retryAfterMs) });

const codeExpired = (): ApiHttpError =>
  new ApiHttpError(
    410,
    'code_expired',
    'This code has expired or was already used. Ask for a new one.',
  );

const tooManyAttempts = (): ApiHttpError =>
  new ApiHttpError(
    429,
    'too_many_attempts',
    'Too many wrong codes, so this one no longer works. Ask for a new code.',
  );

const ticketInvalid = (): ApiHttpError =>
  new ApiHttpError(
    400,
    'reset_ticket_invalid',
    'This password reset has expired or was already used. Please start again.',
  );

/**
 * Forgotten passwords: a 6-digit code to the phone or the e-mail on file, a short-lived ticket
 * for the proven code, and the new password (which ends every session of the account).
 *
 * No enumeration: `start` does the same work and gives the same answer for a number without an
 * account (a request row is stored with a code nobody receives, so rate limits and `verify`
 * behave identically). Delivery runs in the background after the answer, so its time cannot tell
 * the two apart either. The trade-off is that a delivery failure cannot be reported by `start`:
 * it is recorded on the request and reported by `verify` (`502 delivery_failed`), which the app
 * calls when the subscriber types a code or says none arrived. That answer exists only for real
 * accounts, but only reveals one when the provider fails, which a prober cannot cause.
 */
export class RecoveryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly delivery: Delivery,
    private readonly background: BackgroundTasks,
    private readonly log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
    private readonly policy: RecoveryPolicy = DEFAULT_RECOVERY_POLICY,
    /** When given, every `start` needs a solved captcha. */
    private readonly captcha?: Captcha,
    /** The account's security history: a completed reset is recorded and e-mailed about. */
    private readonly events: SecurityLog = NO_SECURITY_LOG,
  ) {}

  /** Which channels this server can send codes by. */
  channels(): ResetChannel[] {
    return (['sms', 'email'] as const).filter((c) => this.delivery[c] !== null);
  }

  async start(
    phone: string,
    channel: ResetChannel,
    /** The address (kept for the record) and who the per-client limit counts (see `clientKey`). */
    client: { ip?: string | undefined; key?: string | undefined },
    captchaSolution?: string,
  ): Promise<ResetStartResponse> {
    const sender = this.delivery[channel];
    if (!sender) {
      throw new ApiHttpError(
        503,
        'service_unavailable',
        channel === 'sms'
          ? 'This service cannot send text messages. Choose e-mail instead.'
          : 'This service cannot send e-mail. Choose a text message instead.',
      );
    }
    const now = this.clock.now();
    const subscriber = await this.db
      .selectFrom('subscribers')
      .select(['id', 'email'])
      .where('phone', '=', phone)
      .executeTakeFirst();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(16).toString('hex');
    const id = randomUUID();
    // The captcha is as hard as the number's or the client's failed sign-ins call for. Read
    // before the transaction, whose connection may be the only one (SQLite).
    const failures = this.captcha
      ? await this.captcha.failures(RiskCounters.keys(phone, client.key))
      : 0;
    // The number's and the client's budgets are read and spent in one transaction that holds
    // both budget locks, so of requests sent at once only those that fit are stored, and only a
    // stored request is delivered. Anything thrown inside rolls the whole step back.
    await withBudgetLocks(this.db, resetSendLockKeys(phone, client.key), now, async (trx) => {
      // Limits first, so a client that is turned away anyway does not spend a solved captcha.
      await this.checkLimits(trx, phone, client.key, now);
      // Spent in the same transaction: a request refused after this point gives it back.
      if (this.captcha) await this.captcha.require(captchaSolution, trx, failures);
      await trx
        .insertInto('reset_requests')
        .values({
          id,
          phone,
          subscriber_id: subscriber?.id ?? null,
          channel,
          code_salt: salt,
          code_hash: codeHash(salt, code),
          created_at: now,
          expires_at: now + this.policy.codeTtlMs,
          consumed_at: null,
          delivery: subscriber ? 'pending' : 'none',
          client_ip: client.ip ?? null,
          client_key: client.key ?? null,
        })
        .execute();
    });

    if (subscriber) {
      const minutes = Math.round(this.policy.codeTtlMs / MINUTE_MS);
      const to = channel === 'sms' ? phone : subscriber.email;
      const text =
        channel === 'sms'
          ? `Airtime code: ${code}. It expires in ${minutes} minutes. Never share it; Airtime will not ask for it.`
          : `Your Airtime password reset code is ${code}.\n\nIt expires in ${minutes} minutes. ` +
            'If you did not ask to reset your password, ignore this message: your password has not changed.';
      this.background.run(
        async () => {
          await sender.send({ to, subject: 'Your Airtime password reset code', text });
          await this.setDelivery(id, 'sent');
        },
        async (error) => {
          this.log.warn({ err: error, channel, requestId: id }, 'reset code delivery failed');
          await this.setDelivery(id, 'failed').catch((e: unknown) =>
            this.log.warn({ err: e }, 'could not record a failed delivery'),
          );
        },
      );
    }
    return {
      sent: true,
      channel,
      resendAfterSeconds: seconds(this.policy.resendCooldownMs),
      codeExpiresIn: seconds(this.policy.codeTtlMs),
    };
  }

  private async setDelivery(id: string, delivery: 'sent' | 'failed'): Promise<void> {
    await this.db.updateTable('reset_requests').set({ delivery }).where('id', '=', id).execute();
  }

  /**
   * Per number: one code a minute and five an hour; per client (address, or kiosk visit, so one
   * customer's resets never hold up the next): twenty an hour. Only meaningful inside
   * `withBudgetLocks` on both keys of `resetSendLockKeys`, which keeps the counts still until the
   * new request is stored.
   */
  private async checkLimits(
    trx: Transaction<Database>,
    phone: string,
    clientKey: string | undefined,
    now: number,
  ) {
    const since = now - HOUR_MS;
    const recent = await trx
      .selectFrom('reset_requests')
      .select('created_at')
      .where('phone', '=', phone)
      .where('created_at', '>', since)
      .orderBy('created_at', 'desc')
      .execute();
    const latest = recent[0]?.created_at;
    if (latest !== undefined && now - latest < this.policy.resendCooldownMs) {
      throw rateLimited(
        latest + this.policy.resendCooldownMs - now,
        'A code was just sent. Wait a minute before asking for another.',
      );
    }
    if (recent.length >= this.policy.perPhonePerHour) {
      const oldest = recent[this.policy.perPhonePerHour - 1]!.created_at;
      throw rateLimited(
        oldest + HOUR_MS - now,
        'Too many codes were asked for this number. Try again later.',
      );
    }
    if (clientKey) {
      const fromClient = await trx
        .selectFrom('reset_requests')
        .select('created_at')
        .where('client_key', '=', clientKey)
        .where('created_at', '>', since)
        .orderBy('created_at', 'desc')
        .limit(this.policy.perClientPerHour)
        .execute();
      if (fromClient.length >= this.policy.perClientPerHour) {
        throw rateLimited(
          fromClient[fromClient.length - 1]!.created_at + HOUR_MS - now,
          'Too many password resets from this device. Try again later.',
        );
      }
    }
  }

  async verify(phone: string, code: string): Promise<ResetVerifyResponse> {
    const now = this.clock.now();
    // Every attempt, right or wrong, first takes one of the newest request's tries in one
    // conditional update, and only then is the code compared. Guesses sent at once therefore get
    // at most `maxCodeAttempts` comparisons between them, and a right code that finds no try
    // left is refused like a wrong one, whatever order the requests finish in. It is the first
    // statement, so the tries go to the requests in the order they came in.
    const request = await this.db
      .updateTable('reset_requests')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      // Only the newest code for a number counts: asking for a new one retires the old.
      .where('id', '=', (eb) =>
        eb
          .selectFrom('reset_requests')
          .select('id')
          .where('phone', '=', phone)
          .orderBy('created_at', 'desc')
          .limit(1),
      )
      .where('attempts', '<', this.policy.maxCodeAttempts)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .where('delivery', '!=', 'failed')
      .returning(['id', 'subscriber_id', 'channel', 'code_salt', 'code_hash', 'attempts'])
      .executeTakeFirst();
    if (!request) throw await this.noTryLeft(phone, now);

    const right = sameHex(codeHash(request.code_salt, code), request.code_hash);
    if (!right || request.subscriber_id === null) {
      const attemptsLeft = Math.max(0, this.policy.maxCodeAttempts - request.attempts);
      if (attemptsLeft === 0) throw tooManyAttempts();
      throw new ApiHttpError(
        400,
        'invalid_code',
        'That code is not right. Check it and try again.',
        {
          attemptsLeft,
        },
      );
    }

    const subscriberId = request.subscriber_id;
    const ticket = randomBytes(32).toString('base64url');
    // The right code claims the request; of two right codes at once, one gets the ticket.
    const claimed = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('reset_requests')
        .set({ consumed_at: now })
        .where('id', '=', request.id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      await trx
        .insertInto('reset_tickets')
        .values({
          token_hash: sha256(ticket),
          subscriber_id: subscriberId,
          created_at: now,
          expires_at: now + this.policy.ticketTtlMs,
          used_at: null,
        })
        .execute();
      const subscriber = await trx
        .selectFrom('subscribers')
        .select('email')
        .where('id', '=', subscriberId)
        .executeTakeFirst();
      return { email: subscriber?.email ?? '' };
    });
    if (!claimed) throw codeExpired();
    return {
      ticket,
      expiresIn: seconds(this.policy.ticketTtlMs),
      channel: request.channel,
      destination: request.channel === 'email' ? maskEmail(claimed.email) : maskPhone(phone),
    };
  }

  /**
   * Why an attempt found no try to take, in this order: no live code (none asked for, used,
   * expired), a code that could not be delivered, or a code out of tries.
   */
  private async noTryLeft(phone: string, now: number): Promise<ApiHttpError> {
    const request = await this.db
      .selectFrom('reset_requests')
      .select(['channel', 'expires_at', 'consumed_at', 'delivery'])
      .where('phone', '=', phone)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!request || request.consumed_at !== null || request.expires_at <= now) return codeExpired();
    if (request.delivery === 'failed') {
      return new ApiHttpError(
        502,
        'delivery_failed',
        request.channel === 'sms'
          ? 'We could not send the code by text message. Ask for a new code, or choose e-mail.'
          : 'We could not send the code by e-mail. Ask for a new code, or choose a text message.',
      );
    }
    return tooManyAttempts();
  }

  /**
   * Sets the new password, clears any sign-in lock, and ends every session of the account (its
   * refresh tokens stop working, and its access tokens with them, since each names its session).
   * Remembered computers are forgotten too: whoever reset the password decides who skips 2-step.
   */
  async complete(ticket: string, newPassword: string, client: ClientInfo = {}): Promise<void> {
    const now = this.clock.now();
    const hash = sha256(ticket);
    const found = await this.db
      .selectFrom('reset_tickets as t')
      .innerJoin('subscribers as s', 's.id', 't.subscriber_id')
      .select(['t.subscriber_id', 't.expires_at', 't.used_at', 's.phone', 's.name', 's.email'])
      .where('t.token_hash', '=', hash)
      .executeTakeFirst();
    if (!found || found.used_at !== null || found.expires_at <= now) throw ticketInvalid();

    // A weak password leaves the ticket good: the subscriber picks a stronger one and tries again.
    const passwordHash = await hashNewPassword(newPassword, found);
    // Checked again after the slow hash, in the claim itself: a ticket used or expired meanwhile
    // sets nothing.
    const claimedAt = this.clock.now();
    const done = await this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('reset_tickets')
        .set({ used_at: now })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', claimedAt)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      await storeNewPassword(trx, found.subscriber_id, passwordHash, now);
      // Any other code or ticket in flight for this account is spent too.
      await trx
        .updateTable('reset_tickets')
        .set({ used_at: now })
        .where('subscriber_id', '=', found.subscriber_id)
        .where('used_at', 'is', null)
        .execute();
      await trx
        .updateTable('reset_requests')
        .set({ consumed_at: now })
        .where('subscriber_id', '=', found.subscriber_id)
        .where('consumed_at', 'is', null)
        .execute();
      return true;
    });
    if (!done) throw ticketInvalid();
    this.log.info({ subscriberId: found.subscriber_id }, 'password reset completed');
    await this.events.record(found.subscriber_id, 'password_reset', client);
  }
}
