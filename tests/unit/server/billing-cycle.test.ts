import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  cycleContaining,
  daysBetween,
  daysLeftInCycle,
  isoDay,
} from '../../../server/src/billing/billing-cycle';

describe('cycleContaining', () => {
  it('a day on or after the anchor starts the cycle this month', () => {
    expect(cycleContaining(15, '2026-06-15')).toEqual({
      start: '2026-06-15',
      end: '2026-07-14',
      renewsOn: '2026-07-15',
    });
    expect(cycleContaining(15, '2026-06-30')).toEqual({
      start: '2026-06-15',
      end: '2026-07-14',
      renewsOn: '2026-07-15',
    });
  });

  it('a day before the anchor belongs to the cycle that started last month', () => {
    expect(cycleContaining(15, '2026-07-14')).toEqual({
      start: '2026-06-15',
      end: '2026-07-14',
      renewsOn: '2026-07-15',
    });
  });

  it('anchor 1 follows calendar months, including 30- and 31-day months', () => {
    expect(cycleContaining(1, '2026-04-30')).toEqual({
      start: '2026-04-01',
      end: '2026-04-30',
      renewsOn: '2026-05-01',
    });
    expect(cycleContaining(1, '2026-05-01')).toEqual({
      start: '2026-05-01',
      end: '2026-05-31',
      renewsOn: '2026-06-01',
    });
  });

  it('crosses the year end in both directions', () => {
    expect(cycleContaining(20, '2026-12-25')).toEqual({
      start: '2026-12-20',
      end: '2027-01-19',
      renewsOn: '2027-01-20',
    });
    expect(cycleContaining(20, '2027-01-05')).toEqual({
      start: '2026-12-20',
      end: '2027-01-19',
      renewsOn: '2027-01-20',
    });
    expect(cycleContaining(1, '2026-12-31')).toEqual({
      start: '2026-12-01',
      end: '2026-12-31',
      renewsOn: '2027-01-01',
    });
    expect(cycleContaining(1, '2027-01-01')).toEqual({
      start: '2027-01-01',
      end: '2027-01-31',
      renewsOn: '2027-02-01',
    });
  });

  it('anchor 28 works through February in a common year', () => {
    expect(cycleContaining(28, '2026-02-27')).toEqual({
      start: '2026-01-28',
      end: '2026-02-27',
      renewsOn: '2026-02-28',
    });
    expect(cycleContaining(28, '2026-02-28')).toEqual({
      start: '2026-02-28',
      end: '2026-03-27',
      renewsOn: '2026-03-28',
    });
    expect(cycleContaining(28, '2026-03-01')).toEqual({
      start: '2026-02-28',
      end: '2026-03-27',
      renewsOn: '2026-03-28',
    });
  });

  it('anchor 28 works through February in a leap year, 29 February included', () => {
    expect(cycleContaining(28, '2028-02-28')).toEqual({
      start: '2028-02-28',
      end: '2028-03-27',
      renewsOn: '2028-03-28',
    });
    expect(cycleContaining(28, '2028-02-29')).toEqual({
      start: '2028-02-28',
      end: '2028-03-27',
      renewsOn: '2028-03-28',
    });
    expect(cycleContaining(1, '2028-02-29')).toEqual({
      start: '2028-02-01',
      end: '2028-02-29',
      renewsOn: '2028-03-01',
    });
  });

  it('refuses anchors outside 1–28', () => {
    for (const anchor of [0, 29, 31, -1, 1.5, Number.NaN]) {
      expect(() => cycleContaining(anchor, '2026-06-15'), String(anchor)).toThrow(RangeError);
    }
    expect(() => cycleContaining(29, '2026-06-15')).toThrow(
      'Cycle anchor day must be 1–28, got 29',
    );
  });

  it('every day belongs to exactly one cycle that starts on the anchor day and lasts a month', () => {
    const day = fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) })
      .map((ms) => isoDay(ms));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 28 }), day, (anchor, d) => {
        const cycle = cycleContaining(anchor, d);
        expect(cycle.start <= d && d <= cycle.end).toBe(true);
        expect(Number(cycle.start.slice(8, 10))).toBe(anchor);
        expect(Number(cycle.renewsOn.slice(8, 10))).toBe(anchor);
        expect(addDays(cycle.end, 1)).toBe(cycle.renewsOn);
        const length = daysBetween(cycle.start, cycle.renewsOn);
        expect(length).toBeGreaterThanOrEqual(28);
        expect(length).toBeLessThanOrEqual(31);
        // The next cycle starts where this one renews; the day before the start is the previous one.
        expect(cycleContaining(anchor, cycle.renewsOn).start).toBe(cycle.renewsOn);
        expect(cycleContaining(anchor, addDays(cycle.start, -1)).renewsOn).toBe(cycle.start);
      }),
      { numRuns: 500 },
    );
  });
});

describe('daysLeftInCycle', () => {
  const cycle = cycleContaining(15, '2026-06-20'); // 2026-06-15 … 2026-07-14

  it('counts today: the first day has the whole cycle left, the last day has 1', () => {
    expect(daysLeftInCycle(cycle, '2026-06-15')).toBe(30);
    expect(daysLeftInCycle(cycle, '2026-06-20')).toBe(25);
    expect(daysLeftInCycle(cycle, '2026-07-14')).toBe(1);
  });

  it('is 0, never negative, once the cycle is over', () => {
    expect(daysLeftInCycle(cycle, '2026-07-15')).toBe(0);
    expect(daysLeftInCycle(cycle, '2027-01-01')).toBe(0);
  });

  it('counts across the year end and through a leap February', () => {
    expect(daysLeftInCycle(cycleContaining(20, '2026-12-31'), '2026-12-31')).toBe(20);
    expect(daysLeftInCycle(cycleContaining(28, '2028-02-29'), '2028-02-29')).toBe(28);
    expect(daysLeftInCycle(cycleContaining(1, '2028-02-01'), '2028-02-01')).toBe(29);
    expect(daysLeftInCycle(cycleContaining(1, '2026-02-01'), '2026-02-01')).toBe(28);
  });
});
