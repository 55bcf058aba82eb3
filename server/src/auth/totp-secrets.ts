import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { verify as verifyTotp } from 'otplib';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { isSealed, open, seal, type SealingKeys } from './secret-box';

/** One 30-second step either side, for phone clocks that drift. */
const TOTP_TOLERANCE_SECONDS = 30;

/**
 * Authenticator-app secrets: sealed at rest under the account's keys (when there are any),
 * checked against the injected clock, and each time step accepted once.
 */
export class TotpSecrets {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
    /** AES-256 keys (by key id); without them secrets are stored as they are. */
    private readonly secretKey: Buffer | SealingKeys | undefined,
  ) {}

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

  sealSecret(subscriberId: string, secret: string): string {
    return this.secretKey ? seal(this.secretKey, secret, subscriberId) : secret;
  }

  /** Checks a TOTP code against the injected clock and accepts its time step, once. */
  async acceptTotp(
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
  async totpStep(
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
  async claimTimeStep(
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
