import { z } from 'zod';
import {
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  AsYouType,
  type CountryCode,
} from 'libphonenumber-js/max';
import { VALIDATION_MESSAGES, issue, says, type ValidationIssue } from './validation';

/** Airtime is a US prepaid product first: numbers typed without a country code are read as US. */
export const DEFAULT_PHONE_COUNTRY: CountryCode = 'US';

/** Longest thing we will even try to read as a phone number (formatting characters included). */
export const PHONE_INPUT_MAX_LENGTH = 32;

export type PhoneParseResult =
  | { ok: true; e164: string }
  /** `issue` names the mistake for a client to word; `message` says it in English. */
  | { ok: false; issue: ValidationIssue; message: string };

const refused = (key: ValidationIssue): PhoneParseResult => ({
  ok: false,
  issue: key,
  message: VALIDATION_MESSAGES[key],
});

/**
 * Reads a phone number the way people type it — `(206) 555-0100`, `206.555.0100`,
 * `+1 206 555 0100` — and returns it in E.164 (`+12065550100`). Uses libphonenumber's full
 * metadata, so a number that cannot exist (wrong length, unassigned area code) is rejected.
 */
export function parsePhone(
  input: string,
  defaultCountry: CountryCode = DEFAULT_PHONE_COUNTRY,
): PhoneParseResult {
  const text = input.trim();
  if (text === '') return refused('phone.empty');
  if (text.length > PHONE_INPUT_MAX_LENGTH) return refused('phone.tooLong');
  if (/[a-z]/i.test(text.replace(/\s*(?:ext\.?|x)\s*\d+$/i, ''))) {
    return refused('phone.characters');
  }
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (!parsed || !parsed.isValid()) {
    const digits = text.replace(/\D/g, '');
    if (digits.length < 10) return refused('phone.tooShort');
    if (validatePhoneNumberLength(text, defaultCountry) === 'TOO_LONG') {
      return refused('phone.tooManyDigits');
    }
    return refused('phone.invalid');
  }
  if (parsed.ext) return refused('phone.extension');
  return { ok: true, e164: parsed.number };
}

/** A phone number already in E.164 form, as stored and sent between Airtime's parts. */
export const E164Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'Expected a phone number in E.164 form, such as +12065550100.');
export type E164Phone = z.infer<typeof E164Phone>;

/** Accepts whatever a person typed and outputs E.164, or fails with a human message. */
export const PhoneInput = z
  .string(says('phone.empty'))
  .max(PHONE_INPUT_MAX_LENGTH, says('phone.tooLong'))
  .transform((value, ctx) => {
    const result = parsePhone(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', ...issue(result.issue) });
      return z.NEVER;
    }
    return result.e164;
  });

/** `(206) 555-0100` for US numbers, international format for the rest. */
export function formatPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === DEFAULT_PHONE_COUNTRY
    ? parsed.formatNational()
    : parsed.formatInternational();
}

/** Formats a partial number while it is being typed (the sign-in field). */
export function formatPhoneAsYouType(input: string): string {
  return new AsYouType(DEFAULT_PHONE_COUNTRY).input(input);
}

/** Only the last two digits stay readable: for logs and places a full number must not appear. */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  return `•••${digits.slice(-2)}`;
}
