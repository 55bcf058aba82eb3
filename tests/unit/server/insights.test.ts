import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataForecast } from '../../../contract/http/insights';
import { PLAN_CATALOGUE } from '../../../server/src/db/migrations/002-plan-catalogue';
import { addDays, cycleContaining, daysBetween } from '../../../server/src/billing/billing-cycle';
import {
  advisePlan,
  completedCycles,
  covers,
  cycleCost,
  forecastData,
  totalsByCycle,
  type AdvisorPlan,
  type ForecastInput,
} from '../../../server/src/account/insights';

/** `count` days from `start`, each using `mb` (or what `mb` says for the nth day). */
function daily(start: string, count: number, mb: number | ((n: number) => number)) {
  return Array.from({ length: count }, (_, n) => ({
    date: addDays(start, n),
    dataMb: typeof mb === 'number' ? mb : mb(n),
  }));
}

const CYCLE = { start: '2026-11-07', end: '2026-12-06' };

function forecast(overrides: Partial<ForecastInput>) {
  const result = forecastData({
    cycle: CYCLE,
    today: '2026-11-17',
    firstDay: '2025-01-01',
    allowanceMb: 5_000,
    days: [],
    ...overrides,
  });
  // Whatever the case, the answer is one the contract accepts.
  expect(DataForecast.parse(result)).toEqual(result);
  return result;
}

describe('forecastData', () => {
  it('measures the pace over the whole days before today and finds the run-out day', () => {
    // 10 whole days at 200 MB (2,000 MB), today 50 MB so far: 2,050 MB used, 4,950 MB to go.
    const result = forecast({
      days: [...daily(CYCLE.start, 10, 200), { date: '2026-11-17', dataMb: 50 }],
    });
    // Today ends at the pace (200): 2,200 by tonight; 5,000 is reached 14 days later
    // (2,200 + 14 × 200 = 5,000).
    expect(result).toMatchObject({
      status: 'runs_out',
      usedMb: 2_050,
      daysMeasured: 10,
      dailyPaceMb: 200,
      runsOutOn: '2026-12-01',
      // 2,200 tonight + 19 more days × 200.
      projectedMb: 2_200 + 19 * 200,
    });
  });

  it('runs out on the very day the allowance is reached, and on the last day when it ends exactly full', () => {
    // 30-day cycle, 10 days measured at 100 MB: 3,000 MB projected.
    const days = daily(CYCLE.start, 10, 100);
    expect(forecast({ allowanceMb: 3_000, days })).toMatchObject({
      status: 'runs_out',
      projectedMb: 3_000,
      runsOutOn: CYCLE.end,
    });
    expect(forecast({ allowanceMb: 3_001, days })).toMatchObject({
      status: 'lasts',
      projectedMb: 3_000,
      runsOutOn: null,
    });
  });

  it('says the data lasts when the pace stays under the allowance', () => {
    const result = forecast({ days: daily(CYCLE.start, 10, 100), allowanceMb: 15_360 });
    expect(result).toMatchObject({ status: 'lasts', dailyPaceMb: 100, projectedMb: 3_000 });
  });

  it('takes today at its actual use when that is already above the pace', () => {
    // Pace 100; today 1,000 so far: 2,000 by tonight, then 100 a day: 3,900 reached 19 days on.
    const days = [...daily(CYCLE.start, 10, 100), { date: '2026-11-17', dataMb: 1_000 }];
    expect(forecast({ days, allowanceMb: 3_900 })).toMatchObject({
      status: 'runs_out',
      usedMb: 2_000,
      runsOutOn: '2026-12-06',
      projectedMb: 2_000 + 19 * 100,
    });
    // Today may be the day it runs out: 1,010 used, and the rest of today at the pace.
    const slowToday = [...daily(CYCLE.start, 10, 100), { date: '2026-11-17', dataMb: 10 }];
    expect(forecast({ days: slowToday, allowanceMb: 1_050 })).toMatchObject({
      status: 'runs_out',
      runsOutOn: '2026-11-17',
    });
  });

  it('has no pace on day 1 of the cycle', () => {
    const result = forecast({ today: CYCLE.start, days: [{ date: CYCLE.start, dataMb: 300 }] });
    expect(result).toMatchObject({
      status: 'not_enough_data',
      usedMb: 300,
      daysMeasured: 0,
      dailyPaceMb: null,
      projectedMb: null,
      runsOutOn: null,
    });
  });

  it('has nothing to say before any data is used', () => {
    expect(forecast({ days: [] })).toMatchObject({ status: 'not_enough_data', usedMb: 0 });
    expect(forecast({ days: daily(CYCLE.start, 11, 0) })).toMatchObject({
      status: 'not_enough_data',
      daysMeasured: 10,
      dailyPaceMb: null,
    });
  });

  it('reports an allowance already used up, with the day it was reached', () => {
    const days = daily(CYCLE.start, 11, 600);
    // 600 a day: 5,000 is passed on the 9th day (5,400).
    expect(forecast({ days })).toMatchObject({
      status: 'used_up',
      usedMb: 6_600,
      runsOutOn: addDays(CYCLE.start, 8),
    });
    // Even on day 1.
    expect(
      forecast({ today: CYCLE.start, days: [{ date: CYCLE.start, dataMb: 5_000 }] }),
    ).toMatchObject({ status: 'used_up', runsOutOn: CYCLE.start });
  });

  it('never runs out on an unlimited plan, but still projects the total', () => {
    expect(forecast({ allowanceMb: null, days: daily(CYCLE.start, 11, 2_000) })).toMatchObject({
      status: 'unlimited',
      runsOutOn: null,
      dailyPaceMb: 2_000,
      projectedMb: 30 * 2_000,
    });
    expect(forecast({ allowanceMb: null, days: [] })).toMatchObject({
      status: 'unlimited',
      projectedMb: null,
    });
  });

  it('ignores usage outside the cycle and days before the account was opened', () => {
    const days = [
      { date: addDays(CYCLE.start, -1), dataMb: 9_999 },
      ...daily('2026-11-12', 5, 300),
      { date: '2026-11-18', dataMb: 9_999 },
    ];
    // Opened on the 12th: 5 days measured (12th–16th), not 10.
    expect(forecast({ firstDay: '2026-11-12', days })).toMatchObject({
      usedMb: 1_500,
      daysMeasured: 5,
      dailyPaceMb: 300,
    });
  });

  it('counts a leap day in a February cycle', () => {
    // Cycle 2028-02-10 – 2028-03-09 holds 29 February: 29 days.
    const cycle = cycleContaining(10, '2028-02-20');
    expect(cycle.end).toBe('2028-03-09');
    const result = forecast({
      cycle,
      today: '2028-02-20',
      allowanceMb: 2_000,
      days: daily(cycle.start, 10, 100),
    });
    // 1,000 by the 19th; 1,100 tonight; 2,000 nine days on: 29 February.
    expect(result).toMatchObject({ status: 'runs_out', runsOutOn: '2028-02-29' });
    expect(result.projectedMb).toBe(29 * 100);
  });

  it('crosses a month end and a short month the same way', () => {
    // Anchor 28: 2027-01-28 – 2027-02-27 (31 days), a non-leap February.
    const cycle = cycleContaining(28, '2027-02-01');
    expect(cycle).toMatchObject({ start: '2027-01-28', end: '2027-02-27' });
    const result = forecast({
      cycle,
      today: '2027-02-01',
      allowanceMb: 1_000,
      days: daily(cycle.start, 4, 50),
    });
    // 200 by the 31st, 250 tonight, 1,000 fifteen days on: 16 February.
    expect(result).toMatchObject({
      status: 'runs_out',
      runsOutOn: '2027-02-16',
      projectedMb: 31 * 50,
    });
  });

  it('puts the run-out day on the first day the projected running total reaches the allowance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 1, max: 27 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 31, maxLength: 31 }),
        fc.integer({ min: 1, max: 40_000 }),
        (anchor, dayIndex, usage, allowanceMb) => {
          const cycle = cycleContaining(anchor, '2026-03-15');
          const today = addDays(cycle.start, dayIndex);
          const days = usage.map((mb, n) => ({ date: addDays(cycle.start, n), dataMb: mb }));
          const r = forecastData({ cycle, today, firstDay: '2020-01-01', allowanceMb, days });
          if (r.status !== 'runs_out') return;
          // Recompute with plain floats, day by day.
          const measured = days.filter((d) => d.date < today);
          const pace = measured.reduce((t, d) => t + d.dataMb, 0) / measured.length;
          const todayMb = days.find((d) => d.date === today)!.dataMb;
          let running = measured.reduce((t, d) => t + d.dataMb, 0) + Math.max(todayMb, pace);
          let day = today;
          while (running < allowanceMb - 1e-9) {
            day = addDays(day, 1);
            running += pace;
          }
          expect(r.runsOutOn).toBe(day);
          expect(daysBetween(day, cycle.end)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

/** A small catalogue like the seeded one, with costs easy to read: taxes included everywhere. */
function plan(
  id: string,
  priceCents: number,
  data: number | null,
  extra: Partial<AdvisorPlan> = {},
): AdvisorPlan {
  return {
    id,
    name: id,
    price_cents: priceCents,
    currency: 'USD',
    data_mb: data,
    talk_minutes: null,
    texts: null,
    taxes_included: 1,
    sort_order: 0,
    active: 1,
    ...extra,
  };
}

const usage = (dataMb: number, minutes = 0, texts = 0, start = '2026-10-07') => ({
  start,
  end: addDays(start, 29),
  dataMb,
  minutes,
  texts,
});

describe('advisePlan', () => {
  const small = plan('small', 15_00, 1_024, { talk_minutes: 500, texts: 1_000, sort_order: 10 });
  const medium = plan('medium', 25_00, 5_120, { sort_order: 20 });
  const large = plan('large', 35_00, 15_360, { sort_order: 30 });
  const unlimited = plan('unlimited', 50_00, null, { sort_order: 40 });
  const catalogue = [small, medium, large, unlimited];

  it('suggests the cheapest plan that covered every cycle, with the savings over them', () => {
    const advice = advisePlan({
      current: large,
      catalogue,
      cycles: [usage(3_000), usage(4_800), usage(2_000)],
    });
    expect(advice).toEqual({
      reason: 'cheaper_plan',
      currentCycleCostCents: 35_00,
      recommendation: { plan: medium, cycleCostCents: 25_00, savingsCents: 3 * 10_00 },
    });
  });

  it('judges by the busiest cycle: one cycle over a plan rules it out', () => {
    const advice = advisePlan({
      current: unlimited,
      catalogue,
      cycles: [usage(3_000), usage(5_121), usage(900)],
    });
    expect(advice.recommendation?.plan.id).toBe('large');
    expect(advice.recommendation?.savingsCents).toBe(3 * 15_00);
  });

  it('weighs minutes and texts as well as data', () => {
    const cycles = [usage(500, 501, 10)];
    expect(covers(small, cycles[0]!)).toBe(false);
    expect(advisePlan({ current: large, catalogue, cycles }).recommendation?.plan.id).toBe(
      'medium',
    );
    expect(covers(small, usage(1_024, 500, 1_000))).toBe(true);
  });

  it('counts savings over the completed cycles there are, when fewer than three', () => {
    const advice = advisePlan({ current: unlimited, catalogue, cycles: [usage(800)] });
    expect(advice.recommendation).toMatchObject({ plan: small, savingsCents: 35_00 });
  });

  it('compares what a cycle costs, taxes and fees included', () => {
    // A lower sticker price with taxes and fees on top can cost more than a taxes-included plan.
    const taxed = plan('taxed', 33_00, 15_360, { taxes_included: 0 });
    expect(cycleCost(taxed)).toBe(33_00 + 272 + 150);
    const advice = advisePlan({
      current: large,
      catalogue: [taxed, large],
      cycles: [usage(9_000)],
    });
    expect(advice).toMatchObject({ reason: 'current_plan_best', recommendation: null });
    // The seeded catalogue: Starter 5 GB costs $25.00 + $2.06 tax + $1.50 fee.
    const starter = PLAN_CATALOGUE.find((p) => p.id === 'starter-5gb')!;
    expect(cycleCost(starter)).toBe(28_56);
  });

  it('breaks ties between equally priced plans by the catalogue order', () => {
    const a = plan('a', 20_00, 5_120, { sort_order: 20 });
    const b = plan('b', 20_00, 6_000, { sort_order: 10 });
    const advice = advisePlan({ current: large, catalogue: [a, b, large], cycles: [usage(100)] });
    expect(advice.recommendation?.plan.id).toBe('b');
    expect(advice.recommendation?.savingsCents).toBe(15_00);
  });

  it('keeps the current plan when another plan costs the same', () => {
    const twin = plan('twin', 35_00, 20_000, { sort_order: 5 });
    expect(
      advisePlan({ current: large, catalogue: [twin, large], cycles: [usage(9_000)] }),
    ).toMatchObject({ reason: 'current_plan_best', recommendation: null });
  });

  it('keeps the current plan when it is already the cheapest that fits', () => {
    expect(
      advisePlan({ current: medium, catalogue, cycles: [usage(4_000), usage(5_000)] }),
    ).toEqual({ reason: 'current_plan_best', currentCycleCostCents: 25_00, recommendation: null });
    expect(advisePlan({ current: small, catalogue, cycles: [usage(10)] }).reason).toBe(
      'current_plan_best',
    );
  });

  it('says so when no plan covered the usage', () => {
    const capped = [small, medium, large];
    expect(
      advisePlan({ current: large, catalogue: capped, cycles: [usage(20_000)] }),
    ).toMatchObject({ reason: 'no_plan_fits', recommendation: null });
    // A pricier plan that fits is not a saving: the current plan stays.
    expect(advisePlan({ current: medium, catalogue, cycles: [usage(6_000)] })).toMatchObject({
      reason: 'current_plan_best',
      recommendation: null,
    });
  });

  it('never suggests an inactive plan or one in another currency', () => {
    const retired = plan('retired', 5_00, 50_000, { active: 0 });
    const euro = plan('euro', 5_00, 50_000, { currency: 'EUR' });
    expect(
      advisePlan({ current: large, catalogue: [retired, euro, large], cycles: [usage(100)] }),
    ).toMatchObject({ reason: 'current_plan_best', recommendation: null });
  });

  it('has no advice before a cycle has been completed', () => {
    expect(advisePlan({ current: unlimited, catalogue, cycles: [] })).toEqual({
      reason: 'not_enough_history',
      currentCycleCostCents: 50_00,
      recommendation: null,
    });
  });
});

describe('completed cycles', () => {
  it('goes back up to three whole cycles, newest first', () => {
    expect(completedCycles(7, '2026-11-07', '2020-01-01')).toEqual([
      { start: '2026-10-07', end: '2026-11-06' },
      { start: '2026-09-07', end: '2026-10-06' },
      { start: '2026-08-07', end: '2026-09-06' },
    ]);
  });

  it('stops at the account opening, leaving out a partial first cycle', () => {
    expect(completedCycles(7, '2026-11-07', '2026-09-07')).toHaveLength(2);
    expect(completedCycles(7, '2026-11-07', '2026-09-08')).toHaveLength(1);
    expect(completedCycles(7, '2026-11-07', '2026-11-01')).toEqual([]);
  });

  it('sums daily rows into each cycle', () => {
    const cycles = completedCycles(28, '2027-03-28', '2020-01-01', 2);
    expect(cycles).toEqual([
      { start: '2027-02-28', end: '2027-03-27' },
      { start: '2027-01-28', end: '2027-02-27' },
    ]);
    const rows = [
      { day: '2027-02-27', data_mb: 10, minutes: 1, texts: 2 },
      { day: '2027-02-28', data_mb: 20, minutes: 3, texts: 4 },
      { day: '2027-03-27', data_mb: 30, minutes: 5, texts: 6 },
      { day: '2027-03-28', data_mb: 999, minutes: 9, texts: 9 },
    ];
    expect(totalsByCycle(cycles, rows)).toEqual([
      { start: '2027-02-28', end: '2027-03-27', dataMb: 50, minutes: 8, texts: 10 },
      { start: '2027-01-28', end: '2027-02-27', dataMb: 10, minutes: 1, texts: 2 },
    ]);
  });
});
