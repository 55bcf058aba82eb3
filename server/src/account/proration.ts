import { daysBetween, daysLeftInCycle, type BillingCycle } from '../billing/billing-cycle';

export interface Proration {
  /** Days the change covers: from today to the end of the cycle, today included. */
  daysLeft: number;
  /** Days in the whole cycle (28 to 31). */
  cycleDays: number;
  /** The current plan's price for `daysLeft`, given back. */
  creditCents: number;
  /** The new plan's price for `daysLeft`. */
  chargeCents: number;
}

/**
 * A change of plan today, in integer cents: the unused part of the current plan is credited and
 * the new plan is charged for the same days. Today counts as unused on the old plan and as used on
 * the new one, so a change on the first day of a cycle swaps whole prices and one on the last day
 * moves one day's worth.
 *
 * Rounding is always in the subscriber's favour: the credit rounds up to the next cent, the charge
 * rounds down (both on integer cents, never through a fraction of a cent). A change to another
 * plan and straight back therefore never costs the subscriber anything. Only the plan price is
 * prorated; taxes and fees are charged with the renewal, as on a statement.
 */
export function prorate(
  cycle: BillingCycle,
  today: string,
  currentPriceCents: number,
  newPriceCents: number,
): Proration {
  const cycleDays = daysBetween(cycle.start, cycle.renewsOn);
  const daysLeft = Math.min(cycleDays, daysLeftInCycle(cycle, today));
  return {
    daysLeft,
    cycleDays,
    creditCents: Math.floor((currentPriceCents * daysLeft + cycleDays - 1) / cycleDays),
    chargeCents: Math.floor((newPriceCents * daysLeft) / cycleDays),
  };
}
