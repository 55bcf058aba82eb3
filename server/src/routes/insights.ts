import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiErrorBody } from '../../../contract/errors';
import { UsageInsights } from '../../../contract/http/insights';
import type { AuthService } from '../services/auth-service';
import type { InsightsService } from '../services/insights';
import { requireBearerToken } from './bearer-auth';

export interface InsightsRoutesOptions {
  auth: AuthService;
  insights: InsightsService;
}

/** `/v1/account/insights`: where this cycle's data is heading, and whether a plan would suit better. */
export const insightsRoutes: FastifyPluginAsyncZod<InsightsRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  app.get(
    '/insights',
    {
      schema: {
        summary: "This cycle's data forecast and a plan suggestion from the last three cycles",
        description:
          "forecast: at the mean daily pace of the cycle's whole days so far (today is not over, so it is left out of the pace), whether the data allowance runs out before the cycle ends and on which day, and the projected total. advisor: the cheapest active plan, taxes and fees included, that covered data, minutes and texts in each of the last three completed cycles, with what it would have saved over them; recommendation is null when no cheaper plan fits or there is no completed cycle yet (see reason).",
        tags: ['account'],
        security: [{ bearerAuth: [] }],
        response: { 200: UsageInsights, 400: ApiErrorBody, 401: ApiErrorBody },
      },
    },
    async (request) => opts.insights.insights(request.subscriberId),
  );
};
