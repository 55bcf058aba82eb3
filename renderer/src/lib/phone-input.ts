import { formatPhoneAsYouType, PHONE_INPUT_MAX_LENGTH } from '../../../contract/phone';

/** What the phone field shows after an edit, and where the caret goes. */
export interface PhoneFieldState {
  value: string;
  caret: number;
}

/** The most digits an E.164 number can have. */
const MAX_DIGITS = 15;

const isSignificant = (char: string, index: number) =>
  (char >= '0' && char <= '9') || (char === '+' && index === 0);

/** Digits, and a `+` only at the very start: what the formatter should see. */
function significantOf(text: string): string {
  let out = '';
  for (const char of text) {
    if (isSignificant(char, out.length)) out += char;
  }
  return out;
}

function countSignificant(text: string): number {
  return significantOf(text).length;
}

/** Index in `formatted` just after its `count`-th significant character. */
function caretAfter(formatted: string, count: number): number {
  if (count <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < formatted.length; i++) {
    if (isSignificant(formatted[i]!, seen)) {
      seen++;
      if (seen === count) return i + 1;
    }
  }
  return formatted.length;
}

/**
 * Reformats the phone field after an edit, the way `(206) 555-0100` builds up while typing.
 * Only digits (and a leading `+`) are kept; the contract's formatter adds the punctuation.
 * Deleting a punctuation character removes the digit beside it instead, so Backspace never
 * gets stuck on a `)` the formatter would put straight back. The caret keeps its place among
 * the digits, so editing the middle of a number works.
 */
export function reformatPhoneField(
  raw: string,
  caret: number,
  previous: string,
  inputType = '',
): PhoneFieldState {
  let digits = significantOf(raw);
  let before = countSignificant(raw.slice(0, caret));
  const onlyPunctuationRemoved = raw.length < previous.length && digits === significantOf(previous);
  if (onlyPunctuationRemoved && inputType === 'deleteContentBackward' && before > 0) {
    digits = digits.slice(0, before - 1) + digits.slice(before);
    before -= 1;
  } else if (onlyPunctuationRemoved && inputType === 'deleteContentForward') {
    digits = digits.slice(0, before) + digits.slice(before + 1);
  }
  const limit = digits.startsWith('+') ? MAX_DIGITS + 1 : MAX_DIGITS;
  digits = digits.slice(0, limit);
  before = Math.min(before, digits.length);
  const value = digits === '' ? '' : formatPhoneAsYouType(digits).slice(0, PHONE_INPUT_MAX_LENGTH);
  const atEnd = caret >= raw.length;
  return { value, caret: atEnd ? value.length : caretAfter(value, before) };
}
