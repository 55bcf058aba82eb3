import { z } from 'zod';

/** ISO 4217 alphabetic currency code, e.g. `USD`. */
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Use a three-letter ISO currency code such as USD.');
export type CurrencyCode = z.infer<typeof CurrencyCode>;

/**
 * Money is always integer cents plus a currency: floating point never touches an amount.
 * The bound keeps every sum of a few thousand amounts inside the safe-integer range.
 */
export const Money = z.object({
  amountCents: z.number().int('Amounts are whole cents.').min(-100_000_000_00).max(100_000_000_00),
  currency: CurrencyCode,
});
export type Money = z.infer<typeof Money>;

export function money(amountCents: number, currency: string = 'USD'): Money {
  return Money.parse({ amountCents, currency });
}

export class CurrencyMismatchError extends Error {
  constructor(a: string, b: string) {
    super(`Cannot combine ${a} and ${b} amounts.`);
    this.name = 'CurrencyMismatchError';
  }
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
  return { amountCents: a.amountCents + b.amountCents, currency: a.currency };
}

export function sumMoney(items: readonly Money[], currency: string = 'USD'): Money {
  return items.reduce<Money>((total, item) => addMoney(total, item), { amountCents: 0, currency });
}

export type ParseMoneyResult = { ok: true; cents: number } | { ok: false; message: string };

/**
 * Parses an amount a person typed (`12`, `12.5`, `$1,234.56`) into integer cents without
 * going through floating point. Negative amounts and more than two decimals are rejected.
 */
export function parseMoneyInput(input: string): ParseMoneyResult {
  const text = input.trim().replace(/^\$/, '').trim();
  if (text === '') return { ok: false, message: 'Enter an amount.' };
  if (text.startsWith('-')) return { ok: false, message: 'The amount cannot be negative.' };
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) {
    return /\.\d{3,}$/.test(text)
      ? { ok: false, message: 'Use at most two decimal places.' }
      : { ok: false, message: 'Enter an amount such as 25 or 25.50.' };
  }
  const whole = match[1]!.replace(/,/g, '');
  if (whole.length > 8) return { ok: false, message: 'That amount is too large.' };
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return { ok: true, cents: Number(whole) * 100 + Number(fraction) };
}

/** Formats money in a locale through Intl (the only place amounts become text). */
export function formatMoney(value: Money, locale: string = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency }).format(
    value.amountCents / 100,
  );
}
