import type { ApiError, ErrorCode } from '../contract/errors';

/**
 * An error main answers the renderer with on purpose (wrong password, service unreachable…).
 * Services throw it; the IPC router turns it into `{ ok: false, error }`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Pick<ApiError, 'retryAfterSeconds' | 'issues' | 'captcha'> & {
      status?: number;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toApiError(): ApiError {
    const { status: _status, ...rest } = this.extra;
    return { code: this.code, message: this.message, ...rest };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
