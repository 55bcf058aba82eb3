import type { LineItem } from '../../../contract/line-items';

/** What a plan's renewal charges, line by line. One definition serves statements and "amount due". */

export interface PlanPricing {
  name: string;
  price_cents: number;
  taxes_included: number;
}

/** A plan as its renewal's lines name it. */
export interface RenewedPlan extends PlanPricing {
  id: string;
}

export interface ChargeAmount {
  kind: 'plan' | 'tax' | 'fee';
  amountCents: number;
}

export interface ChargeLine extends ChargeAmount {
  item: LineItem;
}

/** Sales tax on plans sold "plus taxes and fees", in basis points (8.25 %). */
export const PLAN_TAX_BPS = 825;
/** Regulatory and 911 fee per renewal on those plans. */
export const REGULATORY_FEE_CENTS = 150;

/** The amounts of a renewal, without what the lines are called: enough to price one. */
function renewalAmounts(plan: PlanPricing): ChargeAmount[] {
  const amounts: ChargeAmount[] = [{ kind: 'plan', amountCents: plan.price_cents }];
  if (!plan.taxes_included) {
    // Round half up on integer cents: the same rule everywhere a tax is computed.
    amounts.push({
      kind: 'tax',
      amountCents: Math.floor((plan.price_cents * PLAN_TAX_BPS + 5_000) / 10_000),
    });
    amounts.push({ kind: 'fee', amountCents: REGULATORY_FEE_CENTS });
  }
  return amounts;
}

/**
 * The lines of a plan's renewal. `period` is the cycle renewed, when the caller books one; a
 * renewal priced for no cycle in particular names none.
 */
export function renewalCharges(
  plan: RenewedPlan,
  period: { from: string; to: string } | null = null,
): ChargeLine[] {
  return renewalAmounts(plan).map((charge): ChargeLine => {
    switch (charge.kind) {
      case 'plan':
        return {
          ...charge,
          item: { kind: 'plan_renewal', planId: plan.id, planName: plan.name, period },
        };
      case 'tax':
        return { ...charge, item: { kind: 'tax', name: 'state_and_local' } };
      case 'fee':
        return { ...charge, item: { kind: 'fee', name: 'regulatory_911' } };
    }
  });
}

export function renewalTotal(plan: PlanPricing): number {
  return renewalAmounts(plan).reduce((sum, line) => sum + line.amountCents, 0);
}
