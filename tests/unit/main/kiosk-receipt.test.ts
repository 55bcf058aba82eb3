import { describe, expect, it } from 'vitest';
import type { CardBrand } from '../../../contract/cards';
import type { Receipt } from '../../../contract/http/payments';
import type { PlanChangeReceipt } from '../../../contract/http/plans';
import { paymentReceiptHtml, planChangeReceiptHtml } from '../../../main/services/kiosk-receipt';

const receipt = (brand: CardBrand): Receipt => ({
  paymentId: 'pay_1',
  receiptNumber: 'R-20261120-ABCD',
  createdAt: '2026-11-20T10:00:00.000Z',
  status: 'succeeded',
  method: 'card',
  card: { brand, last4: '4242' },
  items: [
    {
      item: { kind: 'card_payment', brand, last4: '4242' },
      amount: { amountCents: 2000, currency: 'USD' },
    },
  ],
  amount: { amountCents: 2000, currency: 'USD' },
  balanceAfter: null,
});

const print = (brand: CardBrand, language: 'en' | 'es') =>
  paymentReceiptHtml(receipt(brand), { storeName: 'Store', language, timeZone: 'UTC' });

describe('a printed payment receipt', () => {
  it('names the card’s brand as printed on it, in any language', () => {
    expect(print('visa', 'en')).toContain('VISA •••• 4242');
    expect(print('amex', 'es')).toContain('AMERICAN EXPRESS •••• 4242');
  });

  it('calls a card of no known brand just a card, in the receipt’s language', () => {
    expect(print('unknown', 'en')).toContain('CARD •••• 4242');
    expect(print('unknown', 'es')).toContain('TARJETA •••• 4242');
    expect(print('unknown', 'en')).not.toContain('UNKNOWN');
  });
});

describe('the lines of a printed receipt', () => {
  it('are worded from their kinds, in the receipt’s language', () => {
    expect(print('visa', 'en')).toContain('<th scope="row">Card payment, Visa ending in 4242</th>');
    expect(print('visa', 'es')).toContain(
      '<th scope="row">Pago con tarjeta, Visa terminada en 4242</th>',
    );
  });

  it('of a plan change say which plan, for how many days, in Spanish too', () => {
    const plans = {
      fromPlanId: 'starter-5gb',
      fromPlanName: 'Starter 5 GB',
      toPlanId: 'value-15gb',
      toPlanName: 'Value 15 GB',
      days: 12,
      cycleDays: 30,
    };
    const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });
    const change: PlanChangeReceipt = {
      changeId: 'pc_1',
      createdAt: '2026-11-20T10:00:00.000Z',
      fromPlan: { id: 'starter-5gb', name: 'Starter 5 GB' },
      toPlan: { id: 'value-15gb', name: 'Value 15 GB' },
      when: 'now',
      effectiveOn: '2026-11-20',
      status: 'applied',
      lines: [
        { item: { kind: 'plan_change_charge', ...plans }, amount: usd(-14_00) },
        { item: { kind: 'plan_change_credit', ...plans }, amount: usd(10_00) },
      ],
      charged: usd(14_00),
      credited: usd(10_00),
      netCharge: usd(4_00),
      balanceAfter: null,
    };
    const html = planChangeReceiptHtml(change, {
      storeName: 'Store',
      language: 'es',
      timeZone: 'UTC',
    });
    expect(html).toContain('Plan Value 15 GB, 12 de 30 días');
    expect(html).toContain('12 de 30 días sin usar de Starter 5 GB');
  });
});
