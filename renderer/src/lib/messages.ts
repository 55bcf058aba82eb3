import type { Message, TranslationKey } from '../i18n/keys';

/**
 * The contract's validation messages (phone numbers, passwords, the API address) are English
 * sentences. This maps each one to its catalogue key, so it shows in the person's language;
 * the English catalogue holds the very same sentences (a unit test keeps them equal).
 */
export const CONTRACT_MESSAGES: Readonly<Record<string, TranslationKey>> = {
  'Enter your phone number.': 'validation.phone.empty',
  'That is too long to be a phone number.': 'validation.phone.tooLong',
  'A phone number can only contain digits, spaces, + ( ) - and .': 'validation.phone.characters',
  'That phone number is too short: enter all 10 digits.': 'validation.phone.tooShort',
  'That phone number has too many digits.': 'validation.phone.tooManyDigits',
  'That is not a valid phone number.': 'validation.phone.invalid',
  'Enter the phone number without an extension.': 'validation.phone.extension',
  'Enter your password.': 'validation.password.empty',
  'Passwords are at most 128 characters.': 'validation.password.tooLong',
  'Enter the address of the account service.': 'validation.apiBaseUrl.empty',
  'That address is too long.': 'validation.apiBaseUrl.tooLong',
  'Enter a full address such as https://api.example.com.': 'validation.apiBaseUrl.full',
  'The address must start with https://.': 'validation.apiBaseUrl.https',
  'The address must not contain a user name or password.': 'validation.apiBaseUrl.credentials',
  'The address must not contain ? or #.': 'validation.apiBaseUrl.query',
  'Use https:// — plain http:// is only allowed for this computer (localhost).':
    'validation.apiBaseUrl.loopbackOnly',
};

/** A contract message as a catalogue message when it is known, verbatim otherwise. */
export function contractMessage(text: string): Message {
  const key = CONTRACT_MESSAGES[text];
  return key ? { key } : { text };
}
