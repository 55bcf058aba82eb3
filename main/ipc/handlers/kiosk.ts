import type { KioskPolicy, KioskState } from '../../../contract/kiosk';
import type { Language } from '../../../contract/settings';
import { AppError } from '../../errors';
import { KIOSK_MESSAGES, featureCheck, receiptFeatures } from '../../kiosk-core';
import type { ApiCaller } from '../../services/api-client';
import type { KioskController, KioskHost } from '../../services/kiosk';
import { paymentReceiptHtml, planChangeReceiptHtml } from '../../services/kiosk-receipt';
import type { Log } from '../../services/logger';
import type { PaymentService } from '../../services/payments';
import type { SessionService } from '../../services/session';
import type { HandlersFor } from '../router';

export interface KioskHandlerDeps {
  /** What `kiosk:state` answers: normal, the kiosk's state, or blocked. */
  state(): KioskState;
  /** The store kiosk, or `null` outside kiosk mode. */
  kiosk: {
    policy: KioskPolicy;
    controller: KioskController;
    host: KioskHost;
    api: ApiCaller;
  } | null;
  session: SessionService;
  payments: PaymentService;
  /** The language a printed receipt is in (the customer's choice, or the system's). */
  language(): Language;
  log: Log;
}

/** The `kiosk:*` handlers. The guard has already refused them outside kiosk mode. */
export function kioskHandlers(deps: KioskHandlerDeps): HandlersFor<'kiosk'> {
  const kiosk = () => {
    if (!deps.kiosk) throw new AppError('forbidden', KIOSK_MESSAGES.notKiosk);
    return deps.kiosk;
  };
  return {
    'kiosk:state': async () => deps.state(),
    'kiosk:start': () => kiosk().controller.start(),
    'kiosk:activity': async () => {
      kiosk().controller.activity();
      return null;
    },
    'kiosk:end-session': async () => {
      await kiosk().controller.wipe('ended');
      return null;
    },
    'kiosk:staff-exit': ({ pin }) => kiosk().controller.staffExit(pin),
    'kiosk:print-receipt': async (ref) => {
      const { policy, host, api } = kiosk();
      featureCheck(policy, receiptFeatures(ref));
      const printer = policy.receiptPrinter;
      if (printer === null) throw new AppError('printer_unavailable', KIOSK_MESSAGES.noPrinter);
      const options = { storeName: policy.storeName, language: deps.language() };
      const html =
        ref.kind === 'payment'
          ? paymentReceiptHtml(await deps.payments.receipt(ref.id), options)
          : planChangeReceiptHtml(
              await deps.session.withAccess((t) =>
                api.call('plans.changeReceipt', { accessToken: t, params: { id: ref.id } }),
              ),
              options,
            );
      try {
        await host.print(html, printer);
      } catch (error) {
        deps.log.error({ err: error, printer }, 'kiosk: the receipt did not print');
        throw new AppError('printer_unavailable', KIOSK_MESSAGES.printFailed);
      }
      deps.log.info({ kind: ref.kind }, 'kiosk: receipt printed');
      return null;
    },
    'kiosk:email-receipt': async (ref) => {
      const { policy, api } = kiosk();
      featureCheck(policy, receiptFeatures(ref));
      const sent = await deps.session.withAccess((t) =>
        ref.kind === 'payment'
          ? api.call('payments.emailReceipt', { accessToken: t, params: { id: ref.id } })
          : api.call('plans.emailChangeReceipt', { accessToken: t, params: { id: ref.id } }),
      );
      return { sentTo: sent.sentTo };
    },
  };
}
