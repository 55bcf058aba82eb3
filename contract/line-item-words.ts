import { CARD_BRAND_NAMES, type CardBrand } from './cards';
import type { FeeName, LineItem, LineItemKind, LineItemOf, TaxName } from './line-items';
import type { Language } from './settings';

/**
 * Line items in words, in English and Spanish: the one table the API (statement PDF, CSV export,
 * e-mailed receipts) and main (printed kiosk receipts) word them from. The renderer words them
 * from its own catalogues (`lineItems.*`), which say the same; a unit test holds the two together.
 */

/** The `Intl` locale each language formats days and amounts in, as the app does. */
export const LINE_ITEM_LOCALES: Readonly<Record<Language, string>> = { en: 'en-US', es: 'es-US' };

/** Numbers and days in one locale, for the words of a line. */
export interface LineFormats {
  /** `Nov 30, 2026`: a calendar day (`YYYY-MM-DD`), in UTC as every day of the API. */
  day(isoDay: string): string;
  /** `Nov 12 – Dec 11, 2026`: a span of calendar days, what the two ends share written once. */
  dayRange(fromDay: string, toDay: string): string;
  /** `1 GB`, `1.5 GB`: an amount of data given in MB (1 GB is 1024 MB). */
  gigabytes(mb: number): string;
  /** `1,000`: a whole count. */
  count(value: number): string;
}

const utcDay = (isoDay: string) => new Date(`${isoDay.slice(0, 10)}T00:00:00Z`);

export function lineFormats(locale: string): LineFormats {
  const days = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
  const gigabytes = new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: 'gigabyte',
    maximumFractionDigits: 1,
  });
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  return {
    day: (isoDay) => days.format(utcDay(isoDay)),
    dayRange: (fromDay, toDay) => days.formatRange(utcDay(fromDay), utcDay(toDay)),
    gigabytes: (mb) => gigabytes.format(mb / 1024),
    count: (value) => count.format(value),
  };
}

type Words = {
  [K in LineItemKind]: (item: LineItemOf<K>, formats: LineFormats) => string;
};

/** How a card is named after "ending in": its brand, or nothing for an unknown one. */
type CardWords = (brand: string | null, last4: string | null) => string;

function cardWords(brand: CardBrand, last4: string | null, words: CardWords): string {
  return words(brand === 'unknown' ? null : CARD_BRAND_NAMES[brand], last4);
}

const TAXES: Readonly<Record<Language, Record<TaxName, string>>> = {
  en: { state_and_local: 'State and local taxes' },
  es: { state_and_local: 'Impuestos estatales y locales' },
};

const FEES: Readonly<Record<Language, Record<FeeName, string>>> = {
  en: { regulatory_911: 'Regulatory and 911 fee' },
  es: { regulatory_911: 'Cargo regulatorio y del 911' },
};

/*
 * English says what the API said in English before lines had kinds, so an English statement
 * reads as it always did; Spanish says the same.
 */
export const LINE_ITEM_WORDS: Readonly<Record<Language, Words>> = {
  en: {
    plan_renewal: (item, f) =>
      item.period
        ? `${item.planName} plan, monthly (${f.dayRange(item.period.from, item.period.to)})`
        : `${item.planName} plan, monthly`,
    plan_change_charge: (item, f) =>
      `${item.toPlanName} plan, ${f.count(item.days)} of ${f.count(item.cycleDays)} days`,
    plan_change_credit: (item, f) =>
      `Unused ${f.count(item.days)} of ${f.count(item.cycleDays)} days of ${item.fromPlanName}`,
    data_pass: (item, f) => `${f.gigabytes(item.dataMb)} data pass, until ${f.day(item.until)}`,
    international_pass: (item, f) =>
      `International ${f.count(item.minutes)} minutes, until ${f.day(item.until)}`,
    tax: (item) => TAXES.en[item.name],
    fee: (item) => FEES.en[item.name],
    autopay_discount: () => 'AutoPay discount',
    card_payment: (item) =>
      cardWords(item.brand, item.last4, (brand, last4) =>
        last4 === null
          ? 'Card payment'
          : brand === null
            ? `Card payment ending in ${last4}`
            : `Card payment, ${brand} ending in ${last4}`,
      ),
    autopay_payment: (item) =>
      cardWords(item.brand, item.last4, (brand, last4) =>
        last4 === null
          ? 'AutoPay payment'
          : `AutoPay payment, ${brand ?? 'card'} ending in ${last4}`,
      ),
    refill_pin: () => 'Refill card',
    other: (item) => item.text,
  },
  es: {
    plan_renewal: (item, f) =>
      item.period
        ? `Plan ${item.planName}, mensual (${f.dayRange(item.period.from, item.period.to)})`
        : `Plan ${item.planName}, mensual`,
    plan_change_charge: (item, f) =>
      `Plan ${item.toPlanName}, ${f.count(item.days)} de ${f.count(item.cycleDays)} días`,
    plan_change_credit: (item, f) =>
      `${f.count(item.days)} de ${f.count(item.cycleDays)} días sin usar de ${item.fromPlanName}`,
    data_pass: (item, f) =>
      `Pase de datos de ${f.gigabytes(item.dataMb)}, hasta el ${f.day(item.until)}`,
    international_pass: (item, f) =>
      `${f.count(item.minutes)} minutos internacionales, hasta el ${f.day(item.until)}`,
    tax: (item) => TAXES.es[item.name],
    fee: (item) => FEES.es[item.name],
    autopay_discount: () => 'Descuento por pago automático',
    card_payment: (item) =>
      cardWords(item.brand, item.last4, (brand, last4) =>
        last4 === null
          ? 'Pago con tarjeta'
          : brand === null
            ? `Pago con tarjeta terminada en ${last4}`
            : `Pago con tarjeta, ${brand} terminada en ${last4}`,
      ),
    autopay_payment: (item) =>
      cardWords(item.brand, item.last4, (brand, last4) =>
        last4 === null
          ? 'Pago automático'
          : `Pago automático, ${brand ?? 'tarjeta'} terminada en ${last4}`,
      ),
    refill_pin: () => 'Tarjeta de recarga',
    other: (item) => item.text,
  },
};

const FORMATS = new Map<Language, LineFormats>();

/** A line item in words, in `language`. */
export function lineItemText(item: LineItem, language: Language): string {
  let formats = FORMATS.get(language);
  if (!formats) {
    formats = lineFormats(LINE_ITEM_LOCALES[language]);
    FORMATS.set(language, formats);
  }
  const word = LINE_ITEM_WORDS[language][item.kind] as (
    item: LineItem,
    formats: LineFormats,
  ) => string;
  return word(item, formats);
}
