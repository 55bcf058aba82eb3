import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccountService } from './account-service';
import type { AuthService, ClientInfo } from '../auth/auth-service';
import type { TwoFactorService } from '../auth/two-factor-service';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';
import type { RateLimits } from '../http/shared';

export interface AccountRoutesOptions {
  auth: AuthService;
  account: AccountService;
  twoFactor: TwoFactorService;
  /** The `password` class limits the routes that take the password again. */
  rateLimits: RateLimits;
}

/** `/v1/account/*`: the signed-in subscriber's own data. Every route needs a bearer token. */
export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  /** Who made a 2-step change, for the account's history: with the session's device, if any. */
  const clientOf = async (request: FastifyRequest): Promise<ClientInfo> => ({
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    device: await opts.auth.sessionDevice(request.sessionId),
  });

  registerRoutes(
    app,
    [
      'twoFactor.enrol',
      'twoFactor.resend',
      'twoFactor.confirm',
      'twoFactor.disable',
      'twoFactor.recoveryCodes',
      'account.summary',
      'account.plan',
      'account.usage',
      'account.statements',
      'account.statement',
      'account.payments',
    ],
    {
      'twoFactor.enrol': async (request) =>
        opts.twoFactor.enrol(request.subscriberId, request.body?.method),
      'twoFactor.resend': async (request) => opts.twoFactor.resendEnrolment(request.subscriberId),
      'twoFactor.confirm': async (request) =>
        opts.twoFactor.confirm(request.subscriberId, request.body.code, await clientOf(request)),
      'twoFactor.disable': async (request, reply) => {
        await opts.twoFactor.disable(
          request.subscriberId,
          request.body.password,
          await clientOf(request),
        );
        return reply.code(204).send(null);
      },
      'twoFactor.recoveryCodes': async (request) =>
        opts.twoFactor.replaceRecoveryCodes(
          request.subscriberId,
          request.body.password,
          await clientOf(request),
        ),
      'account.summary': async (request) => opts.account.summary(request.subscriberId),
      'account.plan': async (request) => opts.account.plan(request.subscriberId),
      'account.usage': async (request) =>
        opts.account.usage(request.subscriberId, request.query.cycle),
      'account.statements': async (request) => {
        const { limit, cursor, ...filters } = request.query;
        return opts.account.statements(request.subscriberId, limit, cursor, filters);
      },
      'account.statement': async (request) =>
        opts.account.statement(request.subscriberId, request.params.id),
      'account.payments': async (request) =>
        opts.account.payments(request.subscriberId, request.query.limit, request.query.cursor),
    },
    { rateLimits: opts.rateLimits },
  );
};
