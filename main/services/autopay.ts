import type { AutopayUpdate, AutopayView } from '../../contract/http/autopay';
import { AppError } from '../errors';
import type { ApiAutopay } from './api-client';
import type { Log } from './logger';
import type { SessionService } from './session';

export interface AutopayServiceDeps {
  api: ApiAutopay;
  session: Pick<SessionService, 'withAccess'>;
  log: Log;
}

/** Errors after which the API may or may not have applied the change: no answer, or a 5xx. */
function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  if (error.code === 'network_unreachable' || error.code === 'timeout') return true;
  if (error.code === 'service_unavailable') return true;
  const status = error.extra.status;
  return status !== undefined && status >= 500;
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
 * Turning AutoPay on or off sets a state rather than moving money: when the answer to a change
 * is lost, the account is read again, and if it already is as asked, that is the answer. Only
 * the card's brand and last four digits are ever logged.
 */
export class AutopayService {
  readonly #deps: AutopayServiceDeps;

  constructor(deps: AutopayServiceDeps) {
    this.#deps = deps;
  }

  get(): Promise<AutopayView> {
    return this.#deps.session.withAccess((t) => this.#deps.api.autopay(t));
  }

  async update(update: AutopayUpdate): Promise<AutopayView> {
    let view: AutopayView;
    try {
      view = await this.#deps.session.withAccess((t) => this.#deps.api.updateAutopay(t, update));
    } catch (error) {
      if (!outcomeUnknown(error)) throw error;
      const current = await this.get().catch(() => null);
      if (current === null || !autopayMatches(current, update)) throw error;
      this.#deps.log.warn(
        { errorCode: (error as AppError).code },
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
