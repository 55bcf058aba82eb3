import { z } from 'zod';
import { Money } from '../money';
import { IsoDate, Plan } from './account';

/**
 * Where this cycle's data use is heading.
 * - `unlimited`: the plan has no data cap, so nothing runs out (the projection is still given).
 * - `not_enough_data`: no data used yet this cycle, or no whole day of it to measure a pace from.
 * - `used_up`: the allowance is already used; `runsOutOn` is the day it was reached.
 * - `runs_out`: at this pace the allowance is used before the cycle ends, on `runsOutOn`.
 * - `lasts`: at this pace the allowance lasts the whole cycle.
 */
export const DataForecastStatus = z.enum([
  'unlimited',
  'not_enough_data',
  'used_up',
  'runs_out',
  'lasts',
]);
export type DataForecastStatus = z.infer<typeof DataForecastStatus>;

export const DataForecast = z.object({
  status: DataForecastStatus,
  cycle: z.object({ start: IsoDate, end: IsoDate }),
  /** Data used this cycle, today included. */
  usedMb: z.number().int().nonnegative(),
  /** `null` for an unlimited plan. */
  allowanceMb: z.number().int().nonnegative().nullable(),
  /** Whole days the pace is measured over: the cycle's days before today. */
  daysMeasured: z.number().int().nonnegative(),
  /** Mean MB a day over those days, rounded; `null` when there is no pace to measure yet. */
  dailyPaceMb: z.number().int().nonnegative().nullable(),
  /** Data used by the end of the cycle at this pace, rounded; `null` without a pace. */
  projectedMb: z.number().int().nonnegative().nullable(),
  /** For `runs_out` and `used_up`; otherwise `null`. */
  runsOutOn: IsoDate.nullable(),
});
export type DataForecast = z.infer<typeof DataForecast>;

/** One completed cycle's totals, as the plan advisor weighed them. */
export const CycleUsage = z.object({
  start: IsoDate,
  end: IsoDate,
  dataMb: z.number().int().nonnegative(),
  minutes: z.number().int().nonnegative(),
  texts: z.number().int().nonnegative(),
});
export type CycleUsage = z.infer<typeof CycleUsage>;

/**
 * Why the advisor suggests what it does.
 * - `cheaper_plan`: `recommendation` names a cheaper plan that covered every cycle considered.
 * - `not_enough_history`: no completed cycle yet to judge by.
 * - `current_plan_best`: no cheaper active plan covered every cycle considered.
 * - `no_plan_fits`: no active plan at all covered every cycle considered.
 */
export const PlanAdviceReason = z.enum([
  'cheaper_plan',
  'not_enough_history',
  'current_plan_best',
  'no_plan_fits',
]);
export type PlanAdviceReason = z.infer<typeof PlanAdviceReason>;

export const PlanRecommendation = z.object({
  plan: Plan,
  /** What the plan costs a cycle, taxes and fees included. */
  cycleCost: Money,
  /** What it would have saved over the cycles considered against the current plan; always > 0. */
  savings: Money,
});
export type PlanRecommendation = z.infer<typeof PlanRecommendation>;

export const PlanAdvice = z.object({
  reason: PlanAdviceReason,
  /** The last (up to three) completed cycles, newest first. */
  cycles: z.array(CycleUsage).max(3),
  /** What the current plan costs a cycle, taxes and fees included. */
  currentCycleCost: Money,
  recommendation: PlanRecommendation.nullable(),
});
export type PlanAdvice = z.infer<typeof PlanAdvice>;

/** `GET /v1/account/insights`. */
export const UsageInsights = z.object({
  forecast: DataForecast,
  advisor: PlanAdvice,
});
export type UsageInsights = z.infer<typeof UsageInsights>;
