import type { Kysely } from 'kysely';
import type { Database, PlansTable } from '../db/schema';
import type { Clock } from '../clock';
import type {
  CycleUsage,
  DataForecast,
  PlanAdvice,
  UsageInsights,
} from '../../../contract/http/insights';
import { unauthorized } from '../errors';
import { addDays, cycleContaining, daysBetween, isoDay } from '../billing/billing-cycle';
import { renewalTotal } from '../billing/charges';
import { toPlan } from './account-service';

/** How many completed cycles the plan advisor looks back over. */
export const ADVISOR_CYCLES = 3;

export interface ForecastInput {
  cycle: { start: string; end: string };
  today: string;
  /** The day the account was opened: days of the cycle before it are not part of the pace. */
  firstDay: string;
  /** The plan's data per cycle in MB; `null` for unlimited. */
  allowanceMb: number | null;
  /** Daily data use; days outside the cycle are ignored and missing days count as 0 MB. */
  days: readonly { date: string; dataMb: number }[];
}

/** `a / b` rounded half up, for non-negative integers. */
function roundDiv(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

/**
 * Where this cycle's data use is heading, at the pace of the cycle so far.
 *
 * The pace is the mean of the cycle's whole days before today. Today is left out because it is
 * not over: counted as a whole day it would pull the pace down every morning. Today still counts
 * for what has been used, and is taken to end at least at the pace (more, if it already has).
 * Days before the account was opened are not measured, so a first partial cycle is not diluted.
 *
 * Arithmetic is exact: every quantity is kept multiplied by the number of days measured, so the
 * run-out day never depends on floating-point rounding.
 */
export function forecastData(input: ForecastInput): DataForecast {
  const { cycle, today, allowanceMb } = input;
  const measureFrom = input.firstDay > cycle.start ? input.firstDay : cycle.start;
  const inCycle = input.days
    .filter((d) => d.date >= cycle.start && d.date <= today && d.date <= cycle.end)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const todayMb = inCycle.filter((d) => d.date === today).reduce((t, d) => t + d.dataMb, 0);
  const measured = inCycle.filter((d) => d.date < today && d.date >= measureFrom);
  const paceTotal = measured.reduce((t, d) => t + d.dataMb, 0);
  const usedMb = inCycle.reduce((t, d) => t + d.dataMb, 0);
  const daysMeasured = Math.max(0, daysBetween(measureFrom, today));

  const base = {
    cycle: { start: cycle.start, end: cycle.end },
    usedMb,
    allowanceMb,
    daysMeasured,
    dailyPaceMb: null,
    projectedMb: null,
    runsOutOn: null,
  };

  if (allowanceMb !== null && usedMb >= allowanceMb) {
    // The day the running total reached the allowance.
    let running = 0;
    let reachedOn = cycle.start;
    for (const d of inCycle) {
      running += d.dataMb;
      if (running >= allowanceMb) {
        reachedOn = d.date;
        break;
      }
    }
    return { ...base, status: 'used_up', runsOutOn: reachedOn };
  }

  const hasPace = daysMeasured > 0 && usedMb > 0;
  if (!hasPace) {
    return { ...base, status: allowanceMb === null ? 'unlimited' : 'not_enough_data' };
  }

  // Scaled by daysMeasured: the pace is then paceTotal a day.
  const D = daysMeasured;
  const todayScaled = Math.max(todayMb * D, paceTotal);
  const endOfTodayScaled = paceTotal * D + todayScaled;
  const daysAfterToday = Math.max(0, daysBetween(today, cycle.end));
  const projectedScaled = endOfTodayScaled + paceTotal * daysAfterToday;
  const paced = {
    ...base,
    dailyPaceMb: roundDiv(paceTotal, D),
    projectedMb: roundDiv(projectedScaled, D),
  };

  if (allowanceMb === null) return { ...paced, status: 'unlimited' };
  const allowanceScaled = allowanceMb * D;
  if (projectedScaled < allowanceScaled) return { ...paced, status: 'lasts' };
  const need = allowanceScaled - endOfTodayScaled;
  // need > 0 here means the pace is above zero, since the projection reached the allowance.
  const extraDays = need <= 0 ? 0 : Math.ceil(need / paceTotal);
  return { ...paced, status: 'runs_out', runsOutOn: addDays(today, extraDays) };
}

/** A plan as the advisor weighs it: its allowances and what a cycle of it costs. */
export type AdvisorPlan = Pick<
  PlansTable,
  | 'id'
  | 'name'
  | 'price_cents'
  | 'currency'
  | 'data_mb'
  | 'talk_minutes'
  | 'texts'
  | 'taxes_included'
  | 'sort_order'
  | 'active'
>;

export interface AdviceInput<P extends AdvisorPlan> {
  current: P;
  /** The plan catalogue; inactive plans and plans in another currency are never suggested. */
  catalogue: readonly P[];
  /** The completed cycles to judge by, newest first (at most {@link ADVISOR_CYCLES}). */
  cycles: readonly CycleUsage[];
}

export interface Advice<P extends AdvisorPlan> {
  reason: PlanAdvice['reason'];
  currentCycleCostCents: number;
  recommendation: { plan: P; cycleCostCents: number; savingsCents: number } | null;
}

/** What a cycle of the plan costs the subscriber: the price plus any taxes and fees. */
export function cycleCost(plan: AdvisorPlan): number {
  return renewalTotal(plan);
}

/**
 * Whether the plan's allowances covered a cycle. Hotspot use is not metered per day, so it is
 * not weighed; data is the high-speed allowance (use past it would have been slowed or stopped).
 */
export function covers(plan: AdvisorPlan, usage: CycleUsage): boolean {
  const within = (used: number, allowance: number | null) =>
    allowance === null || used <= allowance;
  return (
    within(usage.dataMb, plan.data_mb) &&
    within(usage.minutes, plan.talk_minutes) &&
    within(usage.texts, plan.texts)
  );
}

/**
 * The cheapest active plan that would have covered every one of the cycles, when it is cheaper
 * than the current plan. Cost is what a cycle of the plan is charged, taxes and fees included,
 * since that is what a subscriber would save. Savings compare the current plan's price today
 * with the other plan's, over the same cycles. Equal costs go to the catalogue's order, and a
 * plan that costs the same as the current one is no reason to switch.
 */
export function advisePlan<P extends AdvisorPlan>(input: AdviceInput<P>): Advice<P> {
  const { current, cycles } = input;
  const currentCycleCostCents = cycleCost(current);
  if (cycles.length === 0) {
    return { reason: 'not_enough_history', currentCycleCostCents, recommendation: null };
  }
  const fits = (plan: P) => cycles.every((usage) => covers(plan, usage));
  const candidates = input.catalogue
    .filter((p) => p.active === 1 && p.currency === current.currency && p.id !== current.id)
    .filter(fits)
    .map((plan) => ({ plan, cost: cycleCost(plan) }))
    .sort(
      (a, b) =>
        a.cost - b.cost ||
        a.plan.sort_order - b.plan.sort_order ||
        (a.plan.id < b.plan.id ? -1 : a.plan.id > b.plan.id ? 1 : 0),
    );
  const cheapest = candidates[0];
  if (cheapest && cheapest.cost < currentCycleCostCents) {
    return {
      reason: 'cheaper_plan',
      currentCycleCostCents,
      recommendation: {
        plan: cheapest.plan,
        cycleCostCents: cheapest.cost,
        savingsCents: (currentCycleCostCents - cheapest.cost) * cycles.length,
      },
    };
  }
  if (!cheapest && !fits(current)) {
    return { reason: 'no_plan_fits', currentCycleCostCents, recommendation: null };
  }
  return { reason: 'current_plan_best', currentCycleCostCents, recommendation: null };
}

/**
 * The completed cycles before the current one, newest first, at most `count`, and none that
 * began before the account was opened (a partial first cycle would understate its usage).
 */
export function completedCycles(
  anchorDay: number,
  currentStart: string,
  firstDay: string,
  count = ADVISOR_CYCLES,
): { start: string; end: string }[] {
  const cycles: { start: string; end: string }[] = [];
  let before = addDays(currentStart, -1);
  while (cycles.length < count) {
    const cycle = cycleContaining(anchorDay, before);
    if (cycle.start < firstDay) break;
    cycles.push({ start: cycle.start, end: cycle.end });
    before = addDays(cycle.start, -1);
  }
  return cycles;
}

/** Totals of each cycle from daily rows. */
export function totalsByCycle(
  cycles: readonly { start: string; end: string }[],
  days: readonly { day: string; data_mb: number; minutes: number; texts: number }[],
): CycleUsage[] {
  return cycles.map((cycle) => {
    const inside = days.filter((d) => d.day >= cycle.start && d.day <= cycle.end);
    return {
      start: cycle.start,
      end: cycle.end,
      dataMb: inside.reduce((t, d) => t + d.data_mb, 0),
      minutes: inside.reduce((t, d) => t + d.minutes, 0),
      texts: inside.reduce((t, d) => t + d.texts, 0),
    };
  });
}

/** Loads what the insights need for one subscriber and hands it to the functions above. */
export class InsightsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async insights(subscriberId: string): Promise<UsageInsights> {
    const today = isoDay(this.clock.now());
    const subscriber = await this.db
      .selectFrom('subscribers')
      .select(['plan_id', 'cycle_anchor_day', 'created_at'])
      .where('id', '=', subscriberId)
      .executeTakeFirst();
    // The token was valid but the account is gone (deleted by an administrator).
    if (!subscriber) throw unauthorized('This account no longer exists.');
    const firstDay = isoDay(subscriber.created_at);
    const cycle = cycleContaining(subscriber.cycle_anchor_day, today);
    const past = completedCycles(subscriber.cycle_anchor_day, cycle.start, firstDay);
    const from = past.at(-1)?.start ?? cycle.start;
    const [catalogue, days] = await Promise.all([
      this.db.selectFrom('plans').selectAll().orderBy('sort_order').orderBy('id').execute(),
      this.db
        .selectFrom('usage_daily')
        .select(['day', 'data_mb', 'minutes', 'texts'])
        .where('subscriber_id', '=', subscriberId)
        .where('day', '>=', from)
        .where('day', '<=', today)
        .execute(),
    ]);
    const current = catalogue.find((p) => p.id === subscriber.plan_id);
    if (!current) throw new Error(`Plan ${subscriber.plan_id} is missing from the catalogue`);

    const forecast = forecastData({
      cycle,
      today,
      firstDay,
      allowanceMb: current.data_mb,
      days: days.map((d) => ({ date: d.day, dataMb: d.data_mb })),
    });
    const cycles = totalsByCycle(past, days);
    const advice = advisePlan({ current, catalogue, cycles });
    const money = (amountCents: number) => ({ amountCents, currency: current.currency });
    return {
      forecast,
      advisor: {
        reason: advice.reason,
        cycles,
        currentCycleCost: money(advice.currentCycleCostCents),
        recommendation: advice.recommendation && {
          plan: toPlan(advice.recommendation.plan),
          cycleCost: money(advice.recommendation.cycleCostCents),
          savings: money(advice.recommendation.savingsCents),
        },
      },
    };
  }
}
