import type { ApiError, ErrorCode } from '../contract/errors';

/** What an error may carry besides its code and message. */
export type AppErrorExtra = Pick<
  ApiError,
  'retryAfterSeconds' | 'issues' | 'captcha' | 'attemptsLeft' | 'feedback' | 'shortfallCents'
> & {
  /** The HTTP status the account API answered with. */
  status?: number;
  /**
   * The API's second-factor challenge. Main keeps it to finish the sign-in; it is a credential
   * for that sign-in, so {@link AppError.toApiError} never hands it to the renderer.
   */
  secondFactor?: ApiError['secondFactor'];
};

/**
 * An error main answers the renderer with on purpose (wrong password, service unreachable…).
 * Services throw it; the IPC router turns it into `{ ok: false, error }`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: AppErrorExtra = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toApiError(): ApiError {
    const { status: _status, secondFactor: _secondFactor, ...rest } = this.extra;
    return { code: this.code, message: this.message, ...rest };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
