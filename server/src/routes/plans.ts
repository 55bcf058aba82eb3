import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiErrorBody } from '../../../contract/errors';
import { IdempotencyHeaders } from '../../../contract/http/payments';
import {
  AddOnList,
  AddOnPurchase,
  AddOnPurchaseRequest,
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangePreview,
  PlanChangePreviewRequest,
  PlanChangeRequest,
  PlanChangeResult,
} from '../../../contract/http/plans';
import type { AuthService } from '../services/auth-service';
import type { PlanService } from '../services/plan-service';
import type { AddOnService } from '../services/add-on-service';
import { requireIdempotencyKey, type IdempotentAnswer } from '../services/idempotency';
import { requireBearerToken } from './bearer-auth';
import { JSON_BODY_ERRORS, rateLimitConfig, type RouteRateLimit } from './shared';

const security = [{ bearerAuth: [] }];
const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
const postErrors = { ...JSON_BODY_ERRORS, 401: ApiErrorBody };
const IDEMPOTENCY =
  'Needs an Idempotency-Key header (8–128 of A–Z a–z 0–9 _ -; 400 idempotency_key_required when missing). A retry with the same key and body gets the first answer again (header Idempotent-Replayed: true) and moves no money; the same key with another body is 422 idempotency_key_reused; while the first is still running, 409 idempotency_in_progress. A refusal such as 402 is remembered for its key: after adding credit, confirm with a new key.';

function sendAnswer(reply: FastifyReply, answer: IdempotentAnswer): FastifyReply {
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).send(answer.body as never);
}

export interface PlanCatalogueRoutesOptions {
  plans: PlanService;
  rateLimit?: RouteRateLimit;
}

/** `GET /v1/plans`: the public catalogue, for anyone choosing a plan (no token). */
export const planCatalogueRoutes: FastifyPluginAsyncZod<PlanCatalogueRoutesOptions> = async (
  app,
  opts,
) => {
  app.get(
    '/plans',
    {
      config: rateLimitConfig(opts.rateLimit ?? false),
      schema: {
        summary: 'The plans on sale, in catalogue order (no sign-in needed)',
        tags: ['plans'],
        response: { 200: PlanCatalogue, 400: ApiErrorBody, 429: ApiErrorBody },
      },
    },
    async (_request, reply) => {
      // The catalogue is the same for everyone and changes rarely.
      reply.header('cache-control', 'public, max-age=300');
      return opts.plans.catalogue();
    },
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

  app.post(
    '/plan/preview',
    {
      schema: {
        summary: 'What changing to another plan would do, now (prorated) or at the renewal',
        description:
          "Nothing changes, except that on a renewal day a renewal not yet booked is booked first (as the statement job would), so the quote starts from the balance after it. now: the current plan's unused days (today included) are credited, rounded up to the cent, and the new plan is charged for the same days, rounded down; taxes and fees come with the renewal. next_renewal: nothing is charged now and the new plan starts on the renewal day. 400 plan_unchanged for the current plan, 404 plan_not_found for a plan not on sale, 409 account_suspended.",
        tags: ['plans'],
        security,
        body: PlanChangePreviewRequest,
        response: { 200: PlanChangePreview, 404: ApiErrorBody, 409: ApiErrorBody, ...postErrors },
      },
    },
    async (request) =>
      opts.plans.preview(request.subscriberId, request.body.planId, request.body.when),
  );

  app.post(
    '/plan/change',
    {
      schema: {
        summary: 'Change plan now (prorated, from the balance) or at the renewal',
        description: `${IDEMPOTENCY} 200 with what the preview shows, plus changeId and status (applied or pending). Computed again on the server; with expectedChargeCents (the preview's netChargeCents) a different amount is 409 plan_price_changed. When the balance does not cover the net charge, nothing changes: 402 insufficient_balance with shortfallCents, so the app can offer a refill. A pending change replaces an earlier one and is cancelled by a change made now (or by DELETE /v1/account/plan/pending). Also 400 plan_unchanged, 404 plan_not_found, 409 account_suspended.`,
        tags: ['plans'],
        security,
        headers: IdempotencyHeaders,
        body: PlanChangeRequest,
        response: {
          200: PlanChangeResult,
          402: ApiErrorBody,
          404: ApiErrorBody,
          409: ApiErrorBody,
          422: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request, reply) => {
      const key = requireIdempotencyKey(request.headers['idempotency-key']);
      return sendAnswer(reply, await opts.plans.change(request.subscriberId, key, request.body));
    },
  );

  app.delete(
    '/plan/pending',
    {
      schema: {
        summary: 'Cancel the plan change scheduled for the next renewal',
        description:
          'The subscriber renews on the current plan. Nothing was charged for a change at the renewal, so nothing is refunded; no Idempotency-Key is needed, as no money moves. 200 with the cancelled change and the plan kept. 404 no_pending_plan_change when no change is scheduled (never scheduled, already cancelled, or its renewal day has come and it has been applied).',
        tags: ['plans'],
        security,
        response: { 200: CancelledPlanChange, 404: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.plans.cancelPending(request.subscriberId),
  );

  app.get(
    '/add-ons',
    {
      schema: {
        summary: 'Add-ons on sale, and the ones active this cycle with what is left on them',
        description:
          'remainingMb: data passes are used after the plan allowance, oldest first. A pass is good until the end of the cycle it was bought in.',
        tags: ['plans'],
        security,
        response: { 200: AddOnList, ...errors },
      },
    },
    async (request) => opts.addOns.list(request.subscriberId),
  );

  app.post(
    '/add-ons',
    {
      schema: {
        summary: 'Buy an add-on from the balance, for the rest of the current cycle',
        description: `${IDEMPOTENCY} 201 with the pass and the balance after it. 402 insufficient_balance with shortfallCents when the balance does not cover the price (taxes and fees included), 404 add_on_not_found, 409 account_suspended.`,
        tags: ['plans'],
        security,
        headers: IdempotencyHeaders,
        body: AddOnPurchaseRequest,
        response: {
          201: AddOnPurchase,
          402: ApiErrorBody,
          404: ApiErrorBody,
          409: ApiErrorBody,
          422: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request, reply) => {
      const key = requireIdempotencyKey(request.headers['idempotency-key']);
      return sendAnswer(
        reply,
        await opts.addOns.purchase(request.subscriberId, key, request.body.addOnId),
      );
    },
  );
};
