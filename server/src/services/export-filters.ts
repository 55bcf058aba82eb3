import type { ExportFilters } from '../../../contract/http/account';
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
