import { z } from 'zod';
import { DeclineCodeField } from './cards';
import { ValidationIssue, validationIssueOf } from './validation';

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
  /** In English; a client words the issue by `issue` when there is one. */
  message: z.string(),
  /**
   * Which failure a person may read it is (`contract/validation.ts`). A key this version does not
   * know yet is dropped, and the message shows instead.
   */
  issue: ValidationIssue.optional().catch(undefined),
});
export type ErrorIssue = z.infer<typeof ErrorIssue>;

/** A zod issue as an error body lists it: where, what, and its key when it has one. */
export function errorIssueOf(
  zodIssue: { message: string; params?: unknown },
  path: string,
): ErrorIssue {
  const key = validationIssueOf(zodIssue);
  return { path, message: zodIssue.message, ...(key ? { issue: key } : {}) };
}

/**
 * Everything an error may carry besides its code and message: the one list of them. Which codes
 * carry which is {@link ERROR_TRAITS}' `details`.
 */
export const ErrorDetails = z.object({
  /** Whole seconds until a retry may succeed. */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  /** Which fields were wrong and why. */
  issues: z.array(ErrorIssue).optional(),
  /** The processor's reason for refusing the card. */
  declineCode: DeclineCodeField.optional(),
  /** How much more credit the request needs, in cents. */
  shortfallCents: z.number().int().positive().optional(),
  /** Wrong codes still allowed before the code stops working. */
  attemptsLeft: z.number().int().nonnegative().optional(),
  /** Why the password was refused, and what would make it stronger. */
  feedback: PasswordFeedbackBody.optional(),
  /** A fresh proof-of-work challenge to solve and send with the retry. */
  captcha: CaptchaChallenge.optional(),
  /** Send it with the code to `/v1/auth/second-factor`. */
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
export type ErrorDetails = z.infer<typeof ErrorDetails>;
export type ErrorDetailField = keyof ErrorDetails;
export const ERROR_DETAIL_FIELDS = ErrorDetails.keyof().options;

/**
 * What an error says about the session it was made in:
 * - `kept`: nothing; the session (if any) goes on;
 * - `refused`: the credential sent was refused (an access token, a sign-in's second-step
 *   challenge). Main refreshes an access token once and tries again, and a challenge cannot be
 *   used again; an answer past main's retry means the session is over;
 * - `ended`: the session is over for good: sign in again.
 */
export type SessionEffect = 'kept' | 'refused' | 'ended';

export interface ErrorTraits {
  /** The HTTP statuses the API answers the code with; none for codes only the desktop app makes. */
  readonly status: readonly number[];
  /** Sending the very same request again may well succeed: the failure was not the request's. */
  readonly retryable: boolean;
  /**
   * The request may or may not have been carried out (no answer, a server failure, an answer
   * that could not be read, or the first try still running), so a retry of something that moves
   * money must send the same Idempotency-Key.
   */
  readonly outcomeUnknown: boolean;
  readonly session: SessionEffect;
  /** The fields of {@link ErrorDetails} the error may carry. */
  readonly details: readonly ErrorDetailField[];
}

const PLAIN = { retryable: false, outcomeUnknown: false, session: 'kept', details: [] } as const;
/** Never sent by the API: made by the desktop app's API client or its main process. */
const APP = { ...PLAIN, status: [] } as const;

/**
 * Every error code's traits: the one place that says which codes mean "try again", "outcome
 * unknown" or "session over", with which statuses the API sends them and which details they
 * carry. Exhaustive by type: a new code does not compile until it is described here.
 */
export const ERROR_TRAITS = {
  // request shape
  invalid_request: { ...PLAIN, status: [400, 408, 409, 414, 431], details: ['issues'] },
  malformed_json: { ...PLAIN, status: [400] },
  payload_too_large: { ...PLAIN, status: [413] },
  unsupported_media_type: { ...PLAIN, status: [415] },
  not_found: { ...PLAIN, status: [404] },
  method_not_allowed: { ...PLAIN, status: [405] },
  // authentication
  unauthorized: { ...PLAIN, status: [401], session: 'refused' },
  token_expired: { ...PLAIN, status: [401], session: 'refused' },
  invalid_credentials: { ...PLAIN, status: [401] },
  account_locked: { ...PLAIN, status: [423], details: ['retryAfterSeconds'] },
  invalid_refresh_token: { ...PLAIN, status: [401], session: 'ended' },
  refresh_token_reused: { ...PLAIN, status: [401], session: 'ended' },
  rate_limited: { ...PLAIN, status: [429], details: ['retryAfterSeconds'] },
  // account data
  statement_not_found: { ...PLAIN, status: [404] },
  cycle_out_of_range: { ...PLAIN, status: [400] },
  // server side
  service_unavailable: { ...PLAIN, status: [503], retryable: true, outcomeUnknown: true },
  internal_error: { ...PLAIN, status: [500], outcomeUnknown: true },
  // client side: no answer, or none that could be read
  network_unreachable: { ...APP, retryable: true, outcomeUnknown: true },
  timeout: { ...APP, retryable: true, outcomeUnknown: true },
  invalid_response: { ...APP, outcomeUnknown: true },
  // desktop app
  forbidden: APP,
  not_signed_in: { ...APP, session: 'ended' },
  session_expired: { ...APP, session: 'ended' },
  keychain_unavailable: APP,
  // account recovery and risk checks
  invalid_code: { ...PLAIN, status: [400, 401], details: ['attemptsLeft'] },
  code_expired: { ...PLAIN, status: [410] },
  too_many_attempts: { ...PLAIN, status: [429] },
  reset_ticket_invalid: { ...PLAIN, status: [400] },
  weak_password: { ...PLAIN, status: [422], details: ['feedback'] },
  delivery_failed: { ...PLAIN, status: [502] },
  captcha_required: { ...PLAIN, status: [428], details: ['captcha'] },
  captcha_invalid: { ...PLAIN, status: [400], details: ['captcha'] },
  second_factor_required: { ...PLAIN, status: [401], details: ['secondFactor'] },
  // security center
  wrong_password: { ...PLAIN, status: [401] },
  session_not_found: { ...PLAIN, status: [404] },
  two_factor_not_enabled: { ...PLAIN, status: [409] },
  two_factor_already_enabled: { ...PLAIN, status: [409] },
  // payments and refills
  idempotency_key_required: { ...PLAIN, status: [400] },
  idempotency_key_reused: { ...PLAIN, status: [422] },
  idempotency_in_progress: {
    ...PLAIN,
    status: [409],
    retryable: true,
    outcomeUnknown: true,
    details: ['retryAfterSeconds'],
  },
  card_invalid: { ...PLAIN, status: [400], details: ['issues'] },
  card_declined: { ...PLAIN, status: [402], details: ['declineCode'] },
  // Nothing was charged: the API answers it only before a charge is made.
  payment_processor_unavailable: {
    ...PLAIN,
    status: [503],
    retryable: true,
    details: ['retryAfterSeconds'],
  },
  payment_method_not_found: { ...PLAIN, status: [404] },
  payment_not_found: { ...PLAIN, status: [404] },
  invalid_refill_pin_format: { ...PLAIN, status: [400], details: ['issues'] },
  refill_pin_invalid: { ...PLAIN, status: [400] },
  // plans and add-ons
  plan_not_found: { ...PLAIN, status: [404] },
  plan_unchanged: { ...PLAIN, status: [400] },
  plan_price_changed: { ...PLAIN, status: [409] },
  account_suspended: { ...PLAIN, status: [409] },
  insufficient_balance: { ...PLAIN, status: [402], details: ['shortfallCents'] },
  add_on_not_found: { ...PLAIN, status: [404] },
  no_pending_plan_change: { ...PLAIN, status: [404] },
  // kiosk mode
  kiosk_not_enrolled: { ...PLAIN, status: [403] },
  kiosk_visit_unknown: { ...PLAIN, status: [403] },
  kiosk_feature_off: APP,
  managed_by_policy: APP,
  staff_pin_wrong: APP,
  printer_unavailable: APP,
} as const satisfies Record<ErrorCode, ErrorTraits>;

/** The statuses the API may send `C` with. */
export type ErrorStatus<C extends ErrorCode> = (typeof ERROR_TRAITS)[C]['status'][number];
/** The details `C` may carry. */
export type ErrorDetailsOf<C extends ErrorCode> = Pick<
  ErrorDetails,
  (typeof ERROR_TRAITS)[C]['details'][number]
>;

export function errorTraits(code: ErrorCode): ErrorTraits {
  return ERROR_TRAITS[code];
}

/** Sending the very same request again may well succeed (see {@link ErrorTraits.retryable}). */
export function isRetryable(code: ErrorCode): boolean {
  return ERROR_TRAITS[code].retryable;
}

/** The session is over for good: sign in again. */
export function endsSession(code: ErrorCode): boolean {
  return ERROR_TRAITS[code].session === 'ended';
}

/** The credential sent was refused (see {@link SessionEffect}). */
export function refusesCredential(code: ErrorCode): boolean {
  return ERROR_TRAITS[code].session === 'refused';
}

export const ApiError = z.object({
  code: ErrorCode,
  /** In English, for logs and developers; a client words the error by its code. */
  message: z.string(),
  ...ErrorDetails.shape,
});
export type ApiError = z.infer<typeof ApiError>;

/** Every non-2xx body the account API sends has exactly this shape. */
export const ApiErrorBody = z.object({ error: ApiError });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
