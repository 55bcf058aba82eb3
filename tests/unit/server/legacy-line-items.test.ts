import { describe, expect, it } from 'vitest';
import { LineItem } from '../../../contract/line-items';
import { PLAN_CATALOGUE } from '../../../server/src/db/migrations/002-plan-catalogue';
import { ADD_ON_CATALOGUE } from '../../../server/src/db/migrations/008-plan-changes';
import {
  legacyLineItem,
  legacySentence,
  type LegacyCatalogue,
  type LegacyContext,
} from '../../../server/src/db/migrations/019-line-items';

const catalogue: LegacyCatalogue = {
  planIdByName: new Map(PLAN_CATALOGUE.map((p) => [p.name, p.id])),
  planNameById: new Map(PLAN_CATALOGUE.map((p) => [p.id, p.name])),
  addOnByName: new Map(ADD_ON_CATALOGUE.map((a) => [a.name, { ...a }])),
};
const addOnNames = new Map(ADD_ON_CATALOGUE.map((a) => [a.id, a.name]));
const planChange = { fromPlanId: 'starter-5gb', toPlanId: 'value-15gb' };

describe('the sentences the API wrote before line items had kinds', () => {
  it('read as the kinds they stand for, with what the rows around them tell', () => {
    const cases: [string, LegacyContext, LineItem][] = [
      [
        'Talk & Text 1 GB plan, monthly',
        {},
        {
          kind: 'plan_renewal',
          planId: 'talk-text-1gb',
          planName: 'Talk & Text 1 GB',
          period: null,
        },
      ],
      ['State and local taxes', {}, { kind: 'tax', name: 'state_and_local' }],
      ['Regulatory and 911 fee', {}, { kind: 'fee', name: 'regulatory_911' }],
      ['AutoPay discount', {}, { kind: 'autopay_discount' }],
      ['Refill card', {}, { kind: 'refill_pin' }],
      [
        'Card payment',
        { card: { brand: 'discover', last4: '0001' } },
        { kind: 'card_payment', brand: 'discover', last4: '0001' },
      ],
      ['Card payment', {}, { kind: 'card_payment', brand: 'unknown', last4: null }],
      [
        'AutoPay',
        { card: { brand: 'not-a-brand', last4: '12' } },
        { kind: 'autopay_payment', brand: 'unknown', last4: null },
      ],
      [
        'Value 15 GB plan, 12 of 30 days',
        { planChange },
        {
          kind: 'plan_change_charge',
          fromPlanId: 'starter-5gb',
          fromPlanName: 'Starter 5 GB',
          toPlanId: 'value-15gb',
          toPlanName: 'Value 15 GB',
          days: 12,
          cycleDays: 30,
        },
      ],
      [
        '5 GB data pass, until 2026-12-06',
        {},
        { kind: 'data_pass', addOnId: 'data-5gb', dataMb: 5 * 1024, until: '2026-12-06' },
      ],
      [
        'International 100 minutes, until 2026-12-06',
        {},
        { kind: 'international_pass', addOnId: 'intl-100min', minutes: 100, until: '2026-12-06' },
      ],
    ];
    for (const [sentence, context, item] of cases) {
      const read = legacyLineItem(sentence, catalogue, context);
      expect(read, sentence).toEqual(item);
      expect(LineItem.parse(read)).toEqual(read);
    }
  });

  it('keep their words when they match no kind, or name what nothing tells', () => {
    for (const sentence of [
      'Goodwill credit',
      'Platinum plan, monthly',
      // A plan change's sentence with no plan change behind it.
      'Value 15 GB plan, 12 of 30 days',
      'Unused 12 of 30 days of Starter 5 GB',
      'Streaming pass, until 2026-12-06',
      'card payment',
      '',
    ]) {
      expect(legacyLineItem(sentence, catalogue), sentence).toEqual({
        kind: 'other',
        text: sentence,
      });
    }
  });

  it('are written back word for word on a rollback, and read again as the same items', () => {
    const cases: [LineItem, LegacyContext, 'ledger_entries' | 'payments'][] = [
      [
        { kind: 'plan_renewal', planId: 'unlimited', planName: 'Unlimited', period: null },
        {},
        'ledger_entries',
      ],
      [
        {
          kind: 'plan_change_credit',
          fromPlanId: 'starter-5gb',
          fromPlanName: 'Starter 5 GB',
          toPlanId: 'value-15gb',
          toPlanName: 'Value 15 GB',
          days: 3,
          cycleDays: 31,
        },
        { planChange },
        'ledger_entries',
      ],
      [
        { kind: 'data_pass', addOnId: 'data-1gb', dataMb: 1024, until: '2026-12-06' },
        {},
        'ledger_entries',
      ],
      [
        { kind: 'autopay_payment', brand: 'visa', last4: '4242' },
        { card: { brand: 'visa', last4: '4242' } },
        'payments',
      ],
      [
        { kind: 'autopay_payment', brand: 'visa', last4: '4242' },
        { card: { brand: 'visa', last4: '4242' } },
        'ledger_entries',
      ],
      [{ kind: 'other', text: 'Goodwill credit' }, {}, 'ledger_entries'],
    ];
    for (const [item, context, table] of cases) {
      const sentence = legacySentence(item, table, addOnNames);
      expect(legacyLineItem(sentence, catalogue, context), sentence).toEqual(item);
    }
    expect(
      legacySentence(
        { kind: 'autopay_payment', brand: 'visa', last4: null },
        'payments',
        addOnNames,
      ),
    ).toBe('AutoPay');
    expect(
      legacySentence(
        { kind: 'autopay_payment', brand: 'visa', last4: null },
        'ledger_entries',
        addOnNames,
      ),
    ).toBe('AutoPay payment');
  });
});
