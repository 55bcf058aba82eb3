import type { ExportService } from '../../services/exports';
import type { PaymentService } from '../../services/payments';
import type { HandlersFor } from '../router';

export interface PaymentHandlerDeps {
  payments: PaymentService;
  /** The payment history as CSV is a download, like the statements' exports. */
  exports: ExportService;
}

export function paymentsHandlers({
  payments,
  exports,
}: PaymentHandlerDeps): HandlersFor<'payments'> {
  return {
    'payments:export-csv': () => exports.paymentsCsv(),
    'payments:methods': () => payments.methods(),
    'payments:add-method': (input) => payments.addMethod(input),
    'payments:remove-method': async ({ id }) => {
      await payments.removeMethod(id);
      return null;
    },
    'payments:set-default': ({ id }) => payments.setDefault(id),
    'payments:pay': (input) => payments.pay(input),
    'payments:refill': ({ pin }) => payments.refill(pin),
    'payments:receipt': ({ id }) => payments.receipt(id),
  };
}
