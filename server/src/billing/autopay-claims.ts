import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { DatabaseKind } from '../db/database';

type Db = Kysely<Database> | Transaction<Database>;

/** A claim lost to another instance (its lease ran out and it was taken over): nothing to write. */
export class ClaimLost extends Error {}

export async function claim(
  db: Kysely<Database>,
  dialect: DatabaseKind,
  id: string,
  now: number,
  leaseMs: number,
): Promise<string | null> {
  const token = randomBytes(12).toString('hex');
  const take = (trx: Db) =>
    trx
      .updateTable('autopay_runs')
      .set({ claim_token: token, lease_until: now + leaseMs })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
  if (dialect === 'postgres') {
    return db.transaction().execute(async (trx) => {
      // A row another instance is claiming right now is passed over, not waited for.
      const row = await trx
        .selectFrom('autopay_runs')
        .select('id')
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return null;
      return Number((await take(trx)).numUpdatedRows) === 1 ? token : null;
    });
  }
  // SQLite has one writer at a time: the conditional update alone decides who holds the run.
  return Number((await take(db)).numUpdatedRows) === 1 ? token : null;
}
