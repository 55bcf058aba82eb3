/** A key of the on-screen numeric keypad: a digit, Delete (the last digit) or Clear (all). */
export type KeypadKey =
  '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'delete' | 'clear';

/** The keys in the order they are laid out, three to a row, like a phone's. */
export const KEYPAD_KEYS: readonly KeypadKey[] = [
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  'clear',
  '0',
  'delete',
];

/**
 * The digits a field holds after a keypad key: keys work on the digits only, so Delete on a
 * formatted phone number ("(206) 555-") removes the last digit rather than a bracket or dash. A
 * digit beyond `maxDigits` is ignored.
 */
export function pressKey(value: string, key: KeypadKey, maxDigits: number): string {
  const digits = value.replace(/\D/g, '');
  if (key === 'clear') return '';
  if (key === 'delete') return digits.slice(0, -1);
  return digits.length >= maxDigits ? digits : digits + key;
}
