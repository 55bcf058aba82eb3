import type { AutopayUpdate, AutopayView } from '../../../../contract/http/autopay';
import { AppError } from '../../../../main/errors';
import type { ApiCaller } from '../../../../main/services/api-client';
import { fakeCall } from './fakes';
import { SAVED_CARD } from './payments';

/** AutoPay off, as a new account has it: no card chosen, the plan's discount still shown. */
export const AUTOPAY_OFF: AutopayView = {
  enabled: false,
  paymentMethod: null,
  discountCents: 5_00,
  currency: 'USD',
  renewsOn: '2026-12-06',
  nextChargeOn: null,
  nextChargeCents: null,
  lastRun: null,
  cardExpiresBeforeNextCharge: false,
};

/**
 * The API's AutoPay routes, keeping the state a PUT sets. Only `pm_1` (the saved 4242 card) is
 * on the account; `fail` makes the next calls throw, `lose` applies the next PUT and then throws
 * as if its answer never arrived.
 */
export class FakeAutopay implements ApiCaller {
  view: AutopayView = { ...AUTOPAY_OFF };
  fail: AppError[] = [];
  lose: AppError | null = null;
  readonly calls: Array<{ method: 'autopay' | 'updateAutopay'; token: string; body?: unknown }> =
    [];

  autopay = async (token: string): Promise<AutopayView> => {
    this.calls.push({ method: 'autopay', token });
    const error = this.fail.shift();
    if (error) throw error;
    return this.view;
  };

  updateAutopay = async (token: string, body: AutopayUpdate): Promise<AutopayView> => {
    this.calls.push({ method: 'updateAutopay', token, body });
    const error = this.fail.shift();
    if (error) throw error;
    if (body.enabled && body.paymentMethodId !== SAVED_CARD.id) {
      throw new AppError(
        'payment_method_not_found',
        'There is no such saved card on this account.',
        { status: 404 },
      );
    }
    this.view = body.enabled
      ? {
          ...this.view,
          enabled: true,
          paymentMethod: {
            id: SAVED_CARD.id,
            brand: SAVED_CARD.brand,
            last4: SAVED_CARD.last4,
            expMonth: SAVED_CARD.expMonth,
            expYear: SAVED_CARD.expYear,
          },
          nextChargeOn: '2026-12-05',
          nextChargeCents: 35_00,
        }
      : { ...this.view, enabled: false, nextChargeOn: null, nextChargeCents: null };
    const lost = this.lose;
    this.lose = null;
    if (lost) throw lost;
    return this.view;
  };

  readonly call = fakeCall({
    'autopay.view': ({ accessToken }) => this.autopay(accessToken),
    'autopay.update': ({ accessToken, body }) => this.updateAutopay(accessToken, body),
  });
}
