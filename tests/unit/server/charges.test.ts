import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PLAN_TAX_BPS,
  REGULATORY_FEE_CENTS,
  renewalCharges,
  renewalTotal,
} from '../../../server/src/billing/charges';
import { PLAN_CATALOGUE } from '../../../server/src/db/migrations/002-plan-catalogue';

describe('renewalCharges', () => {
  it('a plan with taxes and fees included is one line: the price', () => {
    const plan = { id: 'value-15gb', name: 'Value 15 GB', price_cents: 35_00, taxes_included: 1 };
    expect(renewalCharges(plan)).toEqual([
      {
        kind: 'plan',
        item: { kind: 'plan_renewal', planId: 'value-15gb', planName: 'Value 15 GB', period: null },
        amountCents: 35_00,
      },
    ]);
    expect(renewalTotal(plan)).toBe(35_00);
  });

  it('a plan sold plus taxes adds 8.25 % tax and the $1.50 regulatory fee', () => {
    const plan = { id: 'starter-5gb', name: 'Starter 5 GB', price_cents: 25_00, taxes_included: 0 };
    const period = { from: '2026-11-07', to: '2026-12-06' };
    expect(renewalCharges(plan, period)).toEqual([
      {
        kind: 'plan',
        item: { kind: 'plan_renewal', planId: 'starter-5gb', planName: 'Starter 5 GB', period },
        amountCents: 25_00,
      },
      // 8.25 % of $25.00 is $2.0625 → $2.06
      { kind: 'tax', item: { kind: 'tax', name: 'state_and_local' }, amountCents: 206 },
      { kind: 'fee', item: { kind: 'fee', name: 'regulatory_911' }, amountCents: 150 },
    ]);
    expect(renewalTotal(plan)).toBe(25_00 + 206 + 150);
  });

  it('charges what the catalogue plans say', () => {
    const totals = Object.fromEntries(PLAN_CATALOGUE.map((p) => [p.id, renewalTotal(p)]));
    expect(totals).toEqual({
      // $15.00 + $1.2375 → $1.24 tax + $1.50 fee
      'talk-text-1gb': 15_00 + 124 + 150,
      'starter-5gb': 25_00 + 206 + 150,
      'value-15gb': 35_00,
      unlimited: 50_00,
    });
  });

  it('rounds tax half up, in integer cents', () => {
    const tax = (price_cents: number) =>
      renewalCharges({ id: 'p', name: 'P', price_cents, taxes_included: 0 }).find(
        (l) => l.kind === 'tax',
      )!.amountCents;
    expect(tax(200)).toBe(17); // 16.5 → 17
    expect(tax(600)).toBe(50); // 49.5 → 50
    expect(tax(1000)).toBe(83); // 82.5 → 83
    expect(tax(1400)).toBe(116); // 115.5 → 116
    expect(tax(100)).toBe(8); // 8.25 → 8
    expect(tax(1500)).toBe(124); // 123.75 → 124
    expect(tax(0)).toBe(0);
  });

  it('tax is always the exact half-up rounding of price × 8.25 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_00 }), (price) => {
        const lines = renewalCharges({ id: 'p', name: 'P', price_cents: price, taxes_included: 0 });
        const tax = lines.find((l) => l.kind === 'tax')!.amountCents;
        expect(Number.isInteger(tax)).toBe(true);
        // tax = round-half-up(price × 825 / 10000), checked with exact integers.
        const exact = BigInt(price) * BigInt(PLAN_TAX_BPS);
        expect(BigInt(tax) * 10_000n <= exact + 5_000n).toBe(true);
        expect(exact + 5_000n < BigInt(tax + 1) * 10_000n).toBe(true);
        expect(renewalTotal({ name: 'P', price_cents: price, taxes_included: 0 })).toBe(
          price + tax + REGULATORY_FEE_CENTS,
        );
        expect(renewalTotal({ name: 'P', price_cents: price, taxes_included: 1 })).toBe(price);
      }),
      { numRuns: 500 },
    );
  });
});
