import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
export { ledgerBalance } from '../billing/ledger';

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

/** Plan changes waiting for a renewal whose day (`today`) has come, oldest first. */
export function duePlanChanges(db: Db, today: string, subscriberId?: string) {
  return db
    .selectFrom('plan_changes as c')
    .innerJoin('plans as p', 'p.id', 'c.to_plan_id')
    .select(['c.id', 'c.subscriber_id', 'c.to_plan_id', 'p.active'])
    .where('c.status', '=', 'pending')
    .where('c.effective_on', '<=', today)
    .$if(subscriberId !== undefined, (q) => q.where('c.subscriber_id', '=', subscriberId!))
    .orderBy('c.effective_on')
    .execute();
}

/**
 * Applies one due change inside `trx`: the subscriber moves to its plan, or, when that plan has
 * been taken off sale since, the change is cancelled and the current plan kept. Conditional on
 * the change still being pending, so of two instances (or a request and the timer) only one acts;
 * the other gets `null`.
 */
export async function applyDuePlanChange(
  trx: Transaction<Database>,
  change: Awaited<ReturnType<typeof duePlanChanges>>[number],
  now: number,
): Promise<'applied' | 'cancelled' | null> {
  const onSale = change.active === 1;
  const updated = await trx
    .updateTable('plan_changes')
    .set({ status: onSale ? 'applied' : 'cancelled', applied_at: onSale ? now : null })
    .where('id', '=', change.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return null;
  if (!onSale) return 'cancelled';
  await trx
    .updateTable('subscribers')
    .set({ plan_id: change.to_plan_id })
    .where('id', '=', change.subscriber_id)
    .execute();
  return 'applied';
}
