import { DAY_MS } from '../clock';

/** `YYYY-MM-DD` of a moment, in UTC. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayToMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, days: number): string {
  return isoDay(dayToMs(day) + days * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayToMs(to) - dayToMs(from)) / DAY_MS);
}

function anchorDate(year: number, monthIndex: number, anchorDay: number): string {
  return isoDay(Date.UTC(year, monthIndex, anchorDay));
}

export interface BillingCycle {
  /** First day of the cycle. */
  start: string;
  /** Last day of the cycle. */
  end: string;
  /** The day the plan renews (the day after `end`). */
  renewsOn: string;
}

/**
 * The monthly cycle that contains `day` for a plan renewing on `anchorDay` (1–28, so every month
 * has that day).
 */
export function cycleContaining(anchorDay: number, day: string): BillingCycle {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 28) {
    throw new RangeError(`Cycle anchor day must be 1–28, got ${anchorDay}`);
  }
  const d = new Date(dayToMs(day));
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const startMonth = d.getUTCDate() >= anchorDay ? month : month - 1;
  const start = anchorDate(year, startMonth, anchorDay);
  const renewsOn = anchorDate(year, startMonth + 1, anchorDay);
  return { start, end: addDays(renewsOn, -1), renewsOn };
}

/** Days left in the cycle, today included. */
export function daysLeftInCycle(cycle: BillingCycle, today: string): number {
  return Math.max(0, daysBetween(today, cycle.end) + 1);
}
