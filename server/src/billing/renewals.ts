import type { Kysely, Transaction } from 'kysely';
import type { Database, LedgerEntriesTable } from '../db/schema';
import { cycleContaining, isoDay, type BillingCycle } from './billing-cycle';
import { renewalCharges } from './charges';
import { storedLineItem } from './line-items';
import { applyDuePlanChange, duePlanChanges, lockSubscriber } from '../account/plan-change-store';

type Db = Kysely<Database> | Transaction<Database>;
type LedgerKind = LedgerEntriesTable['kind'];

/*
 * Renewals: at the start of each cycle the renewal's charges (of the plan in effect for the new
 * cycle) are booked into the ledger once per (subscriber, cycle), guarded by the `renewals` row.
 * The statement job books them for everyone; anything that prices or spends against the cycle in
 * progress (a plan change, a data pass, the AutoPay estimate, the summary) books this
 * subscriber's first, so it never works from a balance the renewal has not yet been taken from.
 */

export interface BookRenewalInput {
  subscriberId: string;
  /** The cycle the renewal starts. */
  cycle: BillingCycle;
  /** When the charges are booked: on or after the cycle's first day. */
  at: number;
}

/**
 * Books a renewal's charges (`renewalCharges` of the subscriber's plan as `trx` sees it) as
 * ledger entries, once per (subscriber, cycle): the `renewals` row is written first and a
 * second attempt finds it and books nothing. When AutoPay paid this renewal with a discount,
 * the discount is booked as a credit beside the charges, as AutoPay charged that much less.
 */
export async function bookRenewal(
  trx: Transaction<Database>,
  input: BookRenewalInput,
): Promise<'booked' | 'exists'> {
  const { subscriberId, cycle, at } = input;
  const plan = await trx
    .selectFrom('subscribers as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .select(['p.id', 'p.name', 'p.price_cents', 'p.taxes_included', 'p.currency'])
    .where('s.id', '=', subscriberId)
    .executeTakeFirstOrThrow();
  const charges = renewalCharges(plan, { from: cycle.start, to: cycle.end });
  const totalCents = charges.reduce((sum, c) => sum + c.amountCents, 0);
  const booked = await trx
    .insertInto('renewals')
    .values({
      subscriber_id: subscriberId,
      cycle_start: cycle.start,
      plan_id: plan.id,
      total_cents: totalCents,
      currency: plan.currency,
      booked_at: at,
    })
    .onConflict((oc) => oc.columns(['subscriber_id', 'cycle_start']).doNothing())
    .returning('subscriber_id')
    .executeTakeFirst();
  if (!booked) return 'exists';

  const entries: {
    kind: LedgerKind;
    amount_cents: number;
    item: string;
  }[] = charges.map((c) => ({
    kind: c.kind === 'plan' ? 'plan_charge' : c.kind,
    amount_cents: 0 - c.amountCents,
    item: storedLineItem(c.item),
  }));
  const autopay = await trx
    .selectFrom('autopay_runs')
    .select('discount_cents')
    .where('subscriber_id', '=', subscriberId)
    .where('renews_on', '=', cycle.start)
    .where('state', '=', 'succeeded')
    .executeTakeFirst();
  const discount = Number(autopay?.discount_cents ?? 0);
  if (discount > 0) {
    entries.push({
      kind: 'credit',
      amount_cents: discount,
      item: storedLineItem({ kind: 'autopay_discount' }),
    });
  }
  await trx
    .insertInto('ledger_entries')
    .values(
      entries.map((e, position) => ({
        ...e,
        id: `renewal-${subscriberId}-${cycle.start}-${position}`,
        subscriber_id: subscriberId,
        currency: plan.currency,
        created_at: at,
        statement_id: null,
        payment_id: null,
      })),
    )
    .execute();
  return 'booked';
}

/**
 * The cycle in progress on `now` when its renewal is still to be booked, else null. Not due: an
 * account that is not active; the cycle the account was opened in (adding a subscriber charges
 * nothing); a renewal already booked; a cycle that already has a statement (billed when it was
 * issued, as the demo's history is). Only the cycle in progress is ever due: a cycle that passed
 * while nothing ran is not charged afterwards.
 */
export async function dueRenewalCycle(
  db: Db,
  subscriberId: string,
  now: number,
): Promise<BillingCycle | null> {
  const sub = await db
    .selectFrom('subscribers')
    .select(['status', 'cycle_anchor_day', 'created_at'])
    .where('id', '=', subscriberId)
    .executeTakeFirst();
  if (!sub || sub.status !== 'active') return null;
  const cycle = cycleContaining(sub.cycle_anchor_day, isoDay(now));
  if (cycle.start <= isoDay(Number(sub.created_at))) return null;
  // One after the other: `db` may be a transaction, which has a single connection.
  const booked = await db
    .selectFrom('renewals')
    .select('cycle_start')
    .where('subscriber_id', '=', subscriberId)
    .where('cycle_start', '=', cycle.start)
    .executeTakeFirst();
  if (booked) return null;
  const billed = await db
    .selectFrom('statements')
    .select('id')
    .where('subscriber_id', '=', subscriberId)
    .where('period_start', '>=', cycle.start)
    .executeTakeFirst();
  return billed ? null : cycle;
}

export type DueRenewalOutcome = 'booked' | 'not_due';

/**
 * Books the renewal of the cycle in progress for one subscriber if it is due (`dueRenewalCycle`),
 * inside `trx`, which must hold the subscriber's lock (`lockSubscriber`). A plan change chosen for
 * this renewal is applied first, in the same transaction, so the renewal is of the new plan.
 * Exactly once however many callers race: the `renewals` row decides.
 */
export async function bookDueRenewal(
  trx: Transaction<Database>,
  subscriberId: string,
  now: number,
): Promise<DueRenewalOutcome> {
  const cycle = await dueRenewalCycle(trx, subscriberId, now);
  if (!cycle) return 'not_due';
  for (const change of await duePlanChanges(trx, isoDay(now), subscriberId)) {
    await applyDuePlanChange(trx, change, now);
  }
  return (await bookRenewal(trx, { subscriberId, cycle, at: now })) === 'booked'
    ? 'booked'
    : 'not_due';
}

/**
 * `bookDueRenewal` in a transaction of its own, for a caller that only reads afterwards. Checked
 * without a lock first: on every day but the renewal day (and on it, once booked) nothing is
 * written.
 */
export async function bookDueRenewalNow(
  db: Kysely<Database>,
  subscriberId: string,
  now: number,
): Promise<DueRenewalOutcome> {
  if (!(await dueRenewalCycle(db, subscriberId, now))) return 'not_due';
  return db.transaction().execute(async (trx) => {
    await lockSubscriber(trx, subscriberId);
    return bookDueRenewal(trx, subscriberId, now);
  });
}
