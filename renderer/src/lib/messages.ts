import type { Message, TranslationKey } from '../i18n/keys';

/**
 * The contract's validation messages (phone numbers, passwords, e-mail addresses, codes, the API
 * address) are English sentences. This maps each one to its catalogue key, so it shows in the
 * person's language; the English catalogue holds the very same sentences (a unit test keeps them
 * equal).
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
  'Enter a new password.': 'validation.password.newEmpty',
  'Enter an e-mail address.': 'validation.email.empty',
  'E-mail addresses are at most 254 characters.': 'validation.email.tooLong',
  'That is not a valid e-mail address.': 'validation.email.invalid',
  'Give a new e-mail address or contact number.': 'validation.email.nothingToChange',
  'Enter the 6-digit code.': 'validation.code.sixDigits',
  'Enter the code from your authenticator app or a recovery code.':
    'validation.code.secondFactorEmpty',
  'Enter the 6-digit code from your authenticator app or a recovery code.':
    'validation.code.secondFactor',
  'Enter the address of the account service.': 'validation.apiBaseUrl.empty',
  'That address is too long.': 'validation.apiBaseUrl.tooLong',
  'Enter a full address such as https://api.example.com.': 'validation.apiBaseUrl.full',
  'The address must start with https://.': 'validation.apiBaseUrl.https',
  'The address must not contain a user name or password.': 'validation.apiBaseUrl.credentials',
  'The address must not contain ? or #.': 'validation.apiBaseUrl.query',
  'Use https:// — plain http:// is only allowed for this computer (localhost).':
    'validation.apiBaseUrl.loopbackOnly',
  'Enter the staff PIN: 4 to 12 digits.': 'validation.staffPin',
};

/** A contract message as a catalogue message when it is known, verbatim otherwise. */
export function contractMessage(text: string): Message {
  const key = CONTRACT_MESSAGES[text];
  return key ? { key } : { text };
}
