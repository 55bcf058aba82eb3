import type { AutopayUpdate, AutopayView } from '../../contract/http/autopay';
import { AppError, isOutcomeUnknown } from '../errors';
import type { ApiCaller } from './api-client';
import type { Log } from './logger';
import type { SessionService } from './session';

export interface AutopayServiceDeps {
  api: ApiCaller;
  session: Pick<SessionService, 'withAccess'>;
  log: Log;
}

/** The account already is as the update asked: on with that very card, or off. */
export function autopayMatches(view: AutopayView, update: AutopayUpdate): boolean {
  if (!update.enabled) return !view.enabled;
  return view.enabled && view.paymentMethod?.id === update.paymentMethodId;
}

/**
 * AutoPay on the account: read it, turn it on with a saved card, or off. Errors come from the
 * API client already mapped to the contract's codes (`payment_method_not_found` for a card that
 * is no longer saved, `card_invalid` for an expired one), so the renderer can word them.
 *
 * Turning AutoPay on or off sets a state rather than moving money, and the API's PUT takes no
 * Idempotency-Key: sending it twice leaves the same state. When its outcome is unknown (by the
 * same rule as every money-moving call, {@link isOutcomeUnknown}), the account is read again, and
 * if it already is as asked, that is the answer. Only the card's brand and last four digits are
 * ever logged.
 */
export class AutopayService {
  readonly #deps: AutopayServiceDeps;

  constructor(deps: AutopayServiceDeps) {
    this.#deps = deps;
  }

  get(): Promise<AutopayView> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('autopay.view', { accessToken: t }),
    );
  }

  async update(update: AutopayUpdate): Promise<AutopayView> {
    let view: AutopayView;
    try {
      view = await this.#deps.session.withAccess((t) =>
        this.#deps.api.call('autopay.update', {
          accessToken: t,
          // Only what the state needs: a card id means nothing when AutoPay goes off.
          body: update.enabled
            ? { enabled: true, paymentMethodId: update.paymentMethodId }
            : { enabled: false },
        }),
      );
    } catch (error) {
      if (!isOutcomeUnknown(error)) throw error;
      const current = await this.get().catch(() => null);
      if (current === null || !autopayMatches(current, update)) throw error;
      this.#deps.log.warn(
        { errorCode: error instanceof AppError ? error.code : 'unknown' },
        'autopay: the answer was lost, but the account shows the change was made',
      );
      view = current;
    }
    const card = view.paymentMethod;
    this.#deps.log.info(
      view.enabled && card
        ? { enabled: true, brand: card.brand, last4: card.last4 }
        : { enabled: view.enabled },
      view.enabled ? 'autopay: on' : 'autopay: off',
    );
    return view;
  }
}
