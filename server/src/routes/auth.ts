import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import { JSON_BODY_ERRORS, PUBLIC_OR_KIOSK, rateLimitConfig, type RouteRateLimit } from './shared';
import {
  RefreshRequest,
  RefreshResponse,
  SignInRequest,
  SignInResponse,
  SignOutRequest,
} from '../../../contract/http/auth';
import {
  SecondFactorRequest,
  SecondFactorResendRequest,
  SecondFactorResendResponse,
} from '../../../contract/http/two-factor';
import type { AuthService, ClientInfo } from '../services/auth-service';
import { clientKey } from '../plugins/kiosk-client';
import type { LockoutPolicy, SignInBudgetPolicy } from '../auth/lockout-policy';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;

/** The lockout as the OpenAPI document publishes it: this server's numbers, not the defaults. */
function lockoutDescription(lockout: LockoutPolicy, budgets: SignInBudgetPolicy): string {
  return [
    "Wrong passwords are budgeted following OWASP's device-cookie pattern.",
    `Every successful sign-in answers with a deviceCookie bound to the account. A client that sends it back with later sign-ins to that account has its own budget of ${budgets.deviceFailures} wrong tries in a row, which nobody else's failures touch; once spent, the cookie is no longer trusted.`,
    `Clients without one: ${lockout.maxFailures} wrong tries within ${minutes(budgets.failureWindowMs)} lock that client (its address, or its kiosk visit) out of that number, and ${budgets.untrustedFailures} from all of them together lock the number for every client without a cookie.`,
    `A lock lasts ${minutes(lockout.baseLockMs)}, doubled for a repeat within ${minutes(lockout.repeatWindowMs)}, up to ${minutes(lockout.maxLockMs)} (423 account_locked with Retry-After).`,
    'A number without an account answers exactly as one with: the same statuses, bodies and Retry-After.',
  ].join(' ');
}

export interface AuthRoutesOptions {
  auth: AuthService;
  /** This server's lockout, published in the sign-in route's description. */
  lockout: LockoutPolicy;
  signInBudgets: SignInBudgetPolicy;
  /** Per-client limit for these routes, or `false` when turned off. */
  rateLimit: RouteRateLimit;
}

const errors = JSON_BODY_ERRORS;

/** The client as sign-in sees it: for the history, the per-client counters and the kiosk. */
function clientOf(request: FastifyRequest, device: ClientInfo['device']): ClientInfo {
  return {
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    device,
    clientKey: clientKey(request),
    kioskId: request.kiosk?.id,
  };
}

/** `/v1/auth/*`: sign-in, refresh and sign-out. Every route is rate-limited per client. */
export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, opts) => {
  const config = rateLimitConfig(opts.rateLimit);

  app.post(
    '/sign-in',
    {
      config,
      schema: {
        summary: 'Sign in with phone number and password',
        description: lockoutDescription(opts.lockout, opts.signInBudgets),
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: SignInRequest,
        response: {
          200: SignInResponse,
          401: ApiErrorBody,
          423: ApiErrorBody,
          428: ApiErrorBody,
          ...errors,
        },
      },
    },
    async (request) =>
      opts.auth.signIn(
        request.body.phone,
        request.body.password,
        clientOf(request, request.body.device),
        request.body.captcha,
        request.body.deviceToken,
        request.body.deviceCookie,
      ),
  );

  app.post(
    '/second-factor',
    {
      config,
      schema: {
        summary: 'Finish a sign-in with 2-step verification: the challenge and a code',
        description:
          'After sign-in answers 401 second_factor_required with error.secondFactor.challenge. The code is a 6-digit code (from the authenticator app, or texted for this sign-in when error.secondFactor.method is sms) or a one-time recovery code. Wrong codes count on the same budget as the password that started this sign-in. With rememberDevice, the answer carries a deviceToken that skips this step for 30 days. 502 delivery_failed: the text for this sign-in could not be sent (ask for another, or use a recovery code).',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: SecondFactorRequest,
        response: {
          200: SignInResponse,
          401: ApiErrorBody,
          423: ApiErrorBody,
          502: ApiErrorBody,
          ...errors,
        },
      },
    },
    async (request) =>
      opts.auth.secondFactor(
        request.body.challenge,
        request.body.code,
        clientOf(request, request.body.device),
        request.body.rememberDevice ?? false,
      ),
  );

  app.post(
    '/second-factor/resend',
    {
      config,
      schema: {
        summary: 'Text another code for a sign-in with 2-step verification by text message',
        description:
          'Only for a challenge whose error.secondFactor.method is sms (400 otherwise). One text a minute per sign-in (429 with retryAfterSeconds); the newest code is the one that counts. 502 delivery_failed when the text could not be sent, 503 when this server cannot send texts.',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: SecondFactorResendRequest,
        response: {
          200: SecondFactorResendResponse,
          401: ApiErrorBody,
          502: ApiErrorBody,
          503: ApiErrorBody,
          ...errors,
        },
      },
    },
    async (request) => opts.auth.resendSecondFactor(request.body.challenge),
  );

  app.post(
    '/refresh',
    {
      config,
      schema: {
        summary: 'Exchange a refresh token for a new token pair (the old token stops working)',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: RefreshRequest,
        response: { 200: RefreshResponse, 401: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.auth.refresh(request.body.refreshToken),
  );

  app.post(
    '/sign-out',
    {
      config,
      schema: {
        summary: 'End the session a refresh token belongs to',
        tags: ['auth'],
        security: PUBLIC_OR_KIOSK,
        body: SignOutRequest,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await opts.auth.signOut(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );
};
