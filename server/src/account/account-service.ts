import { ledgerBalance } from '../billing/ledger';
import type { Kysely } from 'kysely';
import type { Database, PlansTable } from '../db/schema';
import type { Clock } from '../clock';
import type {
  AccountSummary,
  CardBrand,
  ExportFilters,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../../contract/http/account';
import { ApiHttpError, unauthorized } from '../errors';
import {
  addDays,
  cycleContaining,
  daysLeftInCycle,
  isoDay,
  type BillingCycle,
} from '../billing/billing-cycle';
import { renewalTotal } from '../billing/charges';
import { addOnDataMb, pendingPlanChangeRow } from './plan-change-store';
import { autopayFlags } from '../billing/autopay';
import { readLineItem } from '../billing/line-items';
import { decodeCursor, toPage } from './pagination';
import { filteredStatements, statementStatus } from '../billing/statement-query';
import { bookDueRenewalNow } from '../billing/renewals';

export function toPlan(row: PlansTable): Plan {
  return {
    id: row.id,
    name: row.name,
    monthlyPrice: { amountCents: row.price_cents, currency: row.currency },
    dataAllowanceMb: row.data_mb,
    dataAfterAllowance: row.data_after_allowance,
    hotspotMb: row.hotspot_mb,
    talkMinutes: row.talk_minutes,
    texts: row.texts,
    internationalTexting: row.intl_texting === 1,
    taxesAndFeesIncluded: row.taxes_included === 1,
  };
}

/** Read side of an account: everything the dashboard shows. */
/** The columns a payment is shown with, wherever payments are listed (history, PDF, CSV). */
export const PAYMENT_COLUMNS = [
  'id',
  'created_at',
  'amount_cents',
  'currency',
  'method',
  'item',
  'card_last4',
  'card_brand',
  'status',
] as const;

export class AccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  private async subscriberWithPlan(subscriberId: string) {
    const row = await this.db
      .selectFrom('subscribers as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .selectAll('p')
      .select([
        's.id as subscriber_id',
        's.phone',
        's.name as subscriber_name',
        's.email',
        's.status',
        's.cycle_anchor_day',
        's.created_at',
      ])
      .where('s.id', '=', subscriberId)
      .executeTakeFirst();
    // The token was valid but the account is gone (deleted by an administrator).
    if (!row) throw unauthorized('This account no longer exists.');
    return row;
  }

  private async usageTotals(subscriberId: string, from: string, to: string) {
    const totals = await this.db
      .selectFrom('usage_daily')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('data_mb'), eb.lit(0)).as('data'),
        eb.fn.coalesce(eb.fn.sum<number>('minutes'), eb.lit(0)).as('minutes'),
        eb.fn.coalesce(eb.fn.sum<number>('texts'), eb.lit(0)).as('texts'),
      ])
      .where('subscriber_id', '=', subscriberId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .executeTakeFirstOrThrow();
    return {
      dataUsedMb: Number(totals.data),
      minutesUsed: Number(totals.minutes),
      textsUsed: Number(totals.texts),
    };
  }

  async summary(subscriberId: string): Promise<AccountSummary> {
    const today = isoDay(this.clock.now());
    // On renewal day before the statement job, the balance shown has this renewal taken already.
    await bookDueRenewalNow(this.db, subscriberId, this.clock.now());
    const row = await this.subscriberWithPlan(subscriberId);
    const cycle = cycleContaining(row.cycle_anchor_day, today);
    const [balance, usage, autopay] = await Promise.all([
      ledgerBalance(this.db, subscriberId),
      this.usageTotals(subscriberId, cycle.start, today),
      autopayFlags(this.db, subscriberId, row.cycle_anchor_day, this.clock.now()),
    ]);
    const [pending, passDataMb] = await Promise.all([
      pendingPlanChangeRow(this.db, subscriberId),
      addOnDataMb(this.db, subscriberId, today),
    ]);
    // What renews is the plan chosen for the renewal, when one is.
    const renewal = renewalTotal(pending ?? row);
    return {
      subscriber: {
        id: row.subscriber_id,
        phone: row.phone,
        name: row.subscriber_name,
        email: row.email,
      },
      status: row.status,
      balance: { amountCents: balance, currency: row.currency },
      amountDue: { amountCents: Math.max(0, renewal - balance), currency: row.currency },
      dueDate: cycle.renewsOn,
      plan: toPlan(row),
      cycle: { start: cycle.start, end: cycle.end, daysLeft: daysLeftInCycle(cycle, today) },
      usage,
      pendingPlanChange: pending
        ? {
            id: pending.change_id,
            plan: toPlan(pending),
            effectiveOn: pending.effective_on,
            requestedAt: new Date(pending.requested_at).toISOString(),
          }
        : null,
      addOnDataMb: passDataMb,
      autopay,
    };
  }

  async plan(subscriberId: string): Promise<Plan> {
    return toPlan(await this.subscriberWithPlan(subscriberId));
  }

  async usage(subscriberId: string, cycleParam: string): Promise<UsageResponse> {
    const today = isoDay(this.clock.now());
    const row = await this.subscriberWithPlan(subscriberId);
    const day = cycleParam === 'current' ? today : cycleParam;
    const cycle: BillingCycle = cycleContaining(row.cycle_anchor_day, day);
    // Any day of the current cycle (tomorrow included) selects it; later cycles have no usage yet.
    if (cycle.start > today) {
      throw new ApiHttpError(400, 'cycle_out_of_range', 'That cycle has not started yet.');
    }
    const firstDay = isoDay(row.created_at);
    if (cycle.end < firstDay) {
      throw new ApiHttpError(
        400,
        'cycle_out_of_range',
        'The account did not exist during that cycle.',
      );
    }
    const last = cycle.end < today ? cycle.end : today;
    const rows = await this.db
      .selectFrom('usage_daily')
      .select(['day', 'data_mb', 'minutes', 'texts'])
      .where('subscriber_id', '=', subscriberId)
      .where('day', '>=', cycle.start)
      .where('day', '<=', last)
      .orderBy('day')
      .execute();
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const days: UsageResponse['days'] = [];
    for (let d = cycle.start; d <= last; d = addDays(d, 1)) {
      const r = byDay.get(d);
      days.push({
        date: d,
        dataMb: r?.data_mb ?? 0,
        minutes: r?.minutes ?? 0,
        texts: r?.texts ?? 0,
      });
    }
    const totals = days.reduce(
      (t, d) => ({
        dataUsedMb: t.dataUsedMb + d.dataMb,
        minutesUsed: t.minutesUsed + d.minutes,
        textsUsed: t.textsUsed + d.texts,
      }),
      { dataUsedMb: 0, minutesUsed: 0, textsUsed: 0 },
    );
    const before = addDays(cycle.start, -1);
    return {
      cycle: { start: cycle.start, end: cycle.end, daysLeft: daysLeftInCycle(cycle, today) },
      totals,
      days,
      previousCycle: before >= firstDay ? before : null,
    };
  }

  async statements(
    subscriberId: string,
    limit: number,
    cursor?: string,
    filters: ExportFilters = {},
  ): Promise<StatementList> {
    const today = isoDay(this.clock.now());
    let query = filteredStatements(this.db, subscriberId, filters).select([
      'st.id',
      'st.period_start',
      'st.period_end',
      'st.issued_at',
      'st.due_date',
      'st.total_cents',
      'st.currency',
    ]);
    if (cursor) {
      const [periodStart, id] = decodeCursor<string>(cursor, 'string');
      query = query.where((eb) =>
        eb.or([
          eb('st.period_start', '<', periodStart),
          eb.and([eb('st.period_start', '=', periodStart), eb('st.id', '<', id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('st.period_start', 'desc')
      .orderBy('st.id', 'desc')
      .limit(limit + 1)
      .execute();
    const { page, nextCursor } = toPage(rows, limit, (r) => [r.period_start, r.id]);
    return {
      items: page.map((r) => ({
        id: r.id,
        periodStart: r.period_start,
        periodEnd: r.period_end,
        issuedAt: new Date(r.issued_at).toISOString(),
        dueDate: r.due_date,
        total: { amountCents: r.total_cents, currency: r.currency },
        status: statementStatus(r.total_cents, Number(r.paid), r.due_date, today),
      })),
      nextCursor,
    };
  }

  async statement(subscriberId: string, statementId: string): Promise<StatementDetail> {
    const today = isoDay(this.clock.now());
    // Scoped to the signed-in subscriber: another account's id reads as "not found".
    const st = await filteredStatements(this.db, subscriberId, {})
      .select([
        'st.id',
        'st.period_start',
        'st.period_end',
        'st.issued_at',
        'st.due_date',
        'st.plan_name',
        'st.total_cents',
        'st.currency',
      ])
      .where('st.id', '=', statementId)
      .executeTakeFirst();
    if (!st)
      throw new ApiHttpError(
        404,
        'statement_not_found',
        'There is no such statement on this account.',
      );
    const lines = await this.db
      .selectFrom('statement_lines')
      .selectAll()
      .where('statement_id', '=', st.id)
      .orderBy('position')
      .execute();
    const paid = Number(st.paid);
    const sum = (kinds: string[]) =>
      lines.filter((l) => kinds.includes(l.kind)).reduce((t, l) => t + l.amount_cents, 0);
    const money = (amountCents: number) => ({ amountCents, currency: st.currency });
    return {
      id: st.id,
      periodStart: st.period_start,
      periodEnd: st.period_end,
      issuedAt: new Date(st.issued_at).toISOString(),
      dueDate: st.due_date,
      total: money(st.total_cents),
      status: statementStatus(st.total_cents, paid, st.due_date, today),
      planName: st.plan_name,
      lines: lines.map((l) => ({
        id: l.id,
        kind: l.kind,
        item: readLineItem(l.item),
        amount: money(l.amount_cents),
      })),
      subtotal: money(sum(['plan', 'addon', 'credit'])),
      taxesAndFees: money(sum(['tax', 'fee'])),
      paid: money(paid),
    };
  }

  async payments(subscriberId: string, limit: number, cursor?: string): Promise<PaymentList> {
    let query = this.db
      .selectFrom('payments')
      .select([...PAYMENT_COLUMNS, 'decline_code'])
      .where('subscriber_id', '=', subscriberId);
    if (cursor) {
      const [createdAt, id] = decodeCursor<number>(cursor, 'number');
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const { page, nextCursor } = toPage(rows, limit, (r) => [r.created_at, r.id]);
    return {
      items: page.map((r) => ({
        id: r.id,
        createdAt: new Date(r.created_at).toISOString(),
        amount: { amountCents: r.amount_cents, currency: r.currency },
        method: r.method,
        item: readLineItem(r.item),
        cardLast4: r.card_last4,
        // Recorded before brands were kept: a card whose brand is not known.
        cardBrand: r.card_last4 ? ((r.card_brand ?? 'unknown') as CardBrand) : null,
        status: r.status,
        declineCode: r.status === 'failed' ? r.decline_code : null,
      })),
      nextCursor,
    };
  }
}
