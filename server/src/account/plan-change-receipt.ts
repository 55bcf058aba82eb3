import type { Kysely } from 'kysely';
import type { PlanChangeReceipt } from '../../../contract/http/plans';
import type { Database } from '../db/schema';
import { ApiHttpError } from '../errors';
import { readLineItem } from '../billing/line-items';

export const planChangeNotFound = (): ApiHttpError =>
  new ApiHttpError(404, 'not_found', 'There is no such plan change on this account.');

/**
 * The receipt of one of the subscriber's plan changes, from what `PlanService.change` recorded:
 * the change row (plans, timing, amounts, balance after) and its ledger lines, whose items (the
 * plans by their names then, and the days) were fixed when the change was made. Another
 * subscriber's change is not found, the same as one that does not exist.
 */
export async function planChangeReceipt(
  db: Kysely<Database>,
  subscriberId: string,
  changeId: string,
): Promise<PlanChangeReceipt> {
  const row = await db
    .selectFrom('plan_changes as c')
    .innerJoin('plans as f', 'f.id', 'c.from_plan_id')
    .innerJoin('plans as t', 't.id', 'c.to_plan_id')
    .select([
      'c.id',
      'c.timing',
      'c.effective_on',
      'c.status',
      'c.charge_cents',
      'c.credit_cents',
      'c.created_at',
      'c.balance_after_cents',
      'f.id as from_id',
      'f.name as from_name',
      't.id as to_id',
      't.name as to_name',
      't.currency',
    ])
    .where('c.id', '=', changeId)
    .where('c.subscriber_id', '=', subscriberId)
    .executeTakeFirst();
  if (!row) throw planChangeNotFound();
  const entries = await db
    .selectFrom('ledger_entries')
    .select(['id', 'item', 'amount_cents', 'currency'])
    .where('subscriber_id', '=', subscriberId)
    .where('id', 'in', [`${row.id}-charge`, `${row.id}-credit`])
    .execute();
  // The charge first, then the credit, as the preview lists them.
  entries.sort((a, b) => (a.id.endsWith('-charge') ? -1 : 0) - (b.id.endsWith('-charge') ? -1 : 0));
  const currency = entries[0]?.currency ?? row.currency;
  const money = (amountCents: number) => ({ amountCents, currency });
  const charge = Number(row.charge_cents);
  const credit = Number(row.credit_cents);
  return {
    changeId: row.id,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    fromPlan: { id: row.from_id, name: row.from_name },
    toPlan: { id: row.to_id, name: row.to_name },
    when: row.timing,
    effectiveOn: row.effective_on,
    status: row.status,
    lines: entries.map((e) => ({
      item: readLineItem(e.item),
      amount: { amountCents: Number(e.amount_cents), currency: e.currency },
    })),
    charged: money(charge),
    credited: money(credit),
    netCharge: money(charge - credit),
    balanceAfter: row.balance_after_cents === null ? null : money(Number(row.balance_after_cents)),
  };
}
