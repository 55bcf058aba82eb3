import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import type { RecoveryCodesResponse } from '../../../contract/http/two-factor';
import type { ClientInfo, SecurityLog } from '../security/security-log';
import { confirmPassword, type ConfirmationContext } from './password-confirmation';
import { notEnabled, sha256 } from './two-factor-common';

const RECOVERY_CODE_COUNT = 10;

/** Recovery codes are compared without case or the dash, as people type them. */
export const normaliseRecoveryCode = (code: string): string => code.toLowerCase().replace('-', '');

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const hex = randomBytes(5).toString('hex');
    return `${hex.slice(0, 5)}-${hex.slice(5)}`;
  });
}

/** The one-time recovery codes of an account with 2-step on: handed out, stored and replaced. */
export class RecoveryCodes {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly passwords: ConfirmationContext,
    private readonly events: SecurityLog,
  ) {}

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

  async storeRecoveryCodes(
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
}
