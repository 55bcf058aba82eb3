import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { DAY_MS } from '../clock';
import type { DeviceInfo } from '../../../contract/http/auth';
import type {
  RecoveryCodesResponse,
  SecondFactorResendResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
  TwoFactorMethod,
} from '../../../contract/http/two-factor';
import { DEFAULT_LOCKOUT_POLICY, DEFAULT_SIGN_IN_BUDGETS } from './lockout-policy';
import { SignInBudgets } from './sign-in-budgets';
import type { SealingKeys } from './secret-box';
import type { Delivery } from '../delivery/types';
import { NO_SECURITY_LOG, type ClientInfo, type SecurityLog } from '../security/security-log';
import { RecoveryCodes } from './recovery-codes';
import { SignInChallenges, type SecondFactorChallenge } from './sign-in-challenges';
import { SignInCodes, type MatchedCode, type SecondFactorGuess } from './sign-in-codes';
import { DEFAULT_SMS_CODE_POLICY, TextedCodes, type SmsCodePolicy } from './texted-codes';
import { TotpSecrets } from './totp-secrets';
import { TwoFactorEnrolment } from './two-factor-enrolment';
import { sha256 } from './two-factor-common';

export { DEFAULT_SMS_CODE_POLICY, type SmsCodePolicy } from './texted-codes';
export {
  SECOND_FACTOR_CHALLENGE_TTL_MS,
  SECOND_FACTOR_MAX_ATTEMPTS,
  type SecondFactorChallenge,
} from './sign-in-challenges';
export type { MatchedCode, SecondFactorGuess } from './sign-in-codes';
export { signInExpired } from './two-factor-common';

/** "Remember this computer": how long a device token skips the second step. */
export const TRUSTED_DEVICE_TTL_MS = 30 * DAY_MS;

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

/**
 * 2-step verification: enrolment by authenticator app (TOTP, RFC 6238, 6 digits, 30 s) or by text
 * message, confirmation with a first code (which also hands out ten one-time recovery codes), the
 * checks sign-in needs, remembered computers, and turning it off again.
 *
 * The work is done by its parts: two-factor-enrolment (on and off), recovery-codes,
 * sign-in-challenges and sign-in-codes (the second step of a sign-in), texted-codes and
 * totp-secrets. This class puts them together over one database, clock and set of options, and
 * is what the rest of the API calls.
 */
export class TwoFactorService {
  private readonly enrolment: TwoFactorEnrolment;
  private readonly recovery: RecoveryCodes;
  private readonly challenges: SignInChallenges;
  private readonly codes: SignInCodes;
  private readonly totp: TotpSecrets;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    options: TwoFactorOptions = {},
  ) {
    const delivery = options.delivery ?? { sms: null, email: null };
    const log = options.log ?? { warn: () => undefined, error: () => undefined };
    const events = options.events ?? NO_SECURITY_LOG;
    const sms = { ...DEFAULT_SMS_CODE_POLICY, ...options.sms };
    const passwords = {
      db,
      clock,
      budgets:
        options.budgets ?? new SignInBudgets(DEFAULT_LOCKOUT_POLICY, DEFAULT_SIGN_IN_BUDGETS),
      events,
    };
    const texts = new TextedCodes(db, log, sms);
    this.totp = new TotpSecrets(db, clock, log, options.secretKey);
    this.recovery = new RecoveryCodes(db, clock, passwords, events);
    this.enrolment = new TwoFactorEnrolment(db, clock, {
      delivery,
      events,
      passwords,
      sms,
      totp: this.totp,
      texts,
      recovery: this.recovery,
    });
    this.challenges = new SignInChallenges(db, clock, delivery, log, sms, texts);
    this.codes = new SignInCodes(db, clock, sms, this.totp);
  }

  /**
   * Starts (or restarts) enrolment. For `totp`, a new secret for the authenticator app; for
   * `sms`, a code texted to the account's line. Refused once 2-step is on.
   */
  enrol(subscriberId: string, method: TwoFactorMethod = 'totp'): Promise<TwoFactorEnrolResponse> {
    return this.enrolment.enrol(subscriberId, method);
  }

  /** Texts another enrolment code for a pending enrolment by text. */
  resendEnrolment(subscriberId: string): Promise<SecondFactorResendResponse> {
    return this.enrolment.resendEnrolment(subscriberId);
  }

  /** Turns 2-step on with a first good code; returns the recovery codes (shown once). */
  confirm(
    subscriberId: string,
    code: string,
    client: ClientInfo = {},
  ): Promise<TwoFactorConfirmResponse> {
    return this.enrolment.confirm(subscriberId, code, client);
  }

  /** Turns 2-step off after the password is entered again. */
  disable(subscriberId: string, password: string, client: ClientInfo = {}): Promise<void> {
    return this.enrolment.disable(subscriberId, password, client);
  }

  /** Ten new recovery codes after the password is entered again; every older one stops working. */
  replaceRecoveryCodes(
    subscriberId: string,
    password: string,
    client: ClientInfo = {},
  ): Promise<RecoveryCodesResponse> {
    return this.recovery.replaceRecoveryCodes(subscriberId, password, client);
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

  /** A challenge for a proven password, answered at `/v1/auth/second-factor`. */
  createChallenge(
    subscriberId: string,
    method: TwoFactorMethod,
    phone: string,
    /** The budget the password was decided on; the codes count on it too. */
    lane: string | null = null,
  ): Promise<{ secondFactor: SecondFactorChallenge; message: string }> {
    return this.challenges.createChallenge(subscriberId, method, phone, lane);
  }

  /** Another text for the challenge of an `sms` sign-in. */
  resendChallenge(challenge: string): Promise<SecondFactorResendResponse> {
    return this.challenges.resendChallenge(challenge);
  }

  /** The live challenge for this token, or null. */
  findChallenge(challenge: string) {
    return this.challenges.findChallenge(challenge);
  }

  /** Takes one of the challenge's tries; the tries left after it, or null when none is left. */
  takeTry(tokenHash: string): Promise<number | null> {
    return this.challenges.takeTry(tokenHash);
  }

  /** True while the challenge is stored and unused: no other request has finished this sign-in. */
  challengeOpen(tokenHash: string): Promise<boolean> {
    return this.challenges.challengeOpen(tokenHash);
  }

  /** Marks the challenge used, inside the transaction that opens the session. */
  spendChallenge(db: Kysely<Database>, tokenHash: string): Promise<boolean> {
    return this.challenges.spendChallenge(db, tokenHash);
  }

  /** Sorts a code typed for a sign-in before any try is spent on it. */
  readCode(subscriberId: string, code: string, challengeHash: string): Promise<SecondFactorGuess> {
    return this.codes.readCode(subscriberId, code, challengeHash);
  }

  /** Compares a code whose challenge try is taken; the match, or null for a wrong code. */
  matchCode(subscriberId: string, guess: SecondFactorGuess): Promise<MatchedCode | null> {
    return this.codes.matchCode(subscriberId, guess);
  }

  /** Spends a matched code inside the transaction that opens the session. */
  spendCode(db: Kysely<Database>, subscriberId: string, match: MatchedCode): Promise<boolean> {
    return this.codes.spendCode(db, subscriberId, match);
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

  /** Encrypts TOTP secrets still stored as plain text; how many were. */
  sealStoredSecrets(): Promise<number> {
    return this.totp.sealStoredSecrets();
  }
}
