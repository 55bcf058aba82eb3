import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import {
  AccountSummary,
  PageQuery,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  StatementParams,
  StatementsQuery,
  UsageQuery,
  UsageResponse,
} from '../../../contract/http/account';
import type { AccountService } from '../services/account-service';
import type { AuthService, ClientInfo } from '../services/auth-service';
import type { TwoFactorService } from '../services/two-factor-service';
import {
  PasswordConfirmation,
  RecoveryCodesResponse,
  SecondFactorResendResponse,
  TwoFactorConfirmRequest,
  TwoFactorConfirmResponse,
  TwoFactorEnrolRequest,
  TwoFactorEnrolResponse,
} from '../../../contract/http/two-factor';
import { requireBearerToken } from './bearer-auth';
import { JSON_BODY_ERRORS, rateLimitConfig, type RouteRateLimit } from './shared';

export interface AccountRoutesOptions {
  auth: AuthService;
  account: AccountService;
  twoFactor: TwoFactorService;
  /**
   * Per-client limit for the routes that take the password again (each is argon2 work, and a
   * stolen access token must not become a fast way to guess the password); `false` for none.
   */
  passwordRateLimit?: RouteRateLimit;
}

const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
const security = [{ bearerAuth: [] }];
/** A POST may carry a body, so it can also be too large, not JSON, or rate-limited. */
const postErrors = { ...JSON_BODY_ERRORS, 401: ApiErrorBody };

/** `/v1/account/*`: the signed-in subscriber's own data. Every route needs a bearer token. */
export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  /** Who made a 2-step change, for the account's history: with the session's device, if any. */
  const clientOf = async (request: FastifyRequest): Promise<ClientInfo> => ({
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    device: await opts.auth.sessionDevice(request.sessionId),
  });
  const passwordConfig = rateLimitConfig(opts.passwordRateLimit ?? false);

  app.post(
    '/two-factor/enrol',
    {
      schema: {
        summary: 'Start setting up 2-step verification, by authenticator app or by text message',
        description:
          "totp (also without a body): a new secret and its otpauth URI. sms: a code is texted to the account's line now; confirm with it within 10 minutes (5 tries). 429 when a code was texted less than a minute ago, 502 delivery_failed when the text could not be sent, 503 when this server cannot send texts. 409 two_factor_already_enabled.",
        tags: ['account'],
        security,
        // Fastify hands a request without a body to the schema as null.
        body: TwoFactorEnrolRequest.nullish(),
        response: {
          200: TwoFactorEnrolResponse,
          409: ApiErrorBody,
          502: ApiErrorBody,
          503: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) => opts.twoFactor.enrol(request.subscriberId, request.body?.method),
  );

  app.post(
    '/two-factor/resend',
    {
      schema: {
        summary: 'Text another code for setting up 2-step verification by text message',
        description:
          'No body. One text a minute (429 with retryAfterSeconds); the newest code is the one that counts. 400 when no enrolment by text is under way.',
        tags: ['account'],
        security,
        response: {
          200: SecondFactorResendResponse,
          409: ApiErrorBody,
          502: ApiErrorBody,
          503: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) => opts.twoFactor.resendEnrolment(request.subscriberId),
  );

  app.post(
    '/two-factor/confirm',
    {
      schema: {
        summary: 'Turn 2-step verification on with a first code; returns 10 recovery codes',
        description:
          'The code from the authenticator app, or the one texted for enrolment (410 code_expired when it has expired or was replaced, 429 too_many_attempts after 5 wrong tries: ask for a new one).',
        tags: ['account'],
        security,
        body: TwoFactorConfirmRequest,
        response: {
          200: TwoFactorConfirmResponse,
          409: ApiErrorBody,
          410: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) =>
      opts.twoFactor.confirm(request.subscriberId, request.body.code, await clientOf(request)),
  );

  app.post(
    '/two-factor/disable',
    {
      config: passwordConfig,
      schema: {
        summary: 'Turn 2-step verification off (needs the password)',
        description:
          'Removes the method, the recovery codes and any code in flight, and forgets every remembered computer. 401 wrong_password (wrong ones count toward the account lockout, 423 account_locked), 409 two_factor_not_enabled.',
        tags: ['account'],
        security,
        body: PasswordConfirmation,
        response: { 204: z.null(), 409: ApiErrorBody, 423: ApiErrorBody, ...postErrors },
      },
    },
    async (request, reply) => {
      await opts.twoFactor.disable(
        request.subscriberId,
        request.body.password,
        await clientOf(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/two-factor/recovery-codes',
    {
      config: passwordConfig,
      schema: {
        summary: 'Replace the recovery codes (needs the password); every older code stops working',
        description:
          '401 wrong_password (wrong ones count toward the account lockout, 423 account_locked), 409 two_factor_not_enabled.',
        tags: ['account'],
        security,
        body: PasswordConfirmation,
        response: {
          200: RecoveryCodesResponse,
          409: ApiErrorBody,
          423: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) =>
      opts.twoFactor.replaceRecoveryCodes(
        request.subscriberId,
        request.body.password,
        await clientOf(request),
      ),
  );

  app.get(
    '/summary',
    {
      schema: {
        summary: 'Everything the dashboard needs first: balance, amount due, plan, usage, cycle',
        tags: ['account'],
        security,
        response: { 200: AccountSummary, ...errors },
      },
    },
    async (request) => opts.account.summary(request.subscriberId),
  );

  app.get(
    '/plan',
    {
      schema: {
        summary: 'The current plan',
        tags: ['account'],
        security,
        response: { 200: Plan, ...errors },
      },
    },
    async (request) => opts.account.plan(request.subscriberId),
  );

  app.get(
    '/usage',
    {
      schema: {
        summary: 'Daily usage of one cycle (the current one by default)',
        tags: ['account'],
        security,
        querystring: UsageQuery,
        response: { 200: UsageResponse, ...errors },
      },
    },
    async (request) => opts.account.usage(request.subscriberId, request.query.cycle),
  );

  app.get(
    '/statements',
    {
      schema: {
        summary: 'Monthly statements, newest first, paginated by cursor',
        description:
          'Optional filters: month (YYYY-MM) or from/to (YYYY-MM, inclusive) on the month the period starts in, and minAmountCents/maxAmountCents (inclusive) on the total. month with from/to, from after to, or min above max are 400 invalid_request.',
        tags: ['account'],
        security,
        querystring: StatementsQuery,
        response: { 200: StatementList, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      return opts.account.statements(request.subscriberId, limit, cursor, filters);
    },
  );

  app.get(
    '/statements/:id',
    {
      schema: {
        summary: 'One statement with its line items',
        tags: ['account'],
        security,
        params: StatementParams,
        response: { 200: StatementDetail, 404: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.account.statement(request.subscriberId, request.params.id),
  );

  app.get(
    '/payments',
    {
      schema: {
        summary: 'Payments and refills, newest first, paginated by cursor',
        tags: ['account'],
        security,
        querystring: PageQuery,
        response: { 200: PaymentList, ...errors },
      },
    },
    async (request) =>
      opts.account.payments(request.subscriberId, request.query.limit, request.query.cursor),
  );
};
