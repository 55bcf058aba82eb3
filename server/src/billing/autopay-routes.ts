import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/auth-service';
import type { AutopayService } from './autopay';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';

export interface AutopayRoutesOptions {
  auth: AuthService;
  autopay: AutopayService;
}

/** `/v1/account/autopay`: whether renewals are charged to a saved card, and how the last went. */
export const autopayRoutes: FastifyPluginAsyncZod<AutopayRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);
  registerRoutes(app, ['autopay.view', 'autopay.update'], {
    'autopay.view': async (request) => opts.autopay.view(request.subscriberId),
    'autopay.update': async (request) => opts.autopay.update(request.subscriberId, request.body),
  });
};
