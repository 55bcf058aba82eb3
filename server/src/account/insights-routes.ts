import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/auth-service';
import type { InsightsService } from './insights';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';

export interface InsightsRoutesOptions {
  auth: AuthService;
  insights: InsightsService;
}

/** `/v1/account/insights`: where this cycle's data is heading, and whether a plan would suit better. */
export const insightsRoutes: FastifyPluginAsyncZod<InsightsRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);
  registerRoutes(app, ['account.insights'], {
    'account.insights': async (request) => opts.insights.insights(request.subscriberId),
  });
};
