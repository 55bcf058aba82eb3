/// <reference types="svelte" />
import { describe, expect, it } from 'vitest';
import { StatementDetail } from '../../../contract/http/account';
import { lineItemText as contractText } from '../../../contract/line-item-words';
import { LINE_ITEM_KINDS } from '../../../contract/line-items';
import { SUPPORTED_LANGUAGES } from '../../../contract/settings';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { I18n } from '../../../renderer/src/i18n/i18n.svelte';
import { flattenKeys } from '../../../renderer/src/i18n/keys';
import { lineItemText } from '../../../renderer/src/lib/line-items';
import { ALL_LINE_ITEM_SAMPLES, plainSpaces } from '../contract/support/line-item-samples';

describe('line items in the app', () => {
  it('have words in both catalogues for every kind but the one kept in its own words', () => {
    for (const catalogue of [en, es]) {
      const keys = flattenKeys(catalogue);
      for (const kind of LINE_ITEM_KINDS.filter((k) => k !== 'other')) {
        expect(
          keys.some((key) => key === `lineItems.${kind}` || key.startsWith(`lineItems.${kind}.`)),
          kind,
        ).toBe(true);
      }
    }
  });

  it.each(SUPPORTED_LANGUAGES)(
    'read in %s as they should, and as the API’s files and the printed receipts word them',
    (language) => {
      const i18n = new I18n(language);
      for (const sample of ALL_LINE_ITEM_SAMPLES) {
        const text = lineItemText(sample.item, i18n);
        const what = JSON.stringify(sample.item);
        expect(text, what).not.toMatch(/\{\{|lineItems\./);
        expect(plainSpaces(text), what).toBe(sample[language]);
        expect(text, what).toBe(contractText(sample.item, language));
      }
    },
  );

  it('follow the language as soon as it changes', () => {
    const i18n = new I18n('en');
    const item = { kind: 'refill_pin' } as const;
    expect(lineItemText(item, i18n)).toBe('Refill card');
    i18n.language = 'es';
    expect(lineItemText(item, i18n)).toBe('Tarjeta de recarga');
  });

  it('show a statement the API sent in Spanish, line by line', () => {
    // As `GET /v1/account/statements/{id}` answers: kinds and parameters, no sentences.
    const statement = StatementDetail.parse({
      id: 'demo-0100-st-2026-11-12',
      periodStart: '2026-11-12',
      periodEnd: '2026-12-11',
      issuedAt: '2026-11-12T06:00:00.000Z',
      dueDate: '2026-11-12',
      total: { amountCents: 32_06, currency: 'USD' },
      status: 'paid',
      planName: 'Starter 5 GB',
      lines: [
        {
          id: 'l0',
          kind: 'plan',
          item: {
            kind: 'plan_renewal',
            planId: 'starter-5gb',
            planName: 'Starter 5 GB',
            period: { from: '2026-11-12', to: '2026-12-11' },
          },
          amount: { amountCents: 25_00, currency: 'USD' },
        },
        {
          id: 'l1',
          kind: 'tax',
          item: { kind: 'tax', name: 'state_and_local' },
          amount: { amountCents: 206, currency: 'USD' },
        },
        {
          id: 'l2',
          kind: 'fee',
          item: { kind: 'fee', name: 'regulatory_911' },
          amount: { amountCents: 150, currency: 'USD' },
        },
        {
          id: 'l3',
          kind: 'addon',
          item: { kind: 'data_pass', addOnId: 'data-1gb', dataMb: 1024, until: '2026-12-11' },
          amount: { amountCents: 5_00, currency: 'USD' },
        },
        {
          id: 'l4',
          kind: 'payment',
          item: { kind: 'card_payment', brand: 'visa', last4: '4242' },
          amount: { amountCents: -32_06, currency: 'USD' },
        },
      ],
      subtotal: { amountCents: 30_00, currency: 'USD' },
      taxesAndFees: { amountCents: 3_56, currency: 'USD' },
      paid: { amountCents: 32_06, currency: 'USD' },
    });
    const i18n = new I18n('es');
    expect(statement.lines.map((line) => plainSpaces(lineItemText(line.item, i18n)))).toEqual([
      'Plan Starter 5 GB, mensual (12 de nov – 11 de dic 2026)',
      'Impuestos estatales y locales',
      'Cargo regulatorio y del 911',
      'Pase de datos de 1 GB, hasta el 11 dic 2026',
      'Pago con tarjeta, Visa terminada en 4242',
    ]);
  });
});
