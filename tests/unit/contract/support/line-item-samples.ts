import type { LineItem, LineItemKind, LineItemOf } from '../../../../contract/line-items';

/** A line item and how it reads in each language (spaces of any width written as one). */
export interface LineItemSample<K extends LineItemKind> {
  item: LineItemOf<K>;
  en: string;
  es: string;
}

/**
 * Every kind of line item with the words it must have in English and Spanish: a kind added to
 * the contract without samples here does not compile, and one without words fails the tests.
 */
export const LINE_ITEM_SAMPLES: { [K in LineItemKind]: readonly LineItemSample<K>[] } = {
  plan_renewal: [
    {
      item: {
        kind: 'plan_renewal',
        planId: 'value-15gb',
        planName: 'Value 15 GB',
        period: { from: '2026-11-12', to: '2026-12-11' },
      },
      en: 'Value 15 GB plan, monthly (Nov 12 – Dec 11, 2026)',
      es: 'Plan Value 15 GB, mensual (12 de nov – 11 de dic 2026)',
    },
    {
      item: { kind: 'plan_renewal', planId: 'value-15gb', planName: 'Value 15 GB', period: null },
      en: 'Value 15 GB plan, monthly',
      es: 'Plan Value 15 GB, mensual',
    },
  ],
  plan_change_charge: [
    {
      item: {
        kind: 'plan_change_charge',
        fromPlanId: 'starter-5gb',
        fromPlanName: 'Starter 5 GB',
        toPlanId: 'value-15gb',
        toPlanName: 'Value 15 GB',
        days: 12,
        cycleDays: 30,
      },
      en: 'Value 15 GB plan, 12 of 30 days',
      es: 'Plan Value 15 GB, 12 de 30 días',
    },
  ],
  plan_change_credit: [
    {
      item: {
        kind: 'plan_change_credit',
        fromPlanId: 'starter-5gb',
        fromPlanName: 'Starter 5 GB',
        toPlanId: 'value-15gb',
        toPlanName: 'Value 15 GB',
        days: 12,
        cycleDays: 30,
      },
      en: 'Unused 12 of 30 days of Starter 5 GB',
      es: '12 de 30 días sin usar de Starter 5 GB',
    },
  ],
  data_pass: [
    {
      item: { kind: 'data_pass', addOnId: 'data-1gb', dataMb: 1024, until: '2026-12-11' },
      en: '1 GB data pass, until Dec 11, 2026',
      es: 'Pase de datos de 1 GB, hasta el 11 dic 2026',
    },
    {
      item: { kind: 'data_pass', addOnId: 'data-half', dataMb: 512, until: '2026-12-11' },
      en: '0.5 GB data pass, until Dec 11, 2026',
      es: 'Pase de datos de 0.5 GB, hasta el 11 dic 2026',
    },
  ],
  international_pass: [
    {
      item: {
        kind: 'international_pass',
        addOnId: 'intl-100min',
        minutes: 100,
        until: '2026-12-11',
      },
      en: 'International 100 minutes, until Dec 11, 2026',
      es: '100 minutos internacionales, hasta el 11 dic 2026',
    },
  ],
  tax: [
    {
      item: { kind: 'tax', name: 'state_and_local' },
      en: 'State and local taxes',
      es: 'Impuestos estatales y locales',
    },
  ],
  fee: [
    {
      item: { kind: 'fee', name: 'regulatory_911' },
      en: 'Regulatory and 911 fee',
      es: 'Cargo regulatorio y del 911',
    },
  ],
  autopay_discount: [
    {
      item: { kind: 'autopay_discount' },
      en: 'AutoPay discount',
      es: 'Descuento por pago automático',
    },
  ],
  card_payment: [
    {
      item: { kind: 'card_payment', brand: 'visa', last4: '4242' },
      en: 'Card payment, Visa ending in 4242',
      es: 'Pago con tarjeta, Visa terminada en 4242',
    },
    {
      item: { kind: 'card_payment', brand: 'amex', last4: '0005' },
      en: 'Card payment, American Express ending in 0005',
      es: 'Pago con tarjeta, American Express terminada en 0005',
    },
    {
      item: { kind: 'card_payment', brand: 'unknown', last4: '4242' },
      en: 'Card payment ending in 4242',
      es: 'Pago con tarjeta terminada en 4242',
    },
    {
      item: { kind: 'card_payment', brand: 'unknown', last4: null },
      en: 'Card payment',
      es: 'Pago con tarjeta',
    },
  ],
  autopay_payment: [
    {
      item: { kind: 'autopay_payment', brand: 'mastercard', last4: '4444' },
      en: 'AutoPay payment, Mastercard ending in 4444',
      es: 'Pago automático, Mastercard terminada en 4444',
    },
    {
      item: { kind: 'autopay_payment', brand: 'unknown', last4: '4444' },
      en: 'AutoPay payment, card ending in 4444',
      es: 'Pago automático, tarjeta terminada en 4444',
    },
    {
      item: { kind: 'autopay_payment', brand: 'visa', last4: null },
      en: 'AutoPay payment',
      es: 'Pago automático',
    },
  ],
  refill_pin: [{ item: { kind: 'refill_pin' }, en: 'Refill card', es: 'Tarjeta de recarga' }],
  other: [
    {
      item: { kind: 'other', text: 'Goodwill credit' },
      en: 'Goodwill credit',
      es: 'Goodwill credit',
    },
  ],
};

/** Every sample, of every kind. */
export const ALL_LINE_ITEM_SAMPLES: readonly { item: LineItem; en: string; es: string }[] =
  Object.values(LINE_ITEM_SAMPLES).flat();

/** Spaces of any width (`Intl` puts thin ones around a range's dash) written as one plain space. */
export const plainSpaces = (text: string) => text.replace(/\s/gu, ' ');
