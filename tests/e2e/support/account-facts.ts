/**
 * What the account API's database says about a subscriber, read straight from the tables (not
 * through the API), so end-to-end tests can compare the screen with the data it came from.
 */
import type { Kysely } from 'kysely';
import { LineItem } from '../../../contract/line-items';
import type { Database } from '../../../server/src/db/schema';
import {
  addDays,
  cycleContaining,
  daysLeftInCycle,
  isoDay,
} from '../../../server/src/billing/billing-cycle';
import { renewalTotal } from '../../../server/src/billing/charges';
import {
  advisePlan,
  completedCycles,
  forecastData,
  totalsByCycle,
} from '../../../server/src/account/insights';
import type { DataForecast } from '../../../contract/http/insights';

/** The subscriber's id, from their phone number. */
export async function subscriberIdOf(db: Kysely<Database>, phone: string): Promise<string> {
  const row = await db
    .selectFrom('subscribers')
    .select('id')
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Credit on the account, as a top-up would leave it, so a change or a pass can be paid for. */
export async function addCredit(db: Kysely<Database>, phone: string, cents: number): Promise<void> {
  await db
    .insertInto('ledger_entries')
    .values({
      id: `e2e-credit-${Date.now()}`,
      subscriber_id: await subscriberIdOf(db, phone),
      kind: 'credit',
      amount_cents: cents,
      currency: 'USD',
      item: JSON.stringify({ kind: 'other', text: 'Goodwill credit' }),
      created_at: Date.now(),
      statement_id: null,
      payment_id: null,
    })
    .execute();
}

export interface AccountFacts {
  subscriberId: string;
  name: string;
  currency: string;
  /** SUM(ledger_entries.amount_cents). */
  balanceCents: number;
  /** The plan's renewal total (taxes and fees included) minus the balance, never below 0. */
  amountDueCents: number;
  plan: { name: string; priceCents: number; dataMb: number | null };
  cycle: { start: string; end: string; renewsOn: string; daysLeft: number };
  /** Data used from the first day of the cycle to today. */
  dataUsedMb: number;
  /** One row per day of the cycle so far (missing days count as 0 MB), oldest first. */
  days: { date: string; dataMb: number }[];
}

export async function accountFacts(
  db: Kysely<Database>,
  phone: string,
  now: number = Date.now(),
): Promise<AccountFacts> {
  const today = isoDay(now);
  const row = await db
    .selectFrom('subscribers as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .select([
      's.id',
      's.name as subscriber_name',
      's.cycle_anchor_day',
      'p.name',
      'p.price_cents',
      'p.currency',
      'p.taxes_included',
      'p.data_mb',
    ])
    .where('s.phone', '=', phone)
    .executeTakeFirstOrThrow();
  const ledger = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.sum<number>('amount_cents').as('cents'))
    .where('subscriber_id', '=', row.id)
    .executeTakeFirstOrThrow();
  const balanceCents = Number(ledger.cents ?? 0);
  const renewal = renewalTotal({
    name: row.name,
    price_cents: row.price_cents,
    taxes_included: row.taxes_included,
  });
  const cycle = cycleContaining(row.cycle_anchor_day, today);
  const usage = await db
    .selectFrom('usage_daily')
    .select(['day', 'data_mb'])
    .where('subscriber_id', '=', row.id)
    .where('day', '>=', cycle.start)
    .where('day', '<=', today)
    .orderBy('day')
    .execute();
  const byDay = new Map(usage.map((u) => [u.day, u.data_mb]));
  const days: AccountFacts['days'] = [];
  for (let d = cycle.start; d <= today; d = addDays(d, 1)) {
    days.push({ date: d, dataMb: byDay.get(d) ?? 0 });
  }
  return {
    subscriberId: row.id,
    name: row.subscriber_name,
    currency: row.currency,
    balanceCents,
    amountDueCents: Math.max(0, renewal - balanceCents),
    plan: { name: row.name, priceCents: row.price_cents, dataMb: row.data_mb },
    cycle: { ...cycle, daysLeft: daysLeftInCycle(cycle, today) },
    dataUsedMb: days.reduce((total, d) => total + d.dataMb, 0),
    days,
  };
}

export interface StatementFacts {
  id: string;
  periodStart: string;
  planName: string;
  currency: string;
  totalCents: number;
  lines: { item: LineItem; amountCents: number }[];
}

/** The subscriber's newest statement (the first row of the dashboard's list), with its lines. */
export async function newestStatement(
  db: Kysely<Database>,
  subscriberId: string,
): Promise<StatementFacts> {
  const st = await db
    .selectFrom('statements')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('period_start', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  const lines = await db
    .selectFrom('statement_lines')
    .select(['item', 'amount_cents'])
    .where('statement_id', '=', st.id)
    .orderBy('position')
    .execute();
  return {
    id: st.id,
    periodStart: st.period_start,
    planName: st.plan_name,
    currency: st.currency,
    totalCents: st.total_cents,
    lines: lines.map((l) => ({
      item: LineItem.parse(JSON.parse(l.item)),
      amountCents: l.amount_cents,
    })),
  };
}

/** Sessions (refresh-token families) the server holds for a subscriber, oldest first. */
export async function sessionsOf(
  db: Kysely<Database>,
  subscriberId: string,
): Promise<{ id: string; revokedAt: number | null }[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'revoked_at'])
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, revokedAt: r.revoked_at }));
}

/** Ends every live session of a subscriber on the server, as an administrator would. */
export async function revokeAllSessions(
  db: Kysely<Database>,
  subscriberId: string,
): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: Date.now() })
    .where('subscriber_id', '=', subscriberId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface InsightFacts {
  forecast: DataForecast;
  /** The cheaper plan the advisor should name, with its savings over `cycles`; null to stay. */
  recommendation: {
    name: string;
    priceCents: number;
    cycleCostCents: number;
    savingsCents: number;
  } | null;
  reason: string;
  cycles: number;
  currency: string;
}

/**
 * The forecast and plan advice for a subscriber, from the usage and plan rows in the database,
 * through the server's pure insight functions (unit-tested on their own).
 */
export async function insightFacts(
  db: Kysely<Database>,
  phone: string,
  now: number = Date.now(),
): Promise<InsightFacts> {
  const today = isoDay(now);
  const sub = await db
    .selectFrom('subscribers')
    .select(['id', 'plan_id', 'cycle_anchor_day', 'created_at'])
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  const plans = await db.selectFrom('plans').selectAll().execute();
  const current = plans.find((p) => p.id === sub.plan_id)!;
  const firstDay = isoDay(Number(sub.created_at));
  const cycle = cycleContaining(sub.cycle_anchor_day, today);
  const past = completedCycles(sub.cycle_anchor_day, cycle.start, firstDay);
  const rows = await db
    .selectFrom('usage_daily')
    .select(['day', 'data_mb', 'minutes', 'texts'])
    .where('subscriber_id', '=', sub.id)
    .where('day', '<=', today)
    .execute();
  const forecast = forecastData({
    cycle,
    today,
    firstDay,
    allowanceMb: current.data_mb,
    days: rows.map((r) => ({ date: r.day, dataMb: r.data_mb })),
  });
  const cycles = totalsByCycle(past, rows);
  const advice = advisePlan({ current, catalogue: plans, cycles });
  const r = advice.recommendation;
  return {
    forecast,
    reason: advice.reason,
    cycles: cycles.length,
    currency: current.currency,
    recommendation: r && {
      name: r.plan.name,
      priceCents: r.plan.price_cents,
      cycleCostCents: r.cycleCostCents,
      savingsCents: r.savingsCents,
    },
  };
}
