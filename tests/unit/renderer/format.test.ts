import { describe, expect, it } from 'vitest';
import {
  addDays,
  capitalize,
  dayToDate,
  firstName,
  formatAllowanceGb,
  formatCount,
  formatCountdown,
  formatDay,
  formatDayRange,
  formatGb,
  formatMb,
  formatMoment,
  formatMomentDay,
  formatMonth,
  formatRelative,
  mbToGb,
  minutesOf,
  minutesToWait,
  usageShare,
} from '../../../renderer/src/lib/format';

/** Intl may put no-break or narrow spaces between parts; compare with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f\u2009]/g, ' ');

describe('data sizes', () => {
  it('counts 1024 MB to the gigabyte, as carriers do', () => {
    expect(mbToGb(1024)).toBe(1);
    expect(mbToGb(15 * 1024)).toBe(15);
    expect(mbToGb(512)).toBe(0.5);
  });

  it('formats usage in GB with one decimal', () => {
    expect(plain(formatGb(6963, 'en-US'))).toBe('6.8 GB');
    expect(plain(formatGb(15 * 1024, 'en-US'))).toBe('15.0 GB');
    expect(plain(formatGb(0, 'en-US'))).toBe('0.0 GB');
    expect(plain(formatGb(51, 'en-US'))).toBe('0.0 GB');
  });

  it('formats usage in the locale', () => {
    expect(plain(formatGb(6963, 'es-US'))).toMatch(/^6[.,]8 GB$/);
    expect(plain(formatGb(6963, 'de-DE'))).toBe('6,8 GB');
  });

  it('writes plan allowances without a needless decimal', () => {
    expect(plain(formatAllowanceGb(15 * 1024, 'en-US'))).toBe('15 GB');
    expect(plain(formatAllowanceGb(1536, 'en-US'))).toBe('1.5 GB');
  });

  it('formats daily amounts in whole megabytes with grouping', () => {
    expect(plain(formatMb(512, 'en-US'))).toBe('512 MB');
    expect(plain(formatMb(1512.4, 'en-US'))).toBe('1,512 MB');
  });

  it('formats counts with the locale grouping', () => {
    expect(formatCount(1000, 'en-US')).toBe('1,000');
    expect(formatCount(1000, 'de-DE')).toBe('1.000');
  });

  it('computes the share of an allowance, clamped, and null for unlimited', () => {
    expect(usageShare(512, 1024)).toBe(0.5);
    expect(usageShare(2048, 1024)).toBe(1);
    expect(usageShare(10, null)).toBeNull();
    expect(usageShare(10, 0)).toBeNull();
  });
});

describe('calendar days', () => {
  it('reads YYYY-MM-DD as UTC midnight and rejects anything else', () => {
    expect(dayToDate('2025-11-04').toISOString()).toBe('2025-11-04T00:00:00.000Z');
    expect(() => dayToDate('2025-11-04T10:00:00Z')).toThrow(RangeError);
    expect(() => dayToDate('11/04/2025')).toThrow(RangeError);
  });

  it('formats a day without shifting it by the time zone', () => {
    expect(formatDay('2025-11-04', 'en-US')).toBe('Nov 4, 2025');
    expect(formatDay('2025-11-04', 'en-US', 'long')).toBe('November 4, 2025');
    expect(formatDay('2025-11-04', 'en-US', 'short')).toBe('Nov 4');
    expect(formatDay('2025-01-01', 'en-US')).toBe('Jan 1, 2025');
    expect(formatDay('2025-11-04', 'es-US', 'long')).toBe('4 de noviembre de 2025');
  });

  it('formats a range, writing shared parts once', () => {
    expect(plain(formatDayRange('2025-11-04', '2025-12-03', 'en-US'))).toBe('Nov 4 – Dec 3, 2025');
    expect(plain(formatDayRange('2025-12-04', '2026-01-03', 'en-US'))).toBe(
      'Dec 4, 2025 – Jan 3, 2026',
    );
  });

  it('names the month a statement starts in, capitalised', () => {
    expect(formatMonth('2025-11-04', 'en-US')).toBe('November 2025');
    expect(formatMonth('2025-11-04', 'es-US')).toBe('Noviembre de 2025');
    expect(capitalize('noviembre', 'es-US')).toBe('Noviembre');
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-11-04', 0)).toBe('2025-11-04');
  });

  it('formats the local day of a moment in the given time zone', () => {
    const moment = '2025-11-04T03:30:00.000Z';
    expect(formatMomentDay(moment, 'en-US', 'UTC')).toBe('Nov 4, 2025');
    expect(formatMomentDay(moment, 'en-US', 'America/Los_Angeles')).toBe('Nov 3, 2025');
  });
});

describe('countdowns and names', () => {
  it('writes seconds as mm:ss', () => {
    expect(formatCountdown(900)).toBe('15:00');
    expect(formatCountdown(899)).toBe('14:59');
    expect(formatCountdown(65)).toBe('01:05');
    expect(formatCountdown(5)).toBe('00:05');
    expect(formatCountdown(0)).toBe('00:00');
    expect(formatCountdown(-3)).toBe('00:00');
    expect(formatCountdown(3600)).toBe('60:00');
    expect(formatCountdown(4.2)).toBe('00:05');
  });

  it('rounds waits up to whole minutes, at least one', () => {
    expect(minutesToWait(900)).toBe(15);
    expect(minutesToWait(901)).toBe(16);
    expect(minutesToWait(5)).toBe(1);
    expect(minutesToWait(0)).toBe(1);
  });

  it('greets by first name', () => {
    expect(firstName('Maria Garcia')).toBe('Maria');
    expect(firstName('  Luis  Ortega ')).toBe('Luis');
    expect(firstName('Cher')).toBe('Cher');
  });
});

describe('moments and how long ago they were', () => {
  it('formats a moment with date and time in the given time zone', () => {
    const text = plain(formatMoment('2025-11-03T22:15:00Z', 'en-US', 'America/Los_Angeles'));
    expect(text).toContain('Nov 3, 2025');
    expect(text).toContain('2:15');
    expect(text).toMatch(/PM/);
    expect(plain(formatMoment('2025-11-03T22:15:00Z', 'es-US', 'America/Los_Angeles'))).toContain(
      '2025',
    );
  });

  it('says how long ago in the largest whole unit, in the language', () => {
    const now = Date.parse('2025-11-03T12:00:00Z');
    expect(formatRelative('2025-11-03T11:59:40Z', now, 'en-US')).toBe('now');
    expect(formatRelative('2025-11-03T11:55:00Z', now, 'en-US')).toBe('5 minutes ago');
    expect(formatRelative('2025-11-03T09:00:00Z', now, 'en-US')).toBe('3 hours ago');
    expect(formatRelative('2025-11-02T12:00:00Z', now, 'en-US')).toBe('yesterday');
    expect(formatRelative('2025-10-20T12:00:00Z', now, 'en-US')).toBe('2 weeks ago');
    expect(formatRelative('2025-11-03T11:55:00Z', now, 'es-US')).toBe('hace 5 minutos');
    expect(formatRelative('2025-11-02T12:00:00Z', now, 'es-US')).toBe('ayer');
  });

  it('rounds validity periods to whole minutes, at least one', () => {
    expect(minutesOf(600)).toBe(10);
    expect(minutesOf(900)).toBe(15);
    expect(minutesOf(20)).toBe(1);
    expect(minutesOf(0)).toBe(1);
  });
});
