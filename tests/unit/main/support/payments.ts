import type { Receipt, SavedCard } from '../../../../contract/http/payments';
import type { ApiCaller } from '../../../../main/services/api-client';
import { fakeCall } from './fakes';

export const SAVED_CARD: SavedCard = {
  id: 'pm_1',
  brand: 'visa',
  last4: '4242',
  expMonth: 12,
  expYear: 2030,
  nickname: null,
  isDefault: true,
  createdAt: '2026-11-25T12:00:00.000Z',
};

export const paymentReceipt = (method: Receipt['method'] = 'card'): Receipt => ({
  paymentId: 'pay_1',
  receiptNumber: 'R-000001',
  createdAt: '2026-11-25T12:00:00.000Z',
  status: 'succeeded',
  method,
  card: method === 'card' ? { brand: 'visa', last4: '4242' } : null,
  items: [],
  amount: { amountCents: 2000, currency: 'USD' },
  balanceAfter: { amountCents: 2000, currency: 'USD' },
});

/** The API's card and payment routes, answering as the sandbox does for the 4242 card. */
export class FakePayments implements ApiCaller {
  /** Idempotency-Keys sent, in order. */
  readonly keys: string[] = [];

  async paymentMethods() {
    return { items: [SAVED_CARD] };
  }
  async addPaymentMethod() {
    return SAVED_CARD;
  }
  async removePaymentMethod() {}
  async setDefaultPaymentMethod() {
    return { items: [SAVED_CARD] };
  }
  async pay(_t: string, _body: unknown, key: string) {
    this.keys.push(key);
    return paymentReceipt('card');
  }
  async refill(_t: string, _pin: string, key: string) {
    this.keys.push(key);
    return paymentReceipt('refill_pin');
  }
  async receipt() {
    return paymentReceipt('card');
  }

  readonly call = fakeCall({
    'payments.methods': () => this.paymentMethods(),
    'payments.addMethod': () => this.addPaymentMethod(),
    'payments.removeMethod': () => this.removePaymentMethod(),
    'payments.setDefaultMethod': () => this.setDefaultPaymentMethod(),
    'payments.pay': ({ accessToken, body, idempotencyKey }) =>
      this.pay(accessToken, body, idempotencyKey),
    'payments.refill': ({ accessToken, body, idempotencyKey }) =>
      this.refill(accessToken, body.pin, idempotencyKey),
    'payments.receipt': () => this.receipt(),
  });
}
