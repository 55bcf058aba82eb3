import { z } from 'zod';
import {
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  AsYouType,
  type CountryCode,
} from 'libphonenumber-js/max';

/** Airtime is a US prepaid product first: numbers typed without a country code are read as US. */
export const DEFAULT_PHONE_COUNTRY: CountryCode = 'US';

/** Longest thing we will even try to read as a phone number (formatting characters included). */
export const PHONE_INPUT_MAX_LENGTH = 32;

export type PhoneParseResult = { ok: true; e164: string } | { ok: false; message: string };

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
  if (text === '') return { ok: false, message: 'Enter your phone number.' };
  if (text.length > PHONE_INPUT_MAX_LENGTH) {
    return { ok: false, message: 'That is too long to be a phone number.' };
  }
  if (/[a-z]/i.test(text.replace(/\s*(?:ext\.?|x)\s*\d+$/i, ''))) {
    return { ok: false, message: 'A phone number can only contain digits, spaces, + ( ) - and .' };
  }
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (!parsed || !parsed.isValid()) {
    const digits = text.replace(/\D/g, '');
    if (digits.length < 10) {
      return { ok: false, message: 'That phone number is too short: enter all 10 digits.' };
    }
    if (validatePhoneNumberLength(text, defaultCountry) === 'TOO_LONG') {
      return { ok: false, message: 'That phone number has too many digits.' };
    }
    return { ok: false, message: 'That is not a valid phone number.' };
  }
  if (parsed.ext) return { ok: false, message: 'Enter the phone number without an extension.' };
  return { ok: true, e164: parsed.number };
}

/** A phone number already in E.164 form, as stored and sent between Airtime's parts. */
export const E164Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'Expected a phone number in E.164 form, such as +12065550100.');
export type E164Phone = z.infer<typeof E164Phone>;

/** Accepts whatever a person typed and outputs E.164, or fails with a human message. */
export const PhoneInput = z
  .string({ error: 'Enter your phone number.' })
  .max(PHONE_INPUT_MAX_LENGTH, 'That is too long to be a phone number.')
  .transform((value, ctx) => {
    const result = parsePhone(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
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
