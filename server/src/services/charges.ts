/** What a plan's renewal charges, line by line. One definition serves statements and "amount due". */

export interface PlanPricing {
  name: string;
  price_cents: number;
  taxes_included: number;
}

export interface ChargeLine {
  kind: 'plan' | 'tax' | 'fee';
  description: string;
  amountCents: number;
}

/** Sales tax on plans sold "plus taxes and fees", in basis points (8.25 %). */
export const PLAN_TAX_BPS = 825;
/** Regulatory and 911 fee per renewal on those plans. */
export const REGULATORY_FEE_CENTS = 150;

export function renewalCharges(plan: PlanPricing): ChargeLine[] {
  const lines: ChargeLine[] = [
    { kind: 'plan', description: `${plan.name} plan, monthly`, amountCents: plan.price_cents },
  ];
  if (!plan.taxes_included) {
    lines.push({
      kind: 'tax',
      description: 'State and local taxes',
      // Round half up on integer cents: the same rule everywhere a tax is computed.
      amountCents: Math.floor((plan.price_cents * PLAN_TAX_BPS + 5_000) / 10_000),
    });
    lines.push({
      kind: 'fee',
      description: 'Regulatory and 911 fee',
      amountCents: REGULATORY_FEE_CENTS,
    });
  }
  return lines;
}

export function renewalTotal(plan: PlanPricing): number {
  return renewalCharges(plan).reduce((sum, line) => sum + line.amountCents, 0);
}
