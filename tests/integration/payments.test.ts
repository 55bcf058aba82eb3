import { Writable } from 'node:stream';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { AccountSummary } from '../../contract/http/account';
import { Receipt, SavedCardList } from '../../contract/http/payments';
import { loadRefillPinKey } from '../../server/src/secrets';
import { generatePins } from '../../server/src/billing/refill-pins';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import {
  CARDS,
  card,
  moneyOf,
  newKey,
  send,
  signedInAccount,
  succeededCharges,
  type Account,
} from './support/payments';

const PANS = ['4242424242424242', '4000000000000002', '4000000000009995', '4000000000000119'];

describeWithDb(`card payments (${dbKind})`, () => {
  let t: TestApp;
  let logLines = '';

  beforeAll(async () => {
    // Every log line the API writes, at the most verbose level, to prove no card number is in one.
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines += String(chunk);
        done();
      },
    });
    t = await createTestApp({ logger: { level: 'trace', stream } });
  });
  afterAll(async () => t?.close());

  const pay = (a: Account, body: unknown, key: string | null = newKey()) =>
    send(
      t,
      a,
      'POST',
      '/v1/account/payments',
      body,
      key === null ? {} : { 'idempotency-key': key },
    );

  it('needs a well-formed Idempotency-Key', async () => {
    const a = await signedInAccount(t);
    const body = { amountCents: 1000, card: card(CARDS.approves) };
    const missing = expectError(await pay(a, body, null), 400, 'idempotency_key_required');
    expect(missing.message).toMatch(/Idempotency-Key/);
    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 'semi;colon1']) {
      const error = expectError(await pay(a, body, bad), 400, 'invalid_request');
      expect(error.message).toMatch(/Idempotency-Key/);
    }
    expect((await moneyOf(t.testDb.database.db, a.id)).payments).toEqual([]);
  });

  it('charges a one-time card and answers with a receipt; the balance is the ledger sum', async () => {
    const a = await signedInAccount(t);
    const res = await pay(a, { amountCents: 2550, card: card(CARDS.approves) });
    expect(res.statusCode, res.body).toBe(201);
    const receipt = Receipt.parse(res.json());
    expect(receipt).toMatchObject({
      status: 'succeeded',
      method: 'card',
      card: { brand: 'visa', last4: '4242' },
      amount: { amountCents: 2550, currency: 'USD' },
      balanceAfter: { amountCents: 2550, currency: 'USD' },
    });
    expect(receipt.receiptNumber).toMatch(/^R-\d{8}-[0-9A-F]{8}$/);
    const money = await moneyOf(t.testDb.database.db, a.id);
    expect(money.ledger).toHaveLength(1);
    expect(money.ledger[0]).toMatchObject({ kind: 'payment', amount_cents: 2550 });
    const summary = AccountSummary.parse((await send(t, a, 'GET', '/v1/account/summary')).json());
    expect(summary.balance.amountCents).toBe(money.ledgerSum);

    const again = await send(t, a, 'GET', `/v1/account/payments/${receipt.paymentId}/receipt`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(receipt);
    const list = (await send(t, a, 'GET', '/v1/account/payments')).json<{ items: unknown[] }>();
    expect(list.items[0]).toMatchObject({ id: receipt.paymentId, status: 'succeeded' });
  });

  it('charges once for the same key twice, and answers the same both times', async () => {
    const a = await signedInAccount(t);
    const key = newKey();
    const charges = await succeededCharges(t.testDb.database.db);
    const body = { amountCents: 1200, card: card(CARDS.approves) };
    const first = await pay(a, body, key);
    const second = await pay(a, { card: body.card, amountCents: 1200 }, key);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await succeededCharges(t.testDb.database.db)).toBe(charges + 1);
    expect((await moneyOf(t.testDb.database.db, a.id)).ledger).toHaveLength(1);
  });

  it('charges once when identical requests race', async () => {
    const a = await signedInAccount(t);
    const key = newKey();
    const charges = await succeededCharges(t.testDb.database.db);
    const body = { amountCents: 700, card: card(CARDS.approves) };
    const answers = await Promise.all(Array.from({ length: 6 }, () => pay(a, body, key)));
    for (const res of answers) {
      expect(res.statusCode, res.body).toBe(201);
      expect(res.body).toBe(answers[0]!.body);
    }
    expect(await succeededCharges(t.testDb.database.db)).toBe(charges + 1);
    const money = await moneyOf(t.testDb.database.db, a.id);
    expect(money.ledger).toHaveLength(1);
    expect(money.payments).toHaveLength(1);
  });

  it('refuses the same key with a different body (422) and keys are per account', async () => {
    const a = await signedInAccount(t);
    const b = await signedInAccount(t);
    const key = newKey();
    expect((await pay(a, { amountCents: 1000, card: card(CARDS.approves) }, key)).statusCode).toBe(
      201,
    );
    expectError(
      await pay(a, { amountCents: 1001, card: card(CARDS.approves) }, key),
      422,
      'idempotency_key_reused',
    );
    // Another subscriber's key space is their own.
    expect((await pay(b, { amountCents: 1000, card: card(CARDS.approves) }, key)).statusCode).toBe(
      201,
    );
    expect((await moneyOf(t.testDb.database.db, a.id)).ledger).toHaveLength(1);
  });

  it('records a declined card as a failed payment with no ledger entry', async () => {
    const a = await signedInAccount(t);
    const key = newKey();
    const declined = await pay(a, { amountCents: 1500, card: card(CARDS.declines) }, key);
    expect(expectError(declined, 402, 'card_declined').declineCode).toBe('card_declined');
    const replay = await pay(a, { amountCents: 1500, card: card(CARDS.declines) }, key);
    expect(replay.statusCode).toBe(402);
    expect(replay.body).toBe(declined.body);
    const funds = await pay(a, { amountCents: 1500, card: card(CARDS.insufficientFunds) });
    expect(expectError(funds, 402, 'card_declined').declineCode).toBe('insufficient_funds');
    const money = await moneyOf(t.testDb.database.db, a.id);
    expect(money.ledger).toEqual([]);
    expect(money.payments.map((p) => [p.status, p.decline_code]).sort()).toEqual([
      ['failed', 'card_declined'],
      ['failed', 'insufficient_funds'],
    ]);
  });

  it('answers 503 when the processor fails, charges nothing, and lets the same key retry', async () => {
    const a = await signedInAccount(t);
    const key = newKey();
    const body = { amountCents: 900, card: card(CARDS.processingError) };
    const error = expectError(await pay(a, body, key), 503, 'payment_processor_unavailable');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expectError(await pay(a, body, key), 503, 'payment_processor_unavailable');
    const money = await moneyOf(t.testDb.database.db, a.id);
    expect(money.payments).toEqual([]);
    expect(money.ledger).toEqual([]);
  });

  it('checks the card like a processor: Luhn, security code length, expiry', async () => {
    const a = await signedInAccount(t);
    const cases: [Record<string, unknown>, string][] = [
      [card('4242 4242 4242 4241'), 'body.card.number'],
      [card('3782 822463 10005', { cvc: '123' }), 'body.card.cvc'],
      [card(CARDS.approves, { cvc: '1234' }), 'body.card.cvc'],
      [card(CARDS.approves, { expYear: 2026, expMonth: 10 }), 'body.card.expYear'],
    ];
    for (const [c, path] of cases) {
      const error = expectError(await pay(a, { amountCents: 500, card: c }), 400, 'card_invalid');
      expect(error.issues?.[0]?.path).toBe(path);
    }
    // An American Express card with its 4-digit code goes through.
    const amex = await pay(a, {
      amountCents: 500,
      card: card('3782 822463 10005', { cvc: '1234' }),
    });
    expect(amex.statusCode, amex.body).toBe(201);
    expect(Receipt.parse(amex.json()).card).toEqual({ brand: 'amex', last4: '0005' });
  });

  it('validates the amount and the choice of card', async () => {
    const a = await signedInAccount(t);
    for (const body of [
      { amountCents: 99, card: card(CARDS.approves) },
      { amountCents: 50_001, card: card(CARDS.approves) },
      { amountCents: 10.5, card: card(CARDS.approves) },
      { amountCents: 1000 },
      { amountCents: 1000, card: card(CARDS.approves), paymentMethodId: 'pm_x' },
    ]) {
      expectError(await pay(a, body), 400, 'invalid_request');
    }
    expectError(
      await pay(a, { amountCents: 1000, paymentMethodId: 'pm_nope' }),
      404,
      'payment_method_not_found',
    );
  });

  it('saves cards, picks a default, pays with one and removes them', async () => {
    const a = await signedInAccount(t);
    const b = await signedInAccount(t);
    const add = (body: unknown) => send(t, a, 'POST', '/v1/account/payment-methods', body);
    const first = await add({ ...card(CARDS.approves), nickname: 'Everyday' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      brand: 'visa',
      last4: '4242',
      isDefault: true,
      nickname: 'Everyday',
    });
    const second = await add({ ...card('5555 5555 5555 4444'), makeDefault: true });
    expect(second.json()).toMatchObject({ brand: 'mastercard', isDefault: true });
    const list = SavedCardList.parse(
      (await send(t, a, 'GET', '/v1/account/payment-methods')).json(),
    );
    expect(list.items.map((c) => [c.last4, c.isDefault])).toEqual([
      ['4444', true],
      ['4242', false],
    ]);
    const firstId = first.json<{ id: string }>().id;
    const made = await send(t, a, 'POST', `/v1/account/payment-methods/${firstId}/default`);
    expect(made.statusCode, made.body).toBe(200);
    expect(SavedCardList.parse(made.json()).items.find((c) => c.isDefault)?.id).toBe(firstId);

    const paid = await pay(a, { amountCents: 3000, paymentMethodId: firstId });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(Receipt.parse(paid.json()).card).toEqual({ brand: 'visa', last4: '4242' });

    // Another account cannot see, use or remove these cards.
    expectError(
      await send(t, b, 'DELETE', `/v1/account/payment-methods/${firstId}`),
      404,
      'payment_method_not_found',
    );
    expectError(
      await send(
        t,
        b,
        'POST',
        '/v1/account/payments',
        { amountCents: 3000, paymentMethodId: firstId },
        { 'idempotency-key': newKey() },
      ),
      404,
      'payment_method_not_found',
    );
    expectError(
      await send(
        t,
        b,
        'GET',
        `/v1/account/payments/${Receipt.parse(paid.json()).paymentId}/receipt`,
      ),
      404,
      'payment_not_found',
    );

    const removed = await send(t, a, 'DELETE', `/v1/account/payment-methods/${firstId}`);
    expect(removed.statusCode).toBe(204);
    const after = SavedCardList.parse(
      (await send(t, a, 'GET', '/v1/account/payment-methods')).json(),
    );
    expect(after.items.map((c) => [c.last4, c.isDefault])).toEqual([['4444', true]]);
    expectError(
      await pay(a, { amountCents: 3000, paymentMethodId: firstId }),
      404,
      'payment_method_not_found',
    );
  });

  it('refuses to save a card the issuer declines, or one typed wrong', async () => {
    const a = await signedInAccount(t);
    const add = (body: unknown) => send(t, a, 'POST', '/v1/account/payment-methods', body);
    expect(expectError(await add(card(CARDS.declines)), 402, 'card_declined').declineCode).toBe(
      'card_declined',
    );
    expect(
      expectError(await add(card(CARDS.insufficientFunds)), 402, 'card_declined').declineCode,
    ).toBe('insufficient_funds');
    expect(
      expectError(await add(card('1234 5678 9012 3456')), 400, 'card_invalid').issues?.[0]?.path,
    ).toBe('body.number');
    const shape = expectError(
      await add({ number: 'abcd', expMonth: 13, expYear: 2030, cvc: '1' }),
      400,
      'invalid_request',
    );
    expect(shape.issues?.map((i) => i.path).sort()).toEqual([
      'body.cvc',
      'body.expMonth',
      'body.number',
    ]);
    expect(
      SavedCardList.parse((await send(t, a, 'GET', '/v1/account/payment-methods')).json()).items,
    ).toEqual([]);
  });

  it('keeps random sequences of payments, refills, declines and retries consistent', async () => {
    const db = t.testDb.database.db;
    const key = await loadRefillPinKey(db, t.clock);
    const Op = fc.oneof(
      fc.record({
        kind: fc.constant('pay' as const),
        cents: fc.integer({ min: 100, max: 50_000 }),
        card: fc.constantFrom(
          CARDS.approves,
          CARDS.declines,
          CARDS.insufficientFunds,
          CARDS.processingError,
        ),
      }),
      fc.record({ kind: fc.constant('refill' as const), good: fc.boolean() }),
      fc.record({ kind: fc.constant('retry' as const), which: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 1, maxLength: 8 }), async (ops) => {
        const a = await signedInAccount(t);
        const sent: { url: string; body: unknown; key: string }[] = [];
        let expected = 0;
        const chargesBefore = await succeededCharges(db);
        for (const op of ops) {
          if (op.kind === 'retry') {
            if (sent.length === 0) continue;
            const earlier = sent[op.which % sent.length]!;
            await send(t, a, 'POST', earlier.url, earlier.body, { 'idempotency-key': earlier.key });
            continue;
          }
          const k = newKey();
          if (op.kind === 'pay') {
            const body = { amountCents: op.cents, card: card(op.card) };
            const res = await send(t, a, 'POST', '/v1/account/payments', body, {
              'idempotency-key': k,
            });
            if (res.statusCode === 201) expected += op.cents;
            sent.push({ url: '/v1/account/payments', body, key: k });
          } else {
            let pin = '0000-0000-0000-0000';
            if (op.good)
              pin = (await generatePins(db, t.clock, key, { count: 1, valueCents: 1000 })).pins[0]!;
            const res = await send(
              t,
              a,
              'POST',
              '/v1/account/refill',
              { pin },
              { 'idempotency-key': k },
            );
            if (res.statusCode === 201) expected += 1000;
            sent.push({ url: '/v1/account/refill', body: { pin }, key: k });
          }
        }
        const money = await moneyOf(db, a.id);
        const summary = AccountSummary.parse(
          (await send(t, a, 'GET', '/v1/account/summary')).json(),
        );
        expect(summary.balance.amountCents).toBe(money.ledgerSum);
        expect(money.ledgerSum).toBe(expected);
        const cardPayments = money.payments.filter(
          (p) => p.method === 'card' && p.status === 'succeeded',
        );
        expect(await succeededCharges(db)).toBe(chargesBefore + cardPayments.length);
        expect(money.ledger.length).toBe(
          money.payments.filter((p) => p.status === 'succeeded').length,
        );
      }),
      { numRuns: 12 },
    );
  });

  it('never keeps a card number or security code, in the database or in the logs', async () => {
    const db = t.testDb.database.db;
    const tables = [
      'payments',
      'ledger_entries',
      'payment_methods',
      'sandbox_cards',
      'sandbox_charges',
      'idempotent_operations',
      'refill_pins',
    ] as const;
    let dump = '';
    for (const table of tables)
      dump += JSON.stringify(await db.selectFrom(table).selectAll().execute());
    expect(dump.length).toBeGreaterThan(1000);
    if (dbKind === 'sqlite') {
      for (const suffix of ['', '-wal']) {
        const file = `${t.testDb.location}${suffix}`;
        if (fs.existsSync(file)) dump += fs.readFileSync(file).toString('latin1');
      }
    }
    expect(logLines).toContain('/v1/account/payments');
    for (const pan of PANS) {
      expect(dump).not.toContain(pan);
      expect(logLines).not.toContain(pan);
      expect(logLines).not.toContain(pan.replace(/(\d{4})(?=\d)/g, '$1 '));
    }
    expect(dump).not.toMatch(/"cvc"/);
  });
});
