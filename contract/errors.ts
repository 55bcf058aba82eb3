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
  // account recovery and risk checks (API)
  'invalid_code',
  'code_expired',
  'too_many_attempts',
  'reset_ticket_invalid',
  'weak_password',
  'delivery_failed',
  'captcha_required',
  'captcha_invalid',
  'second_factor_required',
  // security center (API)
  'wrong_password',
  'session_not_found',
  'two_factor_not_enabled',
  'two_factor_already_enabled',
  // payments and refills (API)
  'idempotency_key_required',
  'idempotency_key_reused',
  'idempotency_in_progress',
  'card_invalid',
  'card_declined',
  'payment_processor_unavailable',
  'payment_method_not_found',
  'payment_not_found',
  'invalid_refill_pin_format',
  'refill_pin_invalid',
  // plans and add-ons (API)
  'plan_not_found',
  'plan_unchanged',
  'plan_price_changed',
  'account_suspended',
  'insufficient_balance',
  'add_on_not_found',
  'no_pending_plan_change',
  // kiosk mode
  'kiosk_not_enrolled',
  'kiosk_visit_unknown',
  'kiosk_feature_off',
  'managed_by_policy',
  'staff_pin_wrong',
  'printer_unavailable',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What the password policy says about a refused password (`contract/password-policy.ts`). */
export const PasswordFeedbackBody = z.object({
  warning: z.string().nullable(),
  suggestions: z.array(z.string()),
});
export type PasswordFeedbackBody = z.infer<typeof PasswordFeedbackBody>;

/**
 * An ALTCHA proof-of-work challenge (https://altcha.org): find `number` ≤ `maxnumber` such that
 * `sha256(salt + number)` is `challenge`, then send the base64 JSON payload back as `captcha`.
 */
export const CaptchaChallenge = z.object({
  algorithm: z.string(),
  challenge: z.string(),
  maxnumber: z.number().int().positive().optional(),
  salt: z.string(),
  signature: z.string(),
});
export type CaptchaChallenge = z.infer<typeof CaptchaChallenge>;

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
  /** Present on `card_declined`: the processor's reason (`card_declined`, `insufficient_funds`). */
  declineCode: z.string().optional(),
  /** Present on `insufficient_balance`: how much more credit the request needs, in cents. */
  shortfallCents: z.number().int().positive().optional(),
  /** Present on `invalid_code`: wrong codes still allowed before the code stops working. */
  attemptsLeft: z.number().int().nonnegative().optional(),
  /** Present on `weak_password`: why, and what would make it stronger. */
  feedback: PasswordFeedbackBody.optional(),
  /** Present on `captcha_required` and `captcha_invalid`: a fresh proof-of-work challenge. */
  captcha: CaptchaChallenge.optional(),
  /** Present on `second_factor_required`: send it with the code to `/v1/auth/second-factor`. */
  secondFactor: z
    .object({
      challenge: z.string(),
      expiresIn: z.number().int().positive(),
      /** Which code to ask for: from an authenticator app, or the one just texted to the line. */
      method: z.enum(['totp', 'sms']),
      /** For `sms`: where the code went, masked (`•••-0100`). */
      destination: z.string().optional(),
      /** For `sms`: seconds before `/v1/auth/second-factor/resend` may send another. */
      resendAfterSeconds: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Every non-2xx body the account API sends has exactly this shape. */
export const ApiErrorBody = z.object({ error: ApiError });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
