import { createHash } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Database, LedgerEntriesTable, PaymentsTable, UsageDailyTable } from '../db/schema';
import type { Clock } from '../clock';
import { hashPassword } from '../auth/passwords';
import {
  addDays,
  cycleContaining,
  dayToMs,
  isoDay,
  type BillingCycle,
} from '../billing/billing-cycle';
import { renewalTotal } from '../billing/charges';
import { storedLineItem } from '../billing/line-items';
import { bookRenewal, issueStatement, statementIdFor } from '../billing/statement-close';
import { PLAN_CATALOGUE } from '../db/migrations/002-plan-catalogue';

export interface DemoSubscriber {
  phone: string;
  display: string;
  password: string;
  name: string;
  email: string;
  planId: (typeof PLAN_CATALOGUE)[number]['id'];
  /** What makes this account worth looking at in a demo. */
  story: string;
  /** Renewal day relative to today: the plan renews this many days from now. */
  renewsInDays: number;
  /** Share of the data allowance used so far this cycle (for capped plans). */
  dataUsedShare: number;
  /** Credit left on the account after paying for this cycle, in cents. */
  creditCents: number;
  cardLast4: string;
}

/** Demo accounts, also listed in the README. Phone numbers are in the 555-01xx fictional range. */
export const DEMO_SUBSCRIBERS: readonly DemoSubscriber[] = [
  {
    phone: '+12065550100',
    display: '(206) 555-0100',
    password: 'Sunset-Harbor-42',
    name: 'Maria Garcia',
    email: 'maria.garcia@example.com',
    planId: 'value-15gb',
    story: 'typical month, some credit on the account',
    renewsInDays: 12,
    dataUsedShare: 0.45,
    creditCents: 10_00,
    cardLast4: '4242',
  },
  {
    phone: '+13125550142',
    display: '(312) 555-0142',
    password: 'Maple-Canyon-17',
    name: 'Dana Whitfield',
    email: 'dana.whitfield@example.com',
    planId: 'starter-5gb',
    story: 'close to the data cap',
    renewsInDays: 9,
    dataUsedShare: 0.93,
    creditCents: 0,
    cardLast4: '1881',
  },
  {
    phone: '+14155550175',
    display: '(415) 555-0175',
    password: 'Copper-Falcon-88',
    name: 'Luis Ortega',
    email: 'luis.ortega@example.com',
    planId: 'unlimited',
    story: 'payment due in 2 days',
    renewsInDays: 2,
    dataUsedShare: 0,
    creditCents: 0,
    cardLast4: '0005',
  },
  {
    phone: '+17865550123',
    display: '(786) 555-0123',
    password: 'Quiet-Lantern-63',
    name: 'Ana Silva',
    email: 'ana.silva@example.com',
    planId: 'talk-text-1gb',
    story: 'enough credit for the next renewal',
    renewsInDays: 20,
    dataUsedShare: 0.3,
    creditCents: 40_00,
    cardLast4: '3220',
  },
];

/** Small deterministic PRNG so the demo looks the same on every machine. */
function prng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function anchorFor(today: string, renewsInDays: number): number {
  const day = Number(addDays(today, renewsInDays).slice(8, 10));
  // Anchors are 1–28; a renewal that would land on the 29th–31st moves to the 28th.
  return Math.min(day, 28);
}

export interface SeedResult {
  created: DemoSubscriber[];
  skipped: DemoSubscriber[];
}

/**
 * Creates the demo subscribers with 12 months of ledger entries, statements generated from them,
 * payments and daily usage, relative to the clock's today. Accounts that already exist are left
 * as they are.
 */
export async function seedDemo(
  db: Kysely<Database>,
  clock: Clock,
  months = 12,
): Promise<SeedResult> {
  const result: SeedResult = { created: [], skipped: [] };
  const now = clock.now();
  const today = isoDay(now);
  for (const demo of DEMO_SUBSCRIBERS) {
    const exists = await db
      .selectFrom('subscribers')
      .select('id')
      .where('phone', '=', demo.phone)
      .executeTakeFirst();
    if (exists) {
      result.skipped.push(demo);
      continue;
    }
    const plan = PLAN_CATALOGUE.find((p) => p.id === demo.planId)!;
    const random = prng(demo.phone);
    const id = `demo-${demo.phone.slice(-4)}`;
    const anchor = anchorFor(today, demo.renewsInDays);
    const current = cycleContaining(anchor, today);
    let cycleStart = current.start;
    for (let i = 0; i < months - 1; i++)
      cycleStart = cycleContaining(anchor, addDays(cycleStart, -1)).start;
    const firstDay = cycleStart;

    const cycles: BillingCycle[] = [];
    const payments: Insertable<PaymentsTable>[] = [];
    const paymentEntries: Insertable<LedgerEntriesTable>[] = [];
    const usage: Insertable<UsageDailyTable>[] = [];

    for (let n = 0; n < months; n++) {
      const cycle = cycleContaining(anchor, cycleStart);
      cycles.push(cycle);
      const statementId = statementIdFor(id, cycle.start);
      const total = renewalTotal(plan);
      // Paid a day or two before renewal; the last cycle's payment also leaves the demo credit.
      const paidAt =
        dayToMs(addDays(cycle.start, -1 - Math.floor(random() * 2))) +
        15 * 3_600_000 +
        Math.floor(random() * 3_600_000);
      const paymentId = `${id}-pay-${cycle.start}`;
      const viaPin = n % 4 === 3;
      const pay = (
        pid: string,
        amount: number,
        refill: boolean,
        statementId: string | null,
        at: number,
      ) => {
        const item = storedLineItem(
          refill
            ? { kind: 'refill_pin' }
            : { kind: 'card_payment', brand: 'unknown', last4: demo.cardLast4 },
        );
        payments.push({
          id: pid,
          subscriber_id: id,
          amount_cents: amount,
          currency: plan.currency,
          method: refill ? 'refill_pin' : 'card',
          card_last4: refill ? null : demo.cardLast4,
          status: 'succeeded',
          item,
          created_at: at,
          statement_id: statementId,
        });
        paymentEntries.push({
          id: `${pid}-credit`,
          subscriber_id: id,
          kind: refill ? 'refill' : 'payment',
          amount_cents: amount,
          currency: plan.currency,
          item,
          created_at: at,
          statement_id: null,
          payment_id: pid,
        });
      };
      pay(paymentId, total, viaPin, statementId, paidAt);
      // The demo's spare credit is a separate refill, not part of paying this statement.
      if (n === months - 1 && demo.creditCents > 0) {
        pay(`${paymentId}-extra`, demo.creditCents, true, null, paidAt + 60_000);
      }
      cycleStart = cycle.renewsOn;
    }

    // Daily usage from the first cycle to today; this cycle is shaped to hit the demo's share.
    const allowance = plan.data_mb ?? 40 * 1024;
    const typicalDaily = (allowance * 0.6) / 30;
    const elapsedThisCycle = Math.round((dayToMs(today) - dayToMs(current.start)) / 86_400_000) + 1;
    const targetThisCycle =
      demo.dataUsedShare > 0
        ? Math.round(allowance * demo.dataUsedShare)
        : Math.round(typicalDaily * elapsedThisCycle);
    let thisCycleLeft = targetThisCycle;
    for (let day = firstDay; day <= today; day = addDays(day, 1)) {
      const weekend = [0, 6].includes(new Date(dayToMs(day)).getUTCDay());
      let dataMb: number;
      if (day >= current.start) {
        const daysRemaining = Math.round((dayToMs(today) - dayToMs(day)) / 86_400_000) + 1;
        dataMb =
          day === today
            ? thisCycleLeft
            : Math.max(0, Math.round((thisCycleLeft / daysRemaining) * (0.7 + random() * 0.6)));
        dataMb = Math.min(dataMb, thisCycleLeft);
        thisCycleLeft -= dataMb;
      } else {
        dataMb = Math.round(typicalDaily * (weekend ? 1.3 : 0.9) * (0.5 + random()));
      }
      const talkCap = plan.talk_minutes ? plan.talk_minutes / 45 : 40;
      usage.push({
        subscriber_id: id,
        day,
        data_mb: dataMb,
        minutes: Math.round(talkCap * random()),
        texts: Math.round((plan.texts ? plan.texts / 45 : 60) * random()),
      });
    }

    const passwordHash = await hashPassword(demo.password);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('subscribers')
        .values({
          id,
          phone: demo.phone,
          name: demo.name,
          email: demo.email,
          password_hash: passwordHash,
          plan_id: plan.id,
          status: 'active',
          cycle_anchor_day: anchor,
          created_at: dayToMs(firstDay),
          locked_until: null,
          last_locked_at: null,
        })
        .execute();
      // The history as the running server builds it: each renewal booked into the ledger, then
      // its statement issued from the ledger. These statements are issued on their renewal day,
      // as a carrier billing in advance would, so each lists that renewal's charges.
      for (const cycle of cycles) {
        const issuedAt = dayToMs(cycle.start) + 6 * 3_600_000;
        await bookRenewal(trx, { subscriberId: id, cycle, at: issuedAt });
        const issued = await issueStatement(trx, { subscriberId: id, period: cycle, issuedAt });
        if (issued.status !== 'issued') {
          throw new Error(
            `The demo statement for ${cycle.start} was not issued (${issued.status}).`,
          );
        }
      }
      // Each payment was made for the renewal after it and is applied to that renewal's
      // statement; its ledger entry comes after the statements, so none lists it as a line.
      for (const [table, rows] of [
        ['payments', payments],
        ['ledger_entries', paymentEntries],
        ['usage_daily', usage],
      ] as const) {
        for (let i = 0; i < rows.length; i += 100) {
          await trx
            .insertInto(table)
            .values(rows.slice(i, i + 100) as never)
            .execute();
        }
      }
    });
    result.created.push(demo);
  }
  return result;
}
