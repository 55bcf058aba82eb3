import {
  ERROR_TRAITS,
  endsSession,
  isRetryable,
  refusesCredential,
  type ApiError,
  type ErrorCode,
  type ErrorDetails,
} from '../contract/errors';

export { endsSession, isRetryable, refusesCredential };

/** What an error may carry besides its code and message: the contract's details, and its status. */
export type AppErrorExtra = ErrorDetails & {
  /** The HTTP status the account API answered with. */
  status?: number;
};

/**
 * Details main keeps to itself. The second-factor challenge is a credential for the sign-in main
 * is finishing, so {@link AppError.toApiError} never hands it to the renderer.
 */
const KEPT_IN_MAIN = ['secondFactor'] as const satisfies readonly (keyof ErrorDetails)[];

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
    const { status: _status, ...details } = this.extra;
    for (const field of KEPT_IN_MAIN) delete details[field];
    return { code: this.code, message: this.message, ...details };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * Whether the API may have carried out a request that failed, so that trying it again must send
 * the same Idempotency-Key. Given a code, its trait (`outcomeUnknown` in `ERROR_TRAITS`). Given
 * what a call threw:
 * - anything that is not an {@link AppError}: unknown, since nothing says the request was not sent;
 * - any 5xx: unknown, whatever the code (a server or a gateway failed on the way);
 * - any other 4xx but 409: known. The API refused it, even in words that could not be read
 *   (`invalid_response` on a 404 is still a refusal); 409 is excepted because "the first try is
 *   still running" (`idempotency_in_progress`) is a 409 too;
 * - otherwise the code's trait: no answer, a timeout, or an unreadable 2xx are unknown; an error
 *   main raised before sending anything (`not_signed_in`) is known.
 */
export function isOutcomeUnknown(code: ErrorCode): boolean;
export function isOutcomeUnknown(error: unknown): boolean;
export function isOutcomeUnknown(error: unknown): boolean {
  if (typeof error === 'string') return Object.hasOwn(ERROR_TRAITS, error) && byCode(error);
  if (!isAppError(error)) return true;
  const status = error.extra.status;
  if (status !== undefined && status >= 500) return true;
  if (status !== undefined && status >= 400 && status !== 409) return false;
  return byCode(error.code);
}

function byCode(code: string): boolean {
  return ERROR_TRAITS[code as ErrorCode].outcomeUnknown;
}
