import type { Kysely } from 'kysely';
import type { ExportFilters, StatementStatus } from '../../../contract/http/account';
import type { Database } from '../db/schema';
import { dayRangeOf, narrowByFilters } from './export-filters';

/** Paid while the successful payments cover the total; otherwise overdue once the due date passed. */
export function statementStatus(
  total: number,
  paid: number,
  dueDate: string,
  today: string,
): StatementStatus {
  if (paid >= total) return 'paid';
  return dueDate < today ? 'overdue' : 'due';
}

/** Sum of successful payments per statement of one subscriber. */
export function paidPerStatement(db: Kysely<Database>, subscriberId: string) {
  return db
    .selectFrom('payments')
    .select((eb) => ['statement_id', eb.fn.sum<number>('amount_cents').as('paid')])
    .where('status', '=', 'succeeded')
    .where('subscriber_id', '=', subscriberId)
    .groupBy('statement_id');
}

/**
 * One subscriber's statements (`st`) that the filters select, joined with what was paid on each
 * (`pp.paid`). The statement list and its CSV export both read through this, so a filter selects
 * the same statements on screen and in the file.
 */
export function filteredStatements(
  db: Kysely<Database>,
  subscriberId: string,
  filters: ExportFilters,
) {
  const query = db
    .selectFrom('statements as st')
    .leftJoin(paidPerStatement(db, subscriberId).as('pp'), (join) =>
      join.onRef('pp.statement_id', '=', 'st.id'),
    )
    .where('st.subscriber_id', '=', subscriberId);
  return narrowByFilters(query, 'st.period_start', 'st.total_cents', dayRangeOf(filters), filters);
}
