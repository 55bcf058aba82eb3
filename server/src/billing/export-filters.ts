import type { ExportFilters } from '../../../contract/http/account';
import { sql, type SelectQueryBuilder, type SqlBool, type StringReference } from 'kysely';
import { dayToMs } from './billing-cycle';

/** The first day of the month after `month` (`YYYY-MM`), as `YYYY-MM-DD`. */
function nextMonthStart(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

/**
 * The half-open day range `[from, before)` that the month filters select, or `undefined` ends
 * when a side is open. Half-open, so the last day of a month needs no special case.
 */
export interface DayRange {
  from?: string;
  before?: string;
}

export function dayRangeOf(filters: ExportFilters): DayRange {
  const first = filters.month ?? filters.from;
  const last = filters.month ?? filters.to;
  return {
    ...(first !== undefined ? { from: `${first}-01` } : {}),
    ...(last !== undefined ? { before: nextMonthStart(last) } : {}),
  };
}

/** The same range as epoch milliseconds, for timestamps such as a payment's `created_at`. */
export function msRangeOf(filters: ExportFilters): { from?: number; before?: number } {
  const days = dayRangeOf(filters);
  return {
    ...(days.from !== undefined ? { from: dayToMs(days.from) } : {}),
    ...(days.before !== undefined ? { before: dayToMs(days.before) } : {}),
  };
}

/**
 * `query` narrowed to rows whose `at` lies in `range` and whose `amount` lies within the
 * filters' amount bounds. Filters only narrow the rows, so any keyset order and cursor applied
 * afterwards work the same with them.
 */
export function narrowByFilters<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  at: StringReference<DB, TB>,
  amount: StringReference<DB, TB>,
  range: { from?: string | number; before?: string | number },
  filters: ExportFilters,
): SelectQueryBuilder<DB, TB, O> {
  // Raw comparisons, as the column types vary by caller; they compile to the same SQL as `where`.
  const compare = (column: string, op: '>=' | '<' | '<=', value: string | number) =>
    sql<SqlBool>`${sql.ref(column)} ${sql.raw(op)} ${value}`;
  let narrowed = query;
  if (range.from !== undefined) narrowed = narrowed.where(compare(at, '>=', range.from));
  if (range.before !== undefined) narrowed = narrowed.where(compare(at, '<', range.before));
  if (filters.minAmountCents !== undefined) {
    narrowed = narrowed.where(compare(amount, '>=', filters.minAmountCents));
  }
  if (filters.maxAmountCents !== undefined) {
    narrowed = narrowed.where(compare(amount, '<=', filters.maxAmountCents));
  }
  return narrowed;
}
