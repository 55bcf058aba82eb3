import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/auth-service';
import type { PaymentService } from './payment-service';
import { requireIdempotencyKey } from './idempotency';
import { clientKey } from '../kiosk/kiosk-client';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';
import { sendAnswer, type RateLimits } from '../http/shared';

export interface PaymentRoutesOptions {
  auth: AuthService;
  payments: PaymentService;
  /** The `payments` class limits the routes that reach the card processor. */
  rateLimits: RateLimits;
}

/** Saved cards, card payments, refill PINs and receipts of the signed-in subscriber. */
export const paymentRoutes: FastifyPluginAsyncZod<PaymentRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  registerRoutes(
    app,
    [
      'payments.methods',
      'payments.addMethod',
      'payments.removeMethod',
      'payments.setDefaultMethod',
      'payments.pay',
      'payments.refill',
      'payments.receipt',
    ],
    {
      'payments.methods': async (request) => opts.payments.listCards(request.subscriberId),
      'payments.addMethod': async (request, reply) =>
        reply.code(201).send(await opts.payments.addCard(request.subscriberId, request.body)),
      'payments.removeMethod': async (request, reply) => {
        await opts.payments.deleteCard(request.subscriberId, request.params.id);
        return reply.code(204).send(null);
      },
      'payments.setDefaultMethod': async (request) =>
        opts.payments.setDefault(request.subscriberId, request.params.id),
      'payments.pay': async (request, reply) => {
        const key = requireIdempotencyKey(request.headers['idempotency-key']);
        return sendAnswer(reply, await opts.payments.pay(request.subscriberId, key, request.body));
      },
      'payments.refill': async (request, reply) => {
        const key = requireIdempotencyKey(request.headers['idempotency-key']);
        return sendAnswer(
          reply,
          await opts.payments.refill(
            request.subscriberId,
            clientKey(request),
            key,
            request.body.pin,
          ),
        );
      },
      'payments.receipt': async (request) =>
        opts.payments.receipt(request.subscriberId, request.params.id),
    },
    { rateLimits: opts.rateLimits },
  );
};
