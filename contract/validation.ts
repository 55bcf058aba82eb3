import { z } from 'zod';

/**
 * The validation failures a person may read (a field typed wrong), each under a stable key. The
 * contract's schemas raise them with {@link says} or {@link issue}, so every such zod issue carries
 * its key in `params.issue`, the API and main pass it on as `ErrorIssue.issue`, and a client
 * words it in its own language by key (`validation.<key>` in the renderer's catalogues). Keys are
 * never renamed or reused; the English sentence beside each may change freely.
 */
export const VALIDATION_ISSUES = [
  'phone.empty',
  'phone.tooLong',
  'phone.characters',
  'phone.tooShort',
  'phone.tooManyDigits',
  'phone.invalid',
  'phone.extension',
  'password.empty',
  'password.tooLong',
  'password.newEmpty',
  'apiBaseUrl.empty',
  'apiBaseUrl.tooLong',
  'apiBaseUrl.full',
  'apiBaseUrl.https',
  'apiBaseUrl.credentials',
  'apiBaseUrl.query',
  'apiBaseUrl.loopbackOnly',
  'email.empty',
  'email.tooLong',
  'email.invalid',
  'email.nothingToChange',
  'code.sixDigits',
  'code.secondFactorEmpty',
  'code.secondFactor',
  'staffPin',
] as const;
export const ValidationIssue = z.enum(VALIDATION_ISSUES);
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** Longest password accepted on the wire. Anything longer is refused before it reaches argon2. */
export const PASSWORD_MAX_LENGTH = 128;

/** The English sentence of each issue: the API's `message`, and what a client without words shows. */
export const VALIDATION_MESSAGES: Readonly<Record<ValidationIssue, string>> = {
  'phone.empty': 'Enter your phone number.',
  'phone.tooLong': 'That is too long to be a phone number.',
  'phone.characters': 'A phone number can only contain digits, spaces, + ( ) - and .',
  'phone.tooShort': 'That phone number is too short: enter all 10 digits.',
  'phone.tooManyDigits': 'That phone number has too many digits.',
  'phone.invalid': 'That is not a valid phone number.',
  'phone.extension': 'Enter the phone number without an extension.',
  'password.empty': 'Enter your password.',
  'password.tooLong': `Passwords are at most ${PASSWORD_MAX_LENGTH} characters.`,
  'password.newEmpty': 'Enter a new password.',
  'apiBaseUrl.empty': 'Enter the address of the account service.',
  'apiBaseUrl.tooLong': 'That address is too long.',
  'apiBaseUrl.full': 'Enter a full address such as https://api.example.com.',
  'apiBaseUrl.https': 'The address must start with https://.',
  'apiBaseUrl.credentials': 'The address must not contain a user name or password.',
  'apiBaseUrl.query': 'The address must not contain ? or #.',
  'apiBaseUrl.loopbackOnly':
    'Use https:// — plain http:// is only allowed for this computer (localhost).',
  'email.empty': 'Enter an e-mail address.',
  'email.tooLong': 'E-mail addresses are at most 254 characters.',
  'email.invalid': 'That is not a valid e-mail address.',
  'email.nothingToChange': 'Give a new e-mail address or contact number.',
  'code.sixDigits': 'Enter the 6-digit code.',
  'code.secondFactorEmpty': 'Enter the code from your authenticator app or a recovery code.',
  'code.secondFactor': 'Enter the 6-digit code from your authenticator app or a recovery code.',
  staffPin: 'Enter the staff PIN: 4 to 12 digits.',
};

/**
 * zod's `error` option (of a schema or one of its checks) for a failure a person may read: the
 * issue gets the sentence as its message and the key as `params.issue`. zod hands the error map
 * the very issue it then reports, which is how the key gets onto issues zod raises itself
 * (`too_small`, `invalid_format`, …); a unit test keeps that true.
 */
export function says(key: ValidationIssue): { error: (raw: z.core.$ZodRawIssue) => string } {
  return {
    error: (raw) => {
      const target = raw as { params?: Record<string, unknown> };
      target.params = { ...target.params, issue: key };
      return VALIDATION_MESSAGES[key];
    },
  };
}

/** A custom issue (`ctx.addIssue`, `refine`) for a failure a person may read. */
export function issue(key: ValidationIssue): {
  message: string;
  params: { issue: ValidationIssue };
} {
  return { message: VALIDATION_MESSAGES[key], params: { issue: key } };
}

/** The key a zod issue raised by a contract schema carries (`params.issue`), if it has one. */
export function validationIssueOf(zodIssue: object): ValidationIssue | undefined {
  const params: unknown = 'params' in zodIssue ? zodIssue.params : undefined;
  const key: unknown =
    typeof params === 'object' && params !== null ? Reflect.get(params, 'issue') : undefined;
  const parsed = ValidationIssue.safeParse(key);
  return parsed.success ? parsed.data : undefined;
}
