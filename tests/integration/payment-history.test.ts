import { afterAll, beforeAll, expect, it } from 'vitest';
import { PaymentList } from '../../contract/http/account';
import { Receipt, SavedCardList } from '../../contract/http/payments';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { CARDS, card, newKey, send, signedInAccount, type Account } from './support/payments';

/** What the payment history and its receipts need from the API: brand, decline reason, AutoPay card. */
describeWithDb(`payment history details (${dbKind})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const pay = (a: Account, number: string, amountCents: number) =>
    send(
      t,
      a,
      'POST',
      '/v1/account/payments',
      { amountCents, card: card(number) },
      { 'idempotency-key': newKey() },
    );
  const history = async (a: Account) => {
    const res = await send(t, a, 'GET', '/v1/account/payments?limit=100');
    expect(res.statusCode, res.body).toBe(200);
    return PaymentList.parse(res.json());
  };

  it('lists each payment with its card brand and, for a failed one, the decline reason', async () => {
    const a = await signedInAccount(t);
    expect((await pay(a, CARDS.approves, 20_00)).statusCode).toBe(201);
    expect((await pay(a, CARDS.declines, 15_00)).statusCode).toBe(402);
    expect((await pay(a, CARDS.insufficientFunds, 12_34)).statusCode).toBe(402);

    const { items } = await history(a);
    const rows = await t.testDb.database.db
      .selectFrom('payments')
      .select(['id', 'status', 'decline_code', 'card_brand', 'card_last4', 'amount_cents'])
      .where('subscriber_id', '=', a.id)
      .execute();
    expect(items).toHaveLength(3);
    for (const item of items) {
      const row = rows.find((r) => r.id === item.id)!;
      expect(item.cardBrand).toBe(row.card_brand);
      expect(item.declineCode).toBe(row.status === 'failed' ? row.decline_code : null);
    }
    const byAmount = Object.fromEntries(items.map((p) => [p.amount.amountCents, p]));
    expect(byAmount[20_00]).toMatchObject({
      status: 'succeeded',
      cardBrand: 'visa',
      cardLast4: '4242',
      declineCode: null,
    });
    expect(byAmount[15_00]).toMatchObject({
      status: 'failed',
      cardBrand: 'visa',
      cardLast4: '0002',
      declineCode: 'card_declined',
    });
    expect(byAmount[12_34]).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds' });

    // A failed payment has a receipt too, with no balance after it (no money moved).
    const receipt = await send(t, a, 'GET', `/v1/account/payments/${byAmount[15_00]!.id}/receipt`);
    expect(receipt.statusCode, receipt.body).toBe(200);
    expect(Receipt.parse(receipt.json())).toMatchObject({
      status: 'failed',
      balanceAfter: null,
      card: { brand: 'visa', last4: '0002' },
    });
  });

  it('a refill has no card: brand and decline reason are null', async () => {
    const a = await signedInAccount(t);
    await t.testDb.database.db
      .insertInto('payments')
      .values({
        id: 'pay_refill_history_test',
        subscriber_id: a.id,
        amount_cents: 25_00,
        currency: 'USD',
        method: 'refill_pin',
        card_last4: null,
        status: 'succeeded',
        item: JSON.stringify({ kind: 'refill_pin' }),
        created_at: t.clock.now(),
        statement_id: null,
      })
      .execute();
    const { items } = await history(a);
    expect(items[0]).toMatchObject({
      method: 'refill_pin',
      cardLast4: null,
      cardBrand: null,
      declineCode: null,
    });
  });

  it('marks the saved card AutoPay charges, and no other', async () => {
    const a = await signedInAccount(t);
    const add = (number: string) => send(t, a, 'POST', '/v1/account/payment-methods', card(number));
    const first = (await add(CARDS.approves)).json<{ id: string }>();
    const second = (await add('5555 5555 5555 4444')).json<{ id: string }>();
    const cards = async () =>
      SavedCardList.parse((await send(t, a, 'GET', '/v1/account/payment-methods')).json()).items;
    expect((await cards()).map((c) => c.usedByAutopay)).toEqual([false, false]);

    const autopay = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'PUT',
        url: '/v1/account/autopay',
        payload,
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      });
    const on = await autopay({ enabled: true, paymentMethodId: second.id });
    expect(on.statusCode, on.body).toBe(200);
    const marked = await cards();
    expect(marked.find((c) => c.id === second.id)?.usedByAutopay).toBe(true);
    expect(marked.find((c) => c.id === first.id)?.usedByAutopay).toBe(false);

    // AutoPay off: no card is "the AutoPay card" any more.
    const off = await autopay({ enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect((await cards()).every((c) => c.usedByAutopay === false)).toBe(true);
  });
});
