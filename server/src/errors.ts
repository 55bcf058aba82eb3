import type { ApiError, ErrorCode } from '../../contract/errors';

/**
 * An error the API answers with on purpose. Handlers throw it; the error handler turns it into
 * `{ error: { code, message, … } }` with its status and headers.
 */
export class ApiHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Omit<ApiError, 'code' | 'message'> = {},
  ) {
    super(message);
    this.name = 'ApiHttpError';
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
