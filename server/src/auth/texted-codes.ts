import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { HOUR_MS, MINUTE_MS } from '../clock';
import { withBudgetLocks } from '../db/budget-lock';
import type { Sender } from '../delivery/types';
import { codeHash, rateLimited } from './two-factor-common';

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

/** The key under which every text for one account is decided (see budget-lock.ts). */
const textBudgetKey = (subscriberId: string): string =>
  `two-factor-text:subscriber:${subscriberId}`;

/**
 * Storing and texting 2-step codes, within the cooldown and the hourly limit of the policy.
 *
 * Texts are sent before answering, unlike password-reset codes (which recovery-service sends in
 * the background so that timing cannot tell whether a number has an account). Every text here
 * goes to an account whose owner has already proven who they are, by a session or by the right
 * password, so the answer's timing gives nothing away; sending first lets the answer itself
 * report a text that could not be sent (`502 delivery_failed`), instead of leaving the
 * subscriber waiting for a code that will never arrive.
 */
export class TextedCodes {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
    private readonly sms: SmsCodePolicy,
  ) {}

  /**
   * Stores a new code and texts it. Returns false when the provider failed: the code is then
   * deleted, so it neither holds back another try nor counts toward the limits.
   */
  async textCode(args: {
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
}
