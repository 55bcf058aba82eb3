import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { MINUTE_MS } from '../clock';
import type {
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
} from '../../../contract/http/two-factor';
import { ApiHttpError } from '../errors';

export const SECOND_FACTOR_CHALLENGE_TTL_MS = 5 * MINUTE_MS;
export const SECOND_FACTOR_MAX_ATTEMPTS = 5;
const RECOVERY_CODE_COUNT = 10;
/** One 30-second step either side, for phone clocks that drift. */
const TOTP_TOLERANCE_SECONDS = 30;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Recovery codes are compared without case or the dash, as people type them. */
const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace('-', '');

/**
 * TOTP (RFC 6238, 6 digits, 30 s) 2-step verification: enrolment, confirmation with a first
 * code (which also hands out ten one-time recovery codes), and the checks sign-in needs.
 */
export class TwoFactorService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Starts (or restarts) enrolment with a new secret. Refused once 2-step is on. */
  async enrol(subscriberId: string): Promise<TwoFactorEnrolResponse> {
    const current = await this.db
      .selectFrom('two_factor')
      .select('enabled_at')
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    if (current?.enabled_at != null) {
      throw new ApiHttpError(409, 'invalid_request', '2-step verification is already on.');
    }
    const subscriber = await this.db
      .selectFrom('subscribers')
      .select('phone')
      .where('id', '=', subscriberId)
      .executeTakeFirstOrThrow();
    const secret = generateSecret();
    const now = this.clock.now();
    await this.db
      .insertInto('two_factor')
      .values({
        subscriber_id: subscriberId,
        secret,
        created_at: now,
        enabled_at: null,
        last_time_step: null,
      })
      .onConflict((oc) =>
        oc.column('subscriber_id').doUpdateSet({ secret, created_at: now, last_time_step: null }),
      )
      .execute();
    return {
      method: 'totp',
      secret,
      otpauthUri: generateURI({ issuer: 'Airtime', label: subscriber.phone, secret }),
    };
  }

  /** Turns 2-step on with a first good code; returns the recovery codes (shown once). */
  async confirm(subscriberId: string, code: string): Promise<TwoFactorConfirmResponse> {
    const row = await this.db
      .selectFrom('two_factor')
      .select(['secret', 'enabled_at', 'last_time_step'])
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    if (!row) {
      throw new ApiHttpError(400, 'invalid_request', 'Start setting up 2-step verification first.');
    }
    if (row.enabled_at !== null) {
      throw new ApiHttpError(409, 'invalid_request', '2-step verification is already on.');
    }
    if (!(await this.acceptTotp(subscriberId, row, code))) {
      throw new ApiHttpError(
        400,
        'invalid_code',
        'That code is not right. Check the time on your phone and try again.',
      );
    }
    const now = this.clock.now();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
      const hex = randomBytes(5).toString('hex');
      return `${hex.slice(0, 5)}-${hex.slice(5)}`;
    });
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('two_factor')
        .set({ enabled_at: now })
        .where('subscriber_id', '=', subscriberId)
        .execute();
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
    });
    return { enabled: true, recoveryCodes: codes };
  }

  async enabled(subscriberId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('two_factor')
      .select('enabled_at')
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    return row?.enabled_at != null;
  }

  /** A challenge for a proven password, answered at `/v1/auth/second-factor`. */
  async createChallenge(
    subscriberId: string,
  ): Promise<{ challenge: string; expiresIn: number; method: 'totp' }> {
    const now = this.clock.now();
    const challenge = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('second_factor_challenges')
      .values({
        token_hash: sha256(challenge),
        subscriber_id: subscriberId,
        created_at: now,
        expires_at: now + SECOND_FACTOR_CHALLENGE_TTL_MS,
        used_at: null,
      })
      .execute();
    return { challenge, expiresIn: SECOND_FACTOR_CHALLENGE_TTL_MS / 1000, method: 'totp' };
  }

  /** The live challenge for this token, or null. */
  async findChallenge(challenge: string) {
    const row = await this.db
      .selectFrom('second_factor_challenges')
      .select(['token_hash', 'subscriber_id', 'expires_at', 'attempts', 'used_at'])
      .where('token_hash', '=', sha256(challenge))
      .executeTakeFirst();
    if (!row || row.used_at !== null || row.expires_at <= this.clock.now()) return null;
    if (row.attempts >= SECOND_FACTOR_MAX_ATTEMPTS) return null;
    return row;
  }

  /** Counts a wrong code on the challenge; returns the attempts left (0 = burned). */
  async failChallenge(tokenHash: string): Promise<number> {
    const row = await this.db
      .updateTable('second_factor_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('token_hash', '=', tokenHash)
      .where('attempts', '<', SECOND_FACTOR_MAX_ATTEMPTS)
      .returning('attempts')
      .executeTakeFirst();
    return row ? SECOND_FACTOR_MAX_ATTEMPTS - row.attempts : 0;
  }

  /** Marks the challenge used; false when another request got there first. */
  async spendChallenge(tokenHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable('second_factor_challenges')
      .set({ used_at: this.clock.now() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** True for a fresh TOTP code or an unused recovery code (which is then spent). */
  async checkCode(subscriberId: string, code: string): Promise<boolean> {
    const trimmed = code.trim();
    if (/^\d{6}$/.test(trimmed)) {
      const row = await this.db
        .selectFrom('two_factor')
        .select(['secret', 'last_time_step'])
        .where('subscriber_id', '=', subscriberId)
        .where('enabled_at', 'is not', null)
        .executeTakeFirst();
      return row ? this.acceptTotp(subscriberId, row, trimmed) : false;
    }
    const result = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: this.clock.now() })
      .where('code_hash', '=', sha256(normaliseRecoveryCode(trimmed)))
      .where('subscriber_id', '=', subscriberId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Checks a TOTP code against the injected clock; each time step is accepted once. */
  private async acceptTotp(
    subscriberId: string,
    row: { secret: string; last_time_step: number | null },
    code: string,
  ): Promise<boolean> {
    const epoch = Math.floor(this.clock.now() / 1000);
    const result = await verifyTotp({
      secret: row.secret,
      token: code,
      epoch,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
    });
    if (!result.valid) return false;
    const step = 'timeStep' in result ? result.timeStep : Math.floor(epoch / 30) + result.delta;
    if (row.last_time_step !== null && step <= Number(row.last_time_step)) return false;
    // Conditional, so the same code sent twice at once is accepted once.
    const claimed = await this.db
      .updateTable('two_factor')
      .set({ last_time_step: step })
      .where('subscriber_id', '=', subscriberId)
      .where((eb) => eb.or([eb('last_time_step', 'is', null), eb('last_time_step', '<', step)]))
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }
}
