import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { ApiHttpError } from '../errors';
import { spendTextedCode, takeTextedCodeTry } from './code-tries';
import { normaliseRecoveryCode } from './recovery-codes';
import type { SmsCodePolicy } from './texted-codes';
import type { TotpSecrets } from './totp-secrets';
import { codeHash, sameHex, sha256 } from './two-factor-common';

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

/** The code typed for a sign-in's second step: sorted, compared, and spent with the session. */
export class SignInCodes {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly sms: SmsCodePolicy,
    private readonly totp: TotpSecrets,
  ) {}

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
        const timeStep = await this.totp.totpStep(
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
        return this.totp.claimTimeStep(db, subscriberId, match.secret, match.timeStep);
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
}
