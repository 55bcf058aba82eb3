import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import {
  AddCardRequest,
  IdempotencyHeaders,
  PaymentMethodParams,
  PaymentParams,
  PayRequest,
  Receipt,
  RefillRequest,
  SavedCard,
  SavedCardList,
} from '../../../contract/http/payments';
import type { AuthService } from '../services/auth-service';
import type { PaymentService } from '../services/payment-service';
import { requireIdempotencyKey, type IdempotentAnswer } from '../services/idempotency';
import { requireBearerToken } from './bearer-auth';
import { JSON_BODY_ERRORS, rateLimitConfig, type RouteRateLimit } from './shared';
import { clientKey } from '../plugins/kiosk-client';

export interface PaymentRoutesOptions {
  auth: AuthService;
  payments: PaymentService;
  /** Per-client limit on the routes that reach the card processor; `false` for none. */
  rateLimit?: RouteRateLimit;
}

const security = [{ bearerAuth: [] }];
const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
const postErrors = { ...JSON_BODY_ERRORS, 401: ApiErrorBody };
const IDEMPOTENCY =
  'Needs an Idempotency-Key header (8–128 of A–Z a–z 0–9 _ -; 400 idempotency_key_required when missing). A retry with the same key and body gets the first answer again (header Idempotent-Replayed: true) and moves no money; the same key with another body is 422 idempotency_key_reused; while the first is still running, 409 idempotency_in_progress with retryAfterSeconds.';

function sendAnswer(reply: FastifyReply, answer: IdempotentAnswer): FastifyReply {
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).send(answer.body as never);
}

/** Saved cards, card payments, refill PINs and receipts of the signed-in subscriber. */
export const paymentRoutes: FastifyPluginAsyncZod<PaymentRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);
  const limited = rateLimitConfig(opts.rateLimit ?? false);

  app.get(
    '/payment-methods',
    {
      schema: {
        summary:
          'Saved cards, the default first, then newest (brand, last four digits and expiry only)',
        tags: ['payments'],
        security,
        response: { 200: SavedCardList, ...errors },
      },
    },
    async (request) => opts.payments.listCards(request.subscriberId),
  );

  app.post(
    '/payment-methods',
    {
      config: limited,
      schema: {
        summary:
          'Save a card; the number and security code are passed to the processor, never kept',
        description:
          'The first card saved becomes the default, as does one sent with makeDefault. 400 card_invalid (with issues naming the field) for a wrong number, security code or a past expiry; 402 card_declined (with declineCode) when the issuer refuses the card.',
        tags: ['payments'],
        security,
        body: AddCardRequest,
        response: { 201: SavedCard, 402: ApiErrorBody, ...postErrors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await opts.payments.addCard(request.subscriberId, request.body)),
  );

  app.delete(
    '/payment-methods/:id',
    {
      schema: {
        summary: 'Remove a saved card',
        description: 'When it was the default, the newest remaining card becomes the default.',
        tags: ['payments'],
        security,
        params: PaymentMethodParams,
        response: { 204: z.null(), 404: ApiErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      await opts.payments.deleteCard(request.subscriberId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/payment-methods/:id/default',
    {
      schema: {
        summary: 'Make a saved card the default; returns the cards',
        tags: ['payments'],
        security,
        params: PaymentMethodParams,
        // No body is needed; an empty JSON object is accepted too.
        body: z.strictObject({}).nullish(),
        response: { 200: SavedCardList, 404: ApiErrorBody, ...postErrors },
      },
    },
    async (request) => opts.payments.setDefault(request.subscriberId, request.params.id),
  );

  app.post(
    '/payments',
    {
      config: limited,
      schema: {
        summary: 'Pay toward the balance by card (a saved one, or one used once)',
        description: `${IDEMPOTENCY} 201 with the receipt. 402 card_declined (with declineCode) records a failed payment and moves no money. 400 card_invalid for a one-time card that cannot be used, 404 payment_method_not_found, 503 payment_processor_unavailable when nothing was charged and a retry may work.`,
        tags: ['payments'],
        security,
        headers: IdempotencyHeaders,
        body: PayRequest,
        response: {
          201: Receipt,
          402: ApiErrorBody,
          404: ApiErrorBody,
          409: ApiErrorBody,
          422: ApiErrorBody,
          503: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request, reply) => {
      const key = requireIdempotencyKey(request.headers['idempotency-key']);
      return sendAnswer(reply, await opts.payments.pay(request.subscriberId, key, request.body));
    },
  );

  app.post(
    '/refill',
    {
      schema: {
        summary: 'Add credit with a refill PIN',
        description: `${IDEMPOTENCY} 201 with the receipt. 400 invalid_refill_pin_format when it is not 16 digits; 400 refill_pin_invalid for a PIN that does not exist or was used (the same answer for both). After 5 wrong PINs (a used one counts) in an hour for the account or the client (its address, or the customer visit at a store kiosk), 429 rate_limited with retryAfterSeconds, even for a good PIN; tries sent at once are counted one at a time, across every API instance.`,
        tags: ['payments'],
        security,
        headers: IdempotencyHeaders,
        body: RefillRequest,
        response: { 201: Receipt, 409: ApiErrorBody, 422: ApiErrorBody, ...postErrors },
      },
    },
    async (request, reply) => {
      const key = requireIdempotencyKey(request.headers['idempotency-key']);
      return sendAnswer(
        reply,
        await opts.payments.refill(request.subscriberId, clientKey(request), key, request.body.pin),
      );
    },
  );

  app.get(
    '/payments/:id/receipt',
    {
      schema: {
        summary: 'The receipt of one payment or refill',
        tags: ['payments'],
        security,
        params: PaymentParams,
        response: { 200: Receipt, 404: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.payments.receipt(request.subscriberId, request.params.id),
  );
};
