/**
 * Pure formatting helpers for the renderer: data sizes, calendar days, moments and countdowns.
 * Everything goes through `Intl` in the locale the caller passes, so text follows the language.
 * No DOM here, so the unit tests run under plain Node.
 */

/** Carriers count data in binary units: 1 GB of allowance is 1024 MB. */
export const MB_PER_GB = 1024;

/** Megabytes to gigabytes, unrounded. */
export function mbToGb(mb: number): number {
  return mb / MB_PER_GB;
}

/** `6.8 GB`: a data amount in gigabytes with a fixed number of decimals (one by default). */
export function formatGb(mb: number, locale: string, decimals = 1): string {
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'gigabyte',
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(mbToGb(mb));
}

/** `15 GB`, `1.5 GB`: a plan allowance, with a decimal only when it is not a whole number. */
export function formatAllowanceGb(mb: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'gigabyte',
    maximumFractionDigits: 1,
  }).format(mbToGb(mb));
}

/** `512 MB`: a daily amount of data in whole megabytes. */
export function formatMb(mb: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'megabyte',
    maximumFractionDigits: 0,
  }).format(mb);
}

/** `1,000`: a whole count in the locale's digits and grouping. */
export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** Share of an allowance used, clamped to 0–1; `null` for an unlimited (or zero) allowance. */
export function usageShare(used: number, allowance: number | null): number | null {
  if (allowance === null || allowance <= 0) return null;
  return Math.min(1, Math.max(0, used / allowance));
}

/**
 * A calendar day (`YYYY-MM-DD`, as the API sends them) as a `Date` at UTC midnight.
 * Days are formatted in UTC too, so a day never shifts with the computer's time zone.
 */
export function dayToDate(isoDay: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay);
  if (!match) throw new RangeError(`Not a calendar day: ${isoDay}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

export type DayStyle = 'long' | 'medium' | 'short';

const DAY_OPTIONS: Record<DayStyle, Intl.DateTimeFormatOptions> = {
  long: { year: 'numeric', month: 'long', day: 'numeric' },
  medium: { year: 'numeric', month: 'short', day: 'numeric' },
  short: { month: 'short', day: 'numeric' },
};

/** `Nov 3, 2025` (medium), `November 3, 2025` (long) or `Nov 3` (short) for a calendar day. */
export function formatDay(isoDay: string, locale: string, style: DayStyle = 'medium'): string {
  return new Intl.DateTimeFormat(locale, { ...DAY_OPTIONS[style], timeZone: 'UTC' }).format(
    dayToDate(isoDay),
  );
}

/** `Nov 4 – Dec 3, 2025`: a span of calendar days, with what the two ends share written once. */
export function formatDayRange(startDay: string, endDay: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { ...DAY_OPTIONS.medium, timeZone: 'UTC' }).formatRange(
    dayToDate(startDay),
    dayToDate(endDay),
  );
}

/** Upper-cases the first letter (Spanish month names are lower case mid-sentence). */
export function capitalize(text: string, locale: string): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

/** `November 2025` / `Noviembre de 2025`: the month a statement period starts in. */
export function formatMonth(isoDay: string, locale: string): string {
  const text = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    timeZone: 'UTC',
  }).format(dayToDate(isoDay));
  return capitalize(text, locale);
}

/**
 * `Nov 3, 2025`: the local calendar day of a moment (an ISO-8601 timestamp), in the computer's
 * time zone unless one is given.
 */
export function formatMomentDay(isoDateTime: string, locale: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { ...DAY_OPTIONS.medium };
  if (timeZone) options.timeZone = timeZone;
  return new Intl.DateTimeFormat(locale, options).format(new Date(isoDateTime));
}

/** `14:59`: whole seconds as minutes and seconds, both two digits (minutes may exceed 59). */
export function formatCountdown(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds));
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Whole minutes, rounded up, for telling someone how long to wait in words. */
export function minutesToWait(totalSeconds: number): number {
  return Math.max(1, Math.ceil(totalSeconds / 60));
}

/** The first word of a name, for a greeting. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** The calendar day `days` after `isoDay` (negative goes back). */
export function addDays(isoDay: string, days: number): string {
  const date = dayToDate(isoDay);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * `Nov 3, 2025, 2:15 PM`: a moment (an ISO-8601 timestamp) with its local date and time, in the
 * computer's time zone unless one is given.
 */
export function formatMoment(isoDateTime: string, locale: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
  if (timeZone) options.timeZone = timeZone;
  return new Intl.DateTimeFormat(locale, options).format(new Date(isoDateTime));
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * `5 minutes ago`, `yesterday`, `now`: how long ago a moment was, in the largest whole unit.
 * Anything under a minute is "now", so a list does not tick through seconds.
 */
export function formatRelative(isoDateTime: string, now: number, locale: string): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const seconds = Math.round((new Date(isoDateTime).getTime() - now) / 1000);
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, 'second');
}

/** Whole minutes for a validity period said in words ("works for 10 minutes"), at least one. */
export function minutesOf(totalSeconds: number): number {
  return Math.max(1, Math.round(totalSeconds / 60));
}
