import type { ApiError, ErrorCode } from '../../../contract/errors';
import type { Message, TranslationKey } from '../i18n/keys';
import { minutesToWait } from './format';
import { contractMessage } from './messages';

/** Failures of the connection rather than the request: trying again may well work. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'network_unreachable',
  'timeout',
  'service_unavailable',
]);

/** Answers that mean there is no usable session any more: back to sign-in. */
const SESSION_ENDED: ReadonlySet<ErrorCode> = new Set([
  'not_signed_in',
  'session_expired',
  'unauthorized',
  'token_expired',
  'invalid_refresh_token',
  'refresh_token_reused',
]);

/** Codes with a sentence of their own in the catalogue (`errors.<code>`). */
const WORDED: ReadonlySet<ErrorCode> = new Set([
  'invalid_credentials',
  'account_locked',
  'rate_limited',
  'network_unreachable',
  'timeout',
  'service_unavailable',
  'keychain_unavailable',
  'session_expired',
  'invalid_response',
  'not_found',
  'statement_not_found',
  'captcha_required',
  'captcha_invalid',
  'invalid_code',
  'code_expired',
  'too_many_attempts',
  'reset_ticket_invalid',
  'weak_password',
  'delivery_failed',
  'wrong_password',
  'session_not_found',
  'two_factor_not_enabled',
  'two_factor_already_enabled',
  'kiosk_not_enrolled',
  'kiosk_visit_unknown',
  'kiosk_feature_off',
  'printer_unavailable',
  'staff_pin_wrong',
  'managed_by_policy',
]);

export function isRetryable(code: ErrorCode): boolean {
  return RETRYABLE.has(code);
}

export function isSessionEnded(code: ErrorCode): boolean {
  return SESSION_ENDED.has(code);
}

/** The words a subscriber sees for an error: never a code, never a stack trace. */
export function errorMessage(error: ApiError): Message {
  if (error.code === 'invalid_request' && error.issues?.[0]) {
    const message = contractMessage(error.issues[0].message);
    if ('key' in message) return message;
  }
  if (error.code === 'invalid_code' && error.attemptsLeft !== undefined) {
    return error.attemptsLeft > 0
      ? { key: 'errors.attemptsLeft', values: { count: error.attemptsLeft } }
      : { key: 'errors.noAttemptsLeft' };
  }
  if (error.code === 'not_signed_in' || SESSION_ENDED.has(error.code)) {
    return { key: 'errors.session_expired' };
  }
  if (WORDED.has(error.code)) return { key: `errors.${error.code}` as TranslationKey };
  return { key: 'errors.generic' };
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
