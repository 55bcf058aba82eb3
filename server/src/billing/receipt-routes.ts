import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/auth-service';
import type { ReceiptMailer } from './receipt-mail';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';

export interface ReceiptRoutesOptions {
  auth: AuthService;
  receipts: ReceiptMailer;
}

/** Plan-change receipts, and e-mailing a payment's or a plan change's receipt. */
export const receiptRoutes: FastifyPluginAsyncZod<ReceiptRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  registerRoutes(
    app,
    ['payments.emailReceipt', 'plans.changeReceipt', 'plans.emailChangeReceipt'],
    {
      'payments.emailReceipt': async (request) =>
        opts.receipts.emailPayment(request.subscriberId, request.params.id),
      'plans.changeReceipt': async (request) =>
        opts.receipts.planChangeReceipt(request.subscriberId, request.params.id),
      'plans.emailChangeReceipt': async (request) =>
        opts.receipts.emailPlanChange(request.subscriberId, request.params.id),
    },
  );
};
