import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/auth-service';
import type { PlanService } from './plan-service';
import type { AddOnService } from './add-on-service';
import { requireIdempotencyKey } from '../billing/idempotency';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';
import { sendAnswer, type RateLimits } from '../http/shared';

export interface PlanCatalogueRoutesOptions {
  plans: PlanService;
  rateLimits: RateLimits;
}

/** `GET /v1/plans`: the public catalogue, for anyone choosing a plan (no token). */
export const planCatalogueRoutes: FastifyPluginAsyncZod<PlanCatalogueRoutesOptions> = async (
  app,
  opts,
) => {
  registerRoutes(
    app,
    ['plans.catalogue'],
    {
      'plans.catalogue': async (_request, reply) => {
        // The catalogue is the same for everyone and changes rarely.
        reply.header('cache-control', 'public, max-age=300');
        return opts.plans.catalogue();
      },
    },
    { rateLimits: opts.rateLimits },
  );
};

export interface PlanRoutesOptions {
  auth: AuthService;
  plans: PlanService;
  addOns: AddOnService;
}

/** `/v1/account/plan/*` and `/v1/account/add-ons`: changing plan and buying add-ons. */
export const planRoutes: FastifyPluginAsyncZod<PlanRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  registerRoutes(
    app,
    ['plans.preview', 'plans.change', 'plans.cancelPending', 'plans.addOns', 'plans.buyAddOn'],
    {
      'plans.preview': async (request) =>
        opts.plans.preview(request.subscriberId, request.body.planId, request.body.when),
      'plans.change': async (request, reply) => {
        const key = requireIdempotencyKey(request.headers['idempotency-key']);
        return sendAnswer(reply, await opts.plans.change(request.subscriberId, key, request.body));
      },
      'plans.cancelPending': async (request) => opts.plans.cancelPending(request.subscriberId),
      'plans.addOns': async (request) => opts.addOns.list(request.subscriberId),
      'plans.buyAddOn': async (request, reply) => {
        const key = requireIdempotencyKey(request.headers['idempotency-key']);
        return sendAnswer(
          reply,
          await opts.addOns.purchase(request.subscriberId, key, request.body.addOnId),
        );
      },
    },
  );
};
