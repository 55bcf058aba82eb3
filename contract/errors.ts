import { z } from 'zod';

/**
 * Stable error codes. Clients switch on these, so a code is never renamed or reused;
 * the human `message` beside it may change freely.
 */
export const ERROR_CODES = [
  // request shape
  'invalid_request',
  'malformed_json',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'method_not_allowed',
  // authentication
  'unauthorized',
  'token_expired',
  'invalid_credentials',
  'account_locked',
  'invalid_refresh_token',
  'refresh_token_reused',
  'rate_limited',
  // account data
  'statement_not_found',
  'cycle_out_of_range',
  // server side
  'service_unavailable',
  'internal_error',
  // client side (never sent by the API, produced by the desktop app's API client)
  'network_unreachable',
  'timeout',
  'invalid_response',
  // desktop app (between the renderer and the main process)
  'forbidden',
  'not_signed_in',
  'session_expired',
  'keychain_unavailable',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type ErrorIssue = z.infer<typeof ErrorIssue>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Present on `account_locked` and `rate_limited`: whole seconds until a retry may succeed. */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  /** Present on `invalid_request`: which fields were wrong and why. */
  issues: z.array(ErrorIssue).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Every non-2xx body the account API sends has exactly this shape. */
export const ApiErrorBody = z.object({ error: ApiError });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
