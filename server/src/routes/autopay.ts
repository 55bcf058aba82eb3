import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiErrorBody } from '../../../contract/errors';
import { AutopayUpdate, AutopayView } from '../../../contract/http/autopay';
import type { AuthService } from '../services/auth-service';
import type { AutopayService } from '../services/autopay';
import { requireBearerToken } from './bearer-auth';
import { JSON_BODY_ERRORS } from './shared';

export interface AutopayRoutesOptions {
  auth: AuthService;
  autopay: AutopayService;
}

const security = [{ bearerAuth: [] }];

/** `/v1/account/autopay`: whether renewals are charged to a saved card, and how the last went. */
export const autopayRoutes: FastifyPluginAsyncZod<AutopayRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  app.get(
    '/autopay',
    {
      schema: {
        summary: 'AutoPay: on or off, the card, the discount, the next charge and the last run',
        description:
          'The card is charged within the 24 hours before each renewal, for the renewal less the plan’s AutoPay discount and less the credit on the account. cardExpiresBeforeNextCharge warns that the card will have expired by then.',
        tags: ['payments'],
        security,
        response: { 200: AutopayView, 400: ApiErrorBody, 401: ApiErrorBody },
      },
    },
    async (request) => opts.autopay.view(request.subscriberId),
  );

  app.put(
    '/autopay',
    {
      schema: {
        summary: 'Turn AutoPay on with a saved card, or off',
        description:
          'Send {enabled: true, paymentMethodId} or {enabled: false}. 404 payment_method_not_found for a card not saved on this account; 400 card_invalid for a card that has expired.',
        tags: ['payments'],
        security,
        body: AutopayUpdate,
        response: {
          200: AutopayView,
          404: ApiErrorBody,
          ...JSON_BODY_ERRORS,
          401: ApiErrorBody,
        },
      },
    },
    async (request) => opts.autopay.update(request.subscriberId, request.body),
  );
};
