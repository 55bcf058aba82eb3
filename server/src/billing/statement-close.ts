import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  Database,
  LedgerEntriesTable,
  StatementLinesTable,
  StatementsTable,
} from '../db/schema';
import { MINUTE_MS, type Clock } from '../clock';
import { addDays, cycleContaining, dayToMs, isoDay, type BillingCycle } from './billing-cycle';
import { lockSubscriber } from '../account/plan-change-store';
import { bookDueRenewalNow } from './renewals';

/** The demo seed builds its history through the same functions as this job, from here. */
export { bookRenewal, type BookRenewalInput } from './renewals';

type Db = Kysely<Database> | Transaction<Database>;
type LedgerKind = LedgerEntriesTable['kind'];
type LineKind = StatementLinesTable['kind'];

/*
 * Monthly statements, generated from the ledger.
 *
 * A statement for a billing cycle lists the ledger entries of that cycle, one line per entry, and
 * stamps each entry with the statement's id, so no entry is ever on two statements. Its total is
 * the cycle's charges: every line but the payments (plan, add-ons, taxes and fees, less credits),
 * as the statement PDF checks and the detail splits into subtotal and taxes. Payments and refills
 * are listed too, and the payments behind them are linked to the statement (`payments.statement_id`)
 * so its PDF can list them. What a statement has been paid, and so its paid/due/overdue status, is
 * allocated from all the money the account received, oldest statement first (`statement-query.ts`).
 * The ledger itself is never changed beyond that stamp: the balance stays the sum of its entries.
 *
 * Renewals (`renewals.ts`): at the start of each cycle the renewal's charges (of the plan in
 * effect for the new cycle) are booked into the ledger once, so the statement of that cycle picks
 * them up. This job books them for everyone; a request that prices against the cycle books its
 * subscriber's first.
 */

/** How each kind of ledger entry reads on a statement. */
export const STATEMENT_LINE_KIND: Readonly<Record<LedgerKind, LineKind>> = {
  plan_charge: 'plan',
  addon_charge: 'addon',
  tax: 'tax',
  fee: 'fee',
  payment: 'payment',
  refill: 'payment',
  credit: 'credit',
};

/** How long after a cycle ends its statement waits, so writes begun inside the cycle have landed. */
export const STATEMENT_SETTLE_MS = 15 * MINUTE_MS;

export type OpenEntry = Pick<
  Selectable<LedgerEntriesTable>,
  'id' | 'kind' | 'amount_cents' | 'currency' | 'item' | 'created_at' | 'payment_id'
>;

export interface DraftLine {
  kind: LineKind;
  /** The entry's line item, as stored: a statement line is for what its entry was for. */
  item: string;
  /** As a bill reads: charges positive, credits and payments negative. */
  amountCents: number;
  entryId: string;
}

/** A statement's id: one per subscriber and period, the same on every instance. */
export function statementIdFor(subscriberId: string, periodStart: string): string {
  return `${subscriberId}-st-${periodStart}`;
}

/**
 * One line per ledger entry, oldest first. The ledger counts from the subscriber's side (a
 * charge takes money: negative); a statement counts what is owed (a charge is positive), so
 * each amount changes sign.
 */
export function statementLinesFrom(entries: readonly OpenEntry[]): DraftLine[] {
  return [...entries]
    .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => ({
      kind: STATEMENT_LINE_KIND[e.kind],
      item: e.item,
      // `0 - x` rather than `-x`, so a zero amount stays 0 and never becomes -0.
      amountCents: 0 - e.amount_cents,
      entryId: e.id,
    }));
}

/** The statement total: the charges of the period less its credits; payments are not charges. */
export function statementTotalCents(lines: readonly Pick<DraftLine, 'kind' | 'amountCents'>[]) {
  return lines.filter((l) => l.kind !== 'payment').reduce((sum, l) => sum + l.amountCents, 0);
}

/** Entries in more than one currency cannot be added up on one statement. */
export class StatementCurrencyError extends Error {
  constructor(subscriberId: string, periodStart: string, currencies: string[]) {
    super(
      `The ledger entries of subscriber ${subscriberId} for the period from ${periodStart} are in ${currencies.join(' and ')}; a statement has one currency.`,
    );
    this.name = 'StatementCurrencyError';
  }
}

/** The plan a subscriber was on at the end of `day`, from the plan changes applied. */
async function planNameOn(trx: Db, subscriberId: string, day: string): Promise<string> {
  const before = await trx
    .selectFrom('plan_changes')
    .select('to_plan_id as plan_id')
    .where('subscriber_id', '=', subscriberId)
    .where('status', '=', 'applied')
    .where('effective_on', '<=', day)
    .orderBy('effective_on', 'desc')
    .orderBy('applied_at', 'desc')
    .executeTakeFirst();
  const after = before
    ? undefined
    : await trx
        .selectFrom('plan_changes')
        .select('from_plan_id as plan_id')
        .where('subscriber_id', '=', subscriberId)
        .where('status', '=', 'applied')
        .where('effective_on', '>', day)
        .orderBy('effective_on')
        .orderBy('applied_at')
        .executeTakeFirst();
  const planId =
    (before ?? after)?.plan_id ??
    (
      await trx
        .selectFrom('subscribers')
        .select('plan_id')
        .where('id', '=', subscriberId)
        .executeTakeFirstOrThrow()
    ).plan_id;
  const plan = await trx
    .selectFrom('plans')
    .select('name')
    .where('id', '=', planId)
    .executeTakeFirstOrThrow();
  return plan.name;
}

export interface IssueStatementInput {
  subscriberId: string;
  /** The billing cycle the statement is for. */
  period: BillingCycle;
  /** When it is issued; entries written after this moment wait for the next statement. */
  issuedAt: number;
}

export type IssueOutcome =
  | { status: 'issued'; statementId: string; totalCents: number; lines: number }
  | { status: 'exists'; statementId: string }
  | { status: 'empty' };

/**
 * Issues the statement for one period inside `trx`, which must hold the subscriber's lock
 * (`lockSubscriber`). It takes the entries no statement has taken yet that were written before
 * the period ended (and before `issuedAt`), back to the start of the previous statement's
 * period: normally exactly the period's own entries, but an entry that landed in an
 * already-closed period goes on this one rather than on none. Already issued: `exists`;
 * nothing to list: `empty`, and nothing is written.
 */
export async function issueStatement(
  trx: Transaction<Database>,
  input: IssueStatementInput,
): Promise<IssueOutcome> {
  const { subscriberId, period, issuedAt } = input;
  const statementId = statementIdFor(subscriberId, period.start);
  const existing = await trx
    .selectFrom('statements')
    .select('id')
    .where('subscriber_id', '=', subscriberId)
    .where('period_start', '=', period.start)
    .executeTakeFirst();
  if (existing) return { status: 'exists', statementId: existing.id };

  const previous = await trx
    .selectFrom('statements')
    .select('period_start')
    .where('subscriber_id', '=', subscriberId)
    .where('period_start', '<', period.start)
    .orderBy('period_start', 'desc')
    .executeTakeFirst();
  const untilMs = Math.min(dayToMs(period.renewsOn), issuedAt + 1);
  const entries = await trx
    .selectFrom('ledger_entries')
    .select(['id', 'kind', 'amount_cents', 'currency', 'item', 'created_at', 'payment_id'])
    .where('subscriber_id', '=', subscriberId)
    .where('statement_id', 'is', null)
    .where('created_at', '<', untilMs)
    .$if(previous !== undefined, (q) =>
      q.where('created_at', '>=', dayToMs(previous!.period_start)),
    )
    .execute();
  if (entries.length === 0) return { status: 'empty' };
  const rows = entries.map((e) => ({
    ...e,
    amount_cents: Number(e.amount_cents),
    created_at: Number(e.created_at),
  }));
  const currencies = [...new Set(rows.map((e) => e.currency))];
  if (currencies.length !== 1) {
    throw new StatementCurrencyError(subscriberId, period.start, currencies);
  }

  const lines = statementLinesFrom(rows);
  const totalCents = statementTotalCents(lines);
  const statement: Selectable<StatementsTable> = {
    id: statementId,
    subscriber_id: subscriberId,
    period_start: period.start,
    period_end: period.end,
    issued_at: issuedAt,
    // A prepaid cycle's charges fall due on its renewal day, the first day of the period.
    due_date: period.start,
    plan_name: await planNameOn(trx, subscriberId, period.end),
    total_cents: totalCents,
    currency: currencies[0]!,
  };
  // The unique (subscriber, period) key is the last word if two instances got this far at once.
  const inserted = await trx
    .insertInto('statements')
    .values(statement)
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { status: 'exists', statementId };

  await trx
    .insertInto('statement_lines')
    .values(
      lines.map((l, position) => ({
        id: `${statementId}-l${position}`,
        statement_id: statementId,
        position,
        kind: l.kind,
        item: l.item,
        amount_cents: l.amountCents,
      })),
    )
    .execute();
  let stamped = 0;
  const ids = rows.map((e) => e.id);
  for (let i = 0; i < ids.length; i += 500) {
    const result = await trx
      .updateTable('ledger_entries')
      .set({ statement_id: statementId })
      .where('id', 'in', ids.slice(i, i + 500))
      .where('statement_id', 'is', null)
      .executeTakeFirst();
    stamped += Number(result.numUpdatedRows);
  }
  if (stamped !== ids.length) {
    // Another writer took some of these entries: roll back rather than list them twice.
    throw new Error(
      `Statement ${statementId}: ${ids.length - stamped} ledger entries were taken by another statement.`,
    );
  }
  const paymentIds = rows.flatMap((e) => (e.payment_id ? [e.payment_id] : []));
  if (paymentIds.length > 0) {
    await trx
      .updateTable('payments')
      .set({ statement_id: statementId })
      .where('id', 'in', paymentIds)
      .where('subscriber_id', '=', subscriberId)
      .where('status', '=', 'succeeded')
      .where('statement_id', 'is', null)
      .execute();
  }
  return { status: 'issued', statementId, totalCents, lines: lines.length };
}

/** Issues one statement in its own transaction, under the subscriber's lock. */
export async function closeStatement(
  db: Kysely<Database>,
  input: IssueStatementInput,
): Promise<IssueOutcome> {
  return db.transaction().execute(async (trx) => {
    // First a write: on SQLite the transaction takes the write lock at once; on PostgreSQL two
    // instances closing the same subscriber queue here, and the second finds the statement.
    await lockSubscriber(trx, input.subscriberId);
    return issueStatement(trx, input);
  });
}

export interface StatementJobOptions {
  /** Wait this long after a cycle ends before closing it (default `STATEMENT_SETTLE_MS`). */
  settleMs?: number;
  /** One subscriber's failure; the others go on, and the next run tries again. */
  onError?: (error: unknown, subscriberId: string) => void;
}

export interface StatementJobResult {
  /** Renewals booked into the ledger. */
  renewals: number;
  /** Statements issued. */
  statements: number;
  /** Subscribers whose work threw (see `onError`). */
  errors: number;
}

/**
 * Books the renewal of the cycle in progress for every active subscriber whose renewal is due
 * (`bookDueRenewal`: a plan change chosen for this renewal is applied first, so the renewal is of
 * the new plan). The same function books it when a request gets there first.
 */
async function bookDueRenewals(
  db: Kysely<Database>,
  clock: Clock,
  result: StatementJobResult,
  onError: StatementJobOptions['onError'],
): Promise<void> {
  const now = clock.now();
  const today = isoDay(now);
  const subscribers = await db
    .selectFrom('subscribers')
    .select(['id', 'cycle_anchor_day', 'created_at'])
    .where('status', '=', 'active')
    .execute();
  for (const sub of subscribers) {
    // The cycle an account is opened in is never renewed: skipped here without a query.
    if (cycleContaining(sub.cycle_anchor_day, today).start <= isoDay(Number(sub.created_at))) {
      continue;
    }
    try {
      if ((await bookDueRenewalNow(db, sub.id, now)) === 'booked') result.renewals += 1;
    } catch (error) {
      result.errors += 1;
      onError?.(error, sub.id);
    }
  }
}

/**
 * The next period to close for a subscriber, or null when none has ended yet: the cycle of the
 * oldest entry no statement has taken, but never one at or before the latest statement's period.
 */
async function nextPeriodToClose(
  db: Kysely<Database>,
  subscriberId: string,
  anchorDay: number,
  closeBefore: number,
): Promise<BillingCycle | null> {
  const latest = await db
    .selectFrom('statements')
    .select(['period_start', 'period_end'])
    .where('subscriber_id', '=', subscriberId)
    .orderBy('period_start', 'desc')
    .executeTakeFirst();
  const oldest = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.min<number>('created_at').as('at'))
    .where('subscriber_id', '=', subscriberId)
    .where('statement_id', 'is', null)
    .$if(latest !== undefined, (q) => q.where('created_at', '>=', dayToMs(latest!.period_start)))
    .executeTakeFirst();
  if (oldest?.at === null || oldest?.at === undefined) return null;
  let day = isoDay(Number(oldest.at));
  if (latest && day <= latest.period_end) day = addDays(latest.period_end, 1);
  const period = cycleContaining(anchorDay, day);
  return dayToMs(period.renewsOn) <= closeBefore ? period : null;
}

/**
 * The periodic job: books the renewals that are due, then issues the statement of every cycle
 * that has ended (at least `settleMs` ago) and has entries no statement has taken, oldest first.
 * Safe on several instances at once: each renewal and each statement is written once, under the
 * subscriber's lock and a unique key, and an instance that loses the race finds the work done.
 */
export async function runStatementJob(
  db: Kysely<Database>,
  clock: Clock,
  options: StatementJobOptions = {},
): Promise<StatementJobResult> {
  const result: StatementJobResult = { renewals: 0, statements: 0, errors: 0 };
  await bookDueRenewals(db, clock, result, options.onError);

  const settleMs = options.settleMs ?? STATEMENT_SETTLE_MS;
  const open = await db
    .selectFrom('ledger_entries as l')
    .innerJoin('subscribers as s', 's.id', 'l.subscriber_id')
    .select(['s.id', 's.cycle_anchor_day'])
    .where('l.statement_id', 'is', null)
    .distinct()
    .execute();
  for (const sub of open) {
    try {
      // Bounded: each pass issues a statement for a later period, or stops.
      for (let guard = 0; guard < 1_000; guard++) {
        const now = clock.now();
        const period = await nextPeriodToClose(db, sub.id, sub.cycle_anchor_day, now - settleMs);
        if (!period) break;
        const outcome = await closeStatement(db, {
          subscriberId: sub.id,
          period,
          issuedAt: now,
        });
        if (outcome.status === 'issued') result.statements += 1;
        if (outcome.status === 'empty') break;
      }
    } catch (error) {
      result.errors += 1;
      options.onError?.(error, sub.id);
    }
  }
  return result;
}
