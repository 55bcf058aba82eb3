import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
export { ledgerBalance } from './ledger';

type Db = Kysely<Database> | Transaction<Database>;

/** The change waiting for this subscriber's renewal, with its plan row, if any. */
export async function pendingPlanChangeRow(db: Db, subscriberId: string) {
  return db
    .selectFrom('plan_changes as c')
    .innerJoin('plans as p', 'p.id', 'c.to_plan_id')
    .selectAll('p')
    .select(['c.id as change_id', 'c.effective_on', 'c.created_at as requested_at'])
    .where('c.subscriber_id', '=', subscriberId)
    .where('c.status', '=', 'pending')
    .executeTakeFirst();
}

/** Data passes still usable on `today`, oldest purchase first (the order they are used up in). */
export async function activeAddOnRows(db: Db, subscriberId: string, today: string) {
  return db
    .selectFrom('subscriber_add_ons')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .where('cycle_start', '<=', today)
    .where('expires_on', '>=', today)
    .orderBy('purchased_at')
    .orderBy('id')
    .execute();
}

/** High-speed data that passes add to the plan's allowance on `today`. */
export async function addOnDataMb(db: Db, subscriberId: string, today: string): Promise<number> {
  const rows = await activeAddOnRows(db, subscriberId, today);
  return rows.reduce((total, r) => total + r.data_mb, 0);
}

/**
 * Takes the subscriber's row lock for the rest of the transaction (a no-op write), so two
 * requests that spend the balance run one after the other and cannot both pass the balance check.
 * SQLite already runs one write transaction at a time; on PostgreSQL this is what serialises them.
 */
export async function lockSubscriber(trx: Transaction<Database>, subscriberId: string) {
  await trx
    .updateTable('subscribers')
    .set((eb) => ({ plan_id: eb.ref('plan_id') }))
    .where('id', '=', subscriberId)
    .execute();
}
