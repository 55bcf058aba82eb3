import { sql, type Kysely } from 'kysely';
import type { ExportFilters, StatementStatus } from '../../../contract/http/account';
import type { Database } from '../db/schema';
import { dayRangeOf, narrowByFilters } from './export-filters';

/** Paid once what was allocated to it covers the total; otherwise overdue once the due date passed. */
export function statementStatus(
  total: number,
  paid: number,
  dueDate: string,
  today: string,
): StatementStatus {
  if (paid >= total) return 'paid';
  return dueDate < today ? 'overdue' : 'due';
}

/*
 * What each statement has been paid is allocated from the money the account received, oldest
 * statement first (by period, then id), whichever statement a payment was made against:
 *
 * - funds: every payment and refill in the ledger, whenever it was made; the part of any
 *   statement's credits beyond its own charges (a statement whose total is negative); and the
 *   same for the entries no statement has taken yet, when their credits exceed their charges.
 *   A statement's credits first reduce its own total, so they are never counted twice.
 * - each statement with a positive total takes `min(total, funds - owed before it)`, where "owed
 *   before it" is the sum of the positive totals of the older statements: a window sum, so the
 *   whole history costs one pass over the subscriber's statements on SQLite and PostgreSQL alike.
 *
 * So a subscriber who lives on credit sees a statement paid as soon as her balance covers it, a
 * refill pays the oldest open statement first, and the statements' amounts due add up to what the
 * account owes for the billed cycles. Closing a statement never takes funds from an older one.
 */

/** Ledger kinds that bring money into the account; every other kind is a charge or a credit. */
const MONEY_IN = sql.raw(`('payment', 'refill')`);

/** `max(x, 0)` in SQL both databases read alike (SQLite has no `greatest`). */
const positive = (x: ReturnType<typeof sql>) => sql`case when ${x} > 0 then ${x} else 0 end`;

/**
 * Every statement of one subscriber with `owed_before` (the positive totals of the statements
 * before it) and `funds` (what the account has to pay its statements with, see above). Filters and
 * cursors go on the outside, so the allocation always sees the whole history.
 */
function statementsWithFunds(db: Kysely<Database>, subscriberId: string) {
  const ledger = db
    .selectFrom('ledger_entries')
    .select([
      sql<number>`coalesce(sum(case when kind in ${MONEY_IN} then amount_cents else 0 end), 0)`.as(
        'received',
      ),
      sql<number>`coalesce(sum(case when kind not in ${MONEY_IN} and statement_id is null then amount_cents else 0 end), 0)`.as(
        'open_net',
      ),
    ])
    .where('subscriber_id', '=', subscriberId);
  const total = sql.ref('s.total_cents');
  const owed = positive(total);
  const surplus = positive(sql`0 - ${total}`);
  return db
    .selectFrom('statements as s')
    .innerJoin(ledger.as('f'), (join) => join.onTrue())
    .selectAll('s')
    .select([
      sql<number>`sum(${owed}) over (order by s.period_start, s.id) - ${owed}`.as('owed_before'),
      sql<number>`f.received + sum(${surplus}) over () + ${positive(sql.ref('f.open_net'))}`.as(
        'funds',
      ),
    ])
    .where('s.subscriber_id', '=', subscriberId);
}

/**
 * One subscriber's statements (`st`) that the filters select, each with `paid`: its share of the
 * account's money, allocated oldest statement first (never more than its total, never below 0).
 * The statement list, the detail and the CSV export all read through this, so a filter selects
 * the same statements on screen and in the file and every view shows the same amounts.
 */
export function filteredStatements(
  db: Kysely<Database>,
  subscriberId: string,
  filters: ExportFilters,
) {
  const left = sql`st.funds - st.owed_before`;
  const query = db
    .selectFrom(statementsWithFunds(db, subscriberId).as('st'))
    .select(
      sql<number>`case when st.total_cents <= 0 or ${left} <= 0 then 0 when ${left} >= st.total_cents then st.total_cents else ${left} end`.as(
        'paid',
      ),
    );
  return narrowByFilters(query, 'st.period_start', 'st.total_cents', dayRangeOf(filters), filters);
}
