import type { CardInput } from '../../../../contract/http/payments';
import {
  MAX_PAYMENT_CENTS,
  MIN_PAYMENT_CENTS,
  REFILL_PIN_DIGITS,
  RefillPin,
  refillPinProblem,
} from '../../../../contract/http/payments';
import type { TranslationKey } from '../../i18n/keys';

export const PIN_DIGITS = REFILL_PIN_DIGITS;

const digitsOf = (text: string) => text.replace(/\D/g, '');
const groups = (digits: string, size: number) =>
  digits.match(new RegExp(`.{1,${size}}`, 'g')) ?? [];

/**
 * A refill PIN as it is shown while typing: digits only, at most 16, in groups of four. A pasted
 * PIN with dashes, spaces or a stray newline comes out the same.
 */
export function formatPin(raw: string): string {
  return groups(digitsOf(raw).slice(0, PIN_DIGITS), 4).join(' ');
}

/**
 * Why a PIN cannot be sent yet, or null when it is one. Checked with the contract's rule, the one
 * main and the API apply too, so what passes here is never refused there for its shape.
 */
export function pinError(raw: string): TranslationKey | null {
  const parsed = RefillPin.safeParse(raw);
  if (parsed.success) return null;
  return refillPinProblem(parsed.error) === 'required'
    ? 'payments.refill.pinRequired'
    : 'payments.refill.pinFormat';
}

/** A card number as shown while typing: at most 19 digits, in groups of four. */
export function formatCardNumber(raw: string): string {
  return groups(digitsOf(raw).slice(0, 19), 4).join(' ');
}

/** `1`, `12`, `122`, `12/2` → `1`, `12/`, `12/2`, `12/2`: the slash comes by itself. */
export function formatExpiry(raw: string): string {
  const digits = digitsOf(raw).slice(0, 4);
  if (digits.length < 2) return digits;
  return `${digits.slice(0, 2)}/${digits.slice(2)}`;
}

const BRAND_NAMES: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  unknown: 'Card',
};

/** A saved card's brand as printed on the card, for the card's name on screen. */
export function brandLabel(brand: string): string {
  return BRAND_NAMES[brand] ?? brand;
}

/** The Luhn checksum every card number carries: catches most mistyped digits before sending. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export interface CardFields {
  number: string;
  /** `MM/YY`. */
  expiry: string;
  cvc: string;
}

export type CardErrors = Partial<Record<keyof CardFields, TranslationKey>>;

/**
 * Checks a new card as typed: the number (length and checksum), the expiry (`MM/YY`, not in the
 * past) and the security code. Gives the card as the API takes it, or the fields to fix.
 */
export function validateCard(
  fields: CardFields,
  today: Date = new Date(),
): { card: CardInput; errors: null } | { card: null; errors: CardErrors } {
  const errors: CardErrors = {};
  const number = digitsOf(fields.number);
  if (number.length === 0) errors.number = 'payments.card.numberRequired';
  else if (number.length < 13 || number.length > 19 || !luhnValid(number))
    errors.number = 'payments.card.numberInvalid';

  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2})\s*$/.exec(fields.expiry);
  const expMonth = expiry ? Number(expiry[1]) : NaN;
  const expYear = expiry ? 2000 + Number(expiry[2]) : NaN;
  if (fields.expiry.trim() === '') errors.expiry = 'payments.card.expiryRequired';
  else if (!expiry || expMonth < 1 || expMonth > 12) errors.expiry = 'payments.card.expiryFormat';
  else {
    const thisMonth = today.getFullYear() * 12 + today.getMonth();
    if (expYear * 12 + (expMonth - 1) < thisMonth) errors.expiry = 'payments.card.expired';
  }

  if (!/^\d{3,4}$/.test(fields.cvc.trim())) errors.cvc = 'payments.card.cvcInvalid';

  if (Object.keys(errors).length > 0) return { card: null, errors };
  return { card: { number, expMonth, expYear, cvc: fields.cvc.trim() }, errors: null };
}

/** `20`, `20.5`, `$20.00` → whole cents; null for anything else. */
export function parseAmount(raw: string): number | null {
  const match = /^\s*\$?\s*(\d{1,6})(?:[.,](\d{1,2}))?\s*$/.exec(raw);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Why an amount cannot be paid, or null. */
export function amountError(raw: string): TranslationKey | null {
  if (raw.trim() === '') return 'payments.pay.amountRequired';
  const cents = parseAmount(raw);
  if (cents === null) return 'payments.pay.amountFormat';
  if (cents < MIN_PAYMENT_CENTS || cents > MAX_PAYMENT_CENTS) return 'payments.pay.amountRange';
  return null;
}
