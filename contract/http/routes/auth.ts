import { ApiErrorBody, CaptchaChallenge } from '../../errors';
import {
  RefreshRequest,
  RefreshResponse,
  SignInRequest,
  SignInResponse,
  SignOutRequest,
} from '../auth';
import {
  ResetCompleteRequest,
  ResetStartRequest,
  ResetStartResponse,
  ResetVerifyRequest,
  ResetVerifyResponse,
} from '../recovery';
import {
  SecondFactorRequest,
  SecondFactorResendRequest,
  SecondFactorResendResponse,
} from '../two-factor';
import { JSON_BODY_ERRORS, NoContent, type RouteTable } from './define';

/** The lockout and device-cookie numbers a server publishes in the sign-in route's description. */
export interface LockoutNumbers {
  /** Wrong tries in a row a trusted device cookie has before it is no longer trusted. */
  deviceFailures: number;
  /** Wrong tries that lock one client without a cookie out of a number. */
  maxFailures: number;
  /** How long an untrusted client's failure counts toward a lock. */
  failureWindowMs: number;
  /** Wrong tries from every client without a cookie together that lock the number for all. */
  untrustedFailures: number;
  baseLockMs: number;
  repeatWindowMs: number;
  maxLockMs: number;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;

/** The lockout as the OpenAPI document publishes it: this server's numbers, not the defaults. */
function describeLockout(n: LockoutNumbers): string {
  return [
    "Wrong passwords are budgeted following OWASP's device-cookie pattern.",
    `Every successful sign-in answers with a deviceCookie bound to the account. A client that sends it back with later sign-ins to that account has its own budget of ${n.deviceFailures} wrong tries in a row, which nobody else's failures touch; once spent, the cookie is no longer trusted.`,
    `Clients without one: ${n.maxFailures} wrong tries within ${minutes(n.failureWindowMs)} lock that client (its address, or its kiosk visit) out of that number, and ${n.untrustedFailures} from all of them together lock the number for every client without a cookie.`,
    `A lock lasts ${minutes(n.baseLockMs)}, doubled for a repeat within ${minutes(n.repeatWindowMs)}, up to ${minutes(n.maxLockMs)} (423 account_locked with Retry-After).`,
    'A number without an account answers exactly as one with: the same statuses, bodies and Retry-After.',
  ].join(' ');
}

/** Everything before a session: sign-in and its second step, tokens, captcha, password reset. */
export const AUTH_ROUTES = {
  'auth.signIn': {
    method: 'POST',
    path: '/v1/auth/sign-in',
    auth: 'publicOrKiosk',
    body: SignInRequest,
    responses: {
      200: SignInResponse,
      401: ApiErrorBody,
      423: ApiErrorBody,
      428: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Sign in with phone number and password',
    description: describeLockout,
    tags: ['auth'],
  },
  'auth.secondFactor': {
    method: 'POST',
    path: '/v1/auth/second-factor',
    auth: 'publicOrKiosk',
    body: SecondFactorRequest,
    responses: {
      200: SignInResponse,
      401: ApiErrorBody,
      423: ApiErrorBody,
      502: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Finish a sign-in with 2-step verification: the challenge and a code',
    description:
      'After sign-in answers 401 second_factor_required with error.secondFactor.challenge. The code is a 6-digit code (from the authenticator app, or texted for this sign-in when error.secondFactor.method is sms) or a one-time recovery code. Wrong codes count on the same budget as the password that started this sign-in. With rememberDevice, the answer carries a deviceToken that skips this step for 30 days. 502 delivery_failed: the text for this sign-in could not be sent (ask for another, or use a recovery code).',
    tags: ['auth'],
  },
  'auth.secondFactorResend': {
    method: 'POST',
    path: '/v1/auth/second-factor/resend',
    auth: 'publicOrKiosk',
    body: SecondFactorResendRequest,
    responses: {
      200: SecondFactorResendResponse,
      401: ApiErrorBody,
      502: ApiErrorBody,
      503: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Text another code for a sign-in with 2-step verification by text message',
    description:
      'Only for a challenge whose error.secondFactor.method is sms (400 otherwise). One text a minute per sign-in (429 with retryAfterSeconds); the newest code is the one that counts. 502 delivery_failed when the text could not be sent, 503 when this server cannot send texts.',
    tags: ['auth'],
  },
  'auth.refresh': {
    method: 'POST',
    path: '/v1/auth/refresh',
    auth: 'publicOrKiosk',
    body: RefreshRequest,
    responses: { 200: RefreshResponse, 401: ApiErrorBody, ...JSON_BODY_ERRORS },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Exchange a refresh token for a new token pair (the old token stops working)',
    tags: ['auth'],
  },
  'auth.signOut': {
    method: 'POST',
    path: '/v1/auth/sign-out',
    auth: 'publicOrKiosk',
    body: SignOutRequest,
    responses: { 204: NoContent, ...JSON_BODY_ERRORS },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'End the session a refresh token belongs to',
    tags: ['auth'],
  },
  'auth.captchaChallenge': {
    method: 'GET',
    path: '/v1/captcha/challenge',
    auth: 'publicOrKiosk',
    responses: { 200: CaptchaChallenge, 429: ApiErrorBody },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'A proof-of-work challenge (ALTCHA) to solve before a risky request',
    description:
      'Solve by finding `number` ≤ `maxnumber` with sha256(salt + number) = challenge, then send base64(JSON {algorithm, challenge, number, salt, signature}) as `captcha`. Valid 5 minutes, once.',
    tags: ['auth'],
  },
  'auth.resetStart': {
    method: 'POST',
    path: '/v1/auth/reset/start',
    auth: 'publicOrKiosk',
    body: ResetStartRequest,
    responses: {
      202: ResetStartResponse,
      428: ApiErrorBody,
      503: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Send a password-reset code by text message or e-mail',
    description:
      'Needs a solved captcha (428 captcha_required carries a challenge). Answers 202 with the same body for every valid phone number, whether or not it has an account. A failed delivery is reported by /verify.',
    tags: ['auth'],
  },
  'auth.resetVerify': {
    method: 'POST',
    path: '/v1/auth/reset/verify',
    auth: 'publicOrKiosk',
    body: ResetVerifyRequest,
    responses: {
      200: ResetVerifyResponse,
      410: ApiErrorBody,
      502: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Exchange the code for a reset ticket (valid 10 minutes, once)',
    tags: ['auth'],
  },
  'auth.resetComplete': {
    method: 'POST',
    path: '/v1/auth/reset/complete',
    auth: 'publicOrKiosk',
    body: ResetCompleteRequest,
    responses: { 204: NoContent, 422: ApiErrorBody, ...JSON_BODY_ERRORS },
    idempotencyKey: false,
    rateLimit: 'auth',
    summary: 'Set a new password with a reset ticket; ends every session of the account',
    tags: ['auth'],
  },
} as const satisfies RouteTable;
