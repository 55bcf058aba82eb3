import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import { PaymentParams } from '../../../contract/http/payments';
import { PlanChangeParams, PlanChangeReceipt } from '../../../contract/http/plans';
import { ReceiptEmailResponse } from '../../../contract/http/kiosk';
import type { AuthService } from '../services/auth-service';
import type { ReceiptMailer } from '../services/receipt-mail';
import { requireBearerToken } from './bearer-auth';
import { JSON_BODY_ERRORS } from './shared';

export interface ReceiptRoutesOptions {
  auth: AuthService;
  receipts: ReceiptMailer;
}

const security = [{ bearerAuth: [] }];
const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
const postErrors = { ...JSON_BODY_ERRORS, 401: ApiErrorBody };
const EMAIL =
  "Sends the receipt to the account's own e-mail address (nowhere else; nothing is kept) and answers where it went, masked. 5 per receipt an hour (429 rate_limited with retryAfterSeconds). 409 invalid_request when the account has no e-mail address, 502 delivery_failed when the mail server refused it, 503 when this server cannot send e-mail.";
/** No body is needed; an empty JSON object is accepted too. */
const NoBody = z.strictObject({}).nullish();

/** Plan-change receipts, and e-mailing a payment's or a plan change's receipt. */
export const receiptRoutes: FastifyPluginAsyncZod<ReceiptRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  app.post(
    '/payments/:id/receipt/email',
    {
      schema: {
        summary: "E-mail the receipt of one payment or refill to the account's address",
        description: `${EMAIL} 404 payment_not_found for a payment that is not this account's.`,
        tags: ['payments'],
        security,
        params: PaymentParams,
        body: NoBody,
        response: {
          200: ReceiptEmailResponse,
          404: ApiErrorBody,
          409: ApiErrorBody,
          502: ApiErrorBody,
          503: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) => opts.receipts.emailPayment(request.subscriberId, request.params.id),
  );

  app.get(
    '/plan/changes/:id/receipt',
    {
      schema: {
        summary: 'The receipt of one plan change',
        description:
          'From what was recorded when the change was made: the plans, when it takes effect, the prorated charge and credit, and the balance right after it (null for changes made before it was kept). 404 not_found for a change that is not this account’s.',
        tags: ['plans'],
        security,
        params: PlanChangeParams,
        response: { 200: PlanChangeReceipt, 404: ApiErrorBody, ...errors },
      },
    },
    async (request) => opts.receipts.planChangeReceipt(request.subscriberId, request.params.id),
  );

  app.post(
    '/plan/changes/:id/receipt/email',
    {
      schema: {
        summary: "E-mail the receipt of one plan change to the account's address",
        description: `${EMAIL} 404 not_found for a change that is not this account's.`,
        tags: ['plans'],
        security,
        params: PlanChangeParams,
        body: NoBody,
        response: {
          200: ReceiptEmailResponse,
          404: ApiErrorBody,
          409: ApiErrorBody,
          502: ApiErrorBody,
          503: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) => opts.receipts.emailPlanChange(request.subscriberId, request.params.id),
  );
};
