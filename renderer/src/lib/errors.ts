import {
  endsSession,
  isRetryable,
  refusesCredential,
  type ApiError,
  type ErrorCode,
} from '../../../contract/errors';
import type { Message } from '../i18n/keys';
import { minutesToWait } from './format';
import { codeMessage, declineMessage, issueMessage } from './messages';

/** Failures of the connection or the service rather than the request: trying again may work. */
export { isRetryable };

/**
 * Answers that mean there is no usable session any more: back to sign-in. A refused access token
 * counts too: main has already refreshed it once and tried again before the answer got here.
 */
export function isSessionEnded(code: ErrorCode): boolean {
  return endsSession(code) || refusesCredential(code);
}

/** The words a subscriber sees for an error: never a code, never a stack trace. */
export function errorMessage(error: ApiError): Message {
  const issue = error.code === 'invalid_request' ? error.issues?.[0] : undefined;
  if (issue?.issue) return issueMessage(issue);
  if (error.code === 'invalid_code' && error.attemptsLeft !== undefined) {
    return error.attemptsLeft > 0
      ? { key: 'errors.attemptsLeft', values: { count: error.attemptsLeft } }
      : { key: 'errors.noAttemptsLeft' };
  }
  // A specific reason says what happened; the general refusal's own words say what to do next.
  if (
    error.code === 'card_declined' &&
    error.declineCode &&
    error.declineCode !== 'card_declined'
  ) {
    return declineMessage(error.declineCode);
  }
  return codeMessage(error.code);
}

/** True for a lock or rate limit that says how long it lasts (a countdown can be shown). */
export function isTimedWait(error: ApiError | null): boolean {
  return (
    error !== null &&
    (error.code === 'account_locked' || error.code === 'rate_limited') &&
    error.retryAfterSeconds !== undefined
  );
}

/** "You can try again in 15 minutes.", for a lock or rate limit that says how long it lasts. */
export function waitMessage(error: ApiError): Message | null {
  if (error.retryAfterSeconds === undefined) return null;
  return { key: 'errors.waitMinutes', values: { count: minutesToWait(error.retryAfterSeconds) } };
}

/** Turns anything a bridge call throws (it should not) into an error envelope. */
export function unexpectedError(cause: unknown): ApiError {
  return {
    code: 'internal_error',
    message: cause instanceof Error ? cause.message : 'Unexpected failure.',
  };
}
