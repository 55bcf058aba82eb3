import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiErrorBody } from '../../../contract/errors';
import {
  AccountSummary,
  PageQuery,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  StatementParams,
  UsageQuery,
  UsageResponse,
} from '../../../contract/http/account';
import type { AccountService } from '../services/account-service';
import type { AuthService } from '../services/auth-service';
import type { TwoFactorService } from '../services/two-factor-service';
import {
  TwoFactorConfirmRequest,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
} from '../../../contract/http/two-factor';
import { unauthorized } from '../errors';

export interface AccountRoutesOptions {
  auth: AuthService;
  account: AccountService;
  twoFactor: TwoFactorService;
}

declare module 'fastify' {
  interface FastifyRequest {
    subscriberId: string;
  }
}

const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
const security = [{ bearerAuth: [] }];

/** `/v1/account/*`: the signed-in subscriber's own data. Every route needs a bearer token. */
export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, opts) => {
  app.decorateRequest('subscriberId', '');
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9._-]{1,2048})$/.exec(header) : null;
    if (!match) throw unauthorized();
    const { subscriberId } = await opts.auth.authenticate(match[1]!);
    request.subscriberId = subscriberId;
  });

  app.post(
    '/two-factor/enrol',
    {
      schema: {
        summary: 'Start setting up 2-step verification: a new TOTP secret and its otpauth URI',
        tags: ['account'],
        security,
        response: { 200: TwoFactorEnrolResponse, 409: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.twoFactor.enrol(request.subscriberId),
  );

  app.post(
    '/two-factor/confirm',
    {
      schema: {
        summary: 'Turn 2-step verification on with a first code; returns 10 recovery codes',
        tags: ['account'],
        security,
        body: TwoFactorConfirmRequest,
        response: { 200: TwoFactorConfirmResponse, 409: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.twoFactor.confirm(request.subscriberId, request.body.code),
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
        tags: ['account'],
        security,
        querystring: PageQuery,
        response: { 200: StatementList, ...errors },
      },
    },
    async (request) =>
      opts.account.statements(request.subscriberId, request.query.limit, request.query.cursor),
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
