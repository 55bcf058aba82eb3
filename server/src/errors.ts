import type { ErrorCode, ErrorDetailsOf, ErrorStatus } from '../../contract/errors';

/**
 * An error the API answers with on purpose. Handlers throw it; the error handler turns it into
 * `{ error: { code, message, … } }` with its status and headers. The status and the details are
 * checked against the code's traits (`ERROR_TRAITS`): a status or a detail the contract does not
 * give that code does not compile.
 */
export class ApiHttpError<C extends ErrorCode = ErrorCode> extends Error {
  readonly extra: ErrorDetailsOf<C>;

  constructor(
    readonly statusCode: ErrorStatus<C>,
    readonly code: C,
    message: string,
    extra?: ErrorDetailsOf<C>,
  ) {
    super(message);
    this.name = 'ApiHttpError';
    this.extra = extra ?? ({} as ErrorDetailsOf<C>);
  }
}

export const invalidCredentials = (): ApiHttpError =>
  new ApiHttpError(401, 'invalid_credentials', 'The phone number or password is incorrect.');

export const accountLocked = (retryAfterSeconds: number): ApiHttpError =>
  new ApiHttpError(
    423,
    'account_locked',
    'This account is locked after too many unsuccessful sign-ins. Try again later.',
    { retryAfterSeconds },
  );

export const unauthorized = (message = 'Sign in to continue.'): ApiHttpError =>
  new ApiHttpError(401, 'unauthorized', message);
