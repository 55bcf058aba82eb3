import { afterAll, beforeAll, expect, it } from 'vitest';
import { AccountSummary } from '../../contract/http/account';
import { AddOnList, AddOnPurchase } from '../../contract/http/plans';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { moneyOf, newKey, send, type Account, creditAccount } from './support/payments';

describeWithDb(`add-ons (${dbKind})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const db = () => t.testDb.database.db;

  const addCredit = (subscriberId: string, cents: number) =>
    creditAccount(db(), subscriberId, cents, t.clock.now());

  /** A signed-in subscriber on Starter 5 GB renewing on the 10th (cycle 2026-11-10 … 12-09). */
  async function account(creditCents: number, now: string = TEST_NOW): Promise<Account> {
    t.clock.set(now);
    const created = await t.addSubscriber({ cycleAnchorDay: 10 });
    if (creditCents) await addCredit(created.id, creditCents);
    return signIn(created);
  }
  async function signIn(created: { id: string; phone: string; password: string }) {
    const res = await t.post('/v1/auth/sign-in', {
      phone: created.phone,
      password: created.password,
    });
    expect(res.statusCode, res.body).toBe(200);
    return { id: created.id, token: res.json<{ accessToken: string }>().accessToken };
  }

  const list = async (a: Account) => {
    const res = await send(t, a, 'GET', '/v1/account/add-ons');
    expect(res.statusCode, res.body).toBe(200);
    const body = AddOnList.parse(res.json());
    expect(body).toEqual(res.json());
    return body;
  };
  const buy = (a: Account, addOnId: string, key: string | null = newKey()) =>
    send(
      t,
      a,
      'POST',
      '/v1/account/add-ons',
      { addOnId },
      key === null ? {} : { 'idempotency-key': key },
    );
  const summaryOf = async (a: Account) => {
    const res = await send(t, a, 'GET', '/v1/account/summary');
    expect(res.statusCode, res.body).toBe(200);
    return AccountSummary.parse(res.json());
  };
  const expectBalanceIsLedgerSum = async (a: Account) => {
    const [summary, money] = await Promise.all([summaryOf(a), moneyOf(db(), a.id)]);
    expect(summary.balance.amountCents).toBe(money.ledgerSum);
    return money;
  };

  it('lists the catalogue and no active add-ons for a new account', async () => {
    const a = await account(0);
    const body = await list(a);
    expect(body.active).toEqual([]);
    expect(body.available).toEqual([
      {
        id: 'data-1gb',
        name: '1 GB data pass',
        kind: 'data',
        price: { amountCents: 5_00, currency: 'USD' },
        dataMb: 1024,
        internationalMinutes: 0,
      },
      {
        id: 'data-5gb',
        name: '5 GB data pass',
        kind: 'data',
        price: { amountCents: 15_00, currency: 'USD' },
        dataMb: 5 * 1024,
        internationalMinutes: 0,
      },
      {
        id: 'intl-100min',
        name: 'International 100 minutes',
        kind: 'international',
        price: { amountCents: 10_00, currency: 'USD' },
        dataMb: 0,
        internationalMinutes: 100,
      },
    ]);
    expect((await summaryOf(a)).addOnDataMb).toBe(0);
  });

  it('buys a data pass from the balance, for the rest of the cycle', async () => {
    const a = await account(20_00);
    const res = await buy(a, 'data-1gb');
    expect(res.statusCode, res.body).toBe(201);
    const bought = AddOnPurchase.parse(res.json());
    expect(bought).toEqual(res.json());
    expect(bought).toMatchObject({
      addOn: {
        addOnId: 'data-1gb',
        kind: 'data',
        dataMb: 1024,
        remainingMb: 1024,
        expiresOn: '2026-12-09',
        purchasedAt: TEST_NOW,
      },
      charged: { amountCents: 5_00, currency: 'USD' },
      balanceAfter: { amountCents: 15_00, currency: 'USD' },
    });
    const money = await expectBalanceIsLedgerSum(a);
    expect(money.ledgerSum).toBe(15_00);
    const charge = money.ledger.find((e) => e.kind === 'addon_charge');
    expect(charge).toMatchObject({ amount_cents: -5_00, currency: 'USD' });

    const body = await list(a);
    expect(body.active).toEqual([bought.addOn]);
    const summary = await summaryOf(a);
    expect(summary.addOnDataMb).toBe(1024);
    expect(summary.plan.dataAllowanceMb).toBe(5 * 1024);

    // International minutes add no data.
    const intl = await buy(a, 'intl-100min');
    expect(intl.statusCode, intl.body).toBe(201);
    expect(AddOnPurchase.parse(intl.json()).addOn).toMatchObject({
      kind: 'international',
      remainingMb: null,
      internationalMinutes: 100,
    });
    expect((await summaryOf(a)).addOnDataMb).toBe(1024);
    expect((await expectBalanceIsLedgerSum(a)).ledgerSum).toBe(5_00);
  });

  it('uses passes after the plan allowance, oldest first', async () => {
    const a = await account(40_00);
    const first = AddOnPurchase.parse((await buy(a, 'data-1gb')).json()).addOn;
    t.clock.set(Date.parse(TEST_NOW) + 60_000);
    const second = AddOnPurchase.parse((await buy(a, 'data-5gb')).json()).addOn;
    // The plan's 5 GB and 1.2 GB more: the first pass is used up, the second has 200 MB off.
    await db()
      .insertInto('usage_daily')
      .values([
        { subscriber_id: a.id, day: '2026-11-12', data_mb: 5 * 1024, minutes: 0, texts: 0 },
        { subscriber_id: a.id, day: '2026-11-20', data_mb: 1024 + 200, minutes: 0, texts: 0 },
        // Before the cycle: not counted.
        { subscriber_id: a.id, day: '2026-11-05', data_mb: 9_999, minutes: 0, texts: 0 },
      ])
      .execute();
    const body = await list(a);
    expect(body.active.map((p) => [p.id, p.remainingMb])).toEqual([
      [first.id, 0],
      [second.id, 5 * 1024 - 200],
    ]);
    expect((await summaryOf(a)).addOnDataMb).toBe(6 * 1024);
  });

  it('runs international passes down oldest first with calls abroad this cycle', async () => {
    const a = await account(40_00);
    const first = AddOnPurchase.parse((await buy(a, 'intl-100min')).json()).addOn;
    expect(first).toMatchObject({ remainingMinutes: 100, remainingMb: null });
    t.clock.set(Date.parse(TEST_NOW) + 60_000);
    const second = AddOnPurchase.parse((await buy(a, 'intl-100min')).json()).addOn;
    await db()
      .insertInto('usage_daily')
      .values([
        {
          subscriber_id: a.id,
          day: '2026-11-12',
          data_mb: 0,
          minutes: 90,
          texts: 0,
          intl_minutes: 90,
        },
        {
          subscriber_id: a.id,
          day: '2026-11-20',
          data_mb: 0,
          minutes: 40,
          texts: 0,
          intl_minutes: 40,
        },
        // Before the cycle: not counted.
        {
          subscriber_id: a.id,
          day: '2026-11-05',
          data_mb: 0,
          minutes: 500,
          texts: 0,
          intl_minutes: 500,
        },
      ])
      .execute();
    const body = await list(a);
    expect(body.active.map((p) => [p.id, p.remainingMinutes, p.remainingMb])).toEqual([
      [first.id, 0, null],
      [second.id, 70, null],
    ]);
  });

  it('answers 402 insufficient_balance with the shortfall and charges nothing', async () => {
    const a = await account(5_00);
    const key = newKey();
    const error = expectError(await buy(a, 'data-5gb', key), 402, 'insufficient_balance');
    expect(error.shortfallCents).toBe(10_00);
    const money = await expectBalanceIsLedgerSum(a);
    expect(money.ledger).toHaveLength(1);
    expect((await list(a)).active).toEqual([]);
    // The exact balance is enough.
    const ok = await buy(a, 'data-1gb');
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await expectBalanceIsLedgerSum(a)).ledgerSum).toBe(0);
    expectError(await buy(a, 'data-1gb'), 402, 'insufficient_balance');
  });

  it('the same key twice buys once', async () => {
    const a = await account(50_00);
    const key = newKey();
    const first = await buy(a, 'data-5gb', key);
    const second = await buy(a, 'data-5gb', key);
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect((await list(a)).active).toHaveLength(1);
    const money = await expectBalanceIsLedgerSum(a);
    expect(money.ledgerSum).toBe(35_00);
    expectError(await buy(a, 'data-1gb', key), 422, 'idempotency_key_reused');
  });

  it('concurrent purchases with different keys cannot overdraw the balance', async () => {
    const a = await account(15_00);
    const answers = await Promise.all(Array.from({ length: 4 }, () => buy(a, 'data-1gb')));
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 201, 201, 402]);
    expect((await expectBalanceIsLedgerSum(a)).ledgerSum).toBe(0);
  });

  it('refuses unknown add-ons (404), a missing key (400) and suspended accounts (409)', async () => {
    const a = await account(50_00);
    expectError(await buy(a, 'data-100gb'), 404, 'add_on_not_found');
    expectError(await buy(a, 'data-1gb', null), 400, 'idempotency_key_required');
    expectError(await buy(a, 'not valid!'), 400, 'invalid_request');
    await db()
      .updateTable('subscribers')
      .set({ status: 'suspended' })
      .where('id', '=', a.id)
      .execute();
    expectError(await buy(a, 'data-1gb'), 409, 'account_suspended');
    expect((await moneyOf(db(), a.id)).ledger).toHaveLength(1);
  });

  it('needs a token (401)', async () => {
    expectError(await t.get('/v1/account/add-ons'), 401, 'unauthorized');
    const res = await t.post(
      '/v1/account/add-ons',
      { addOnId: 'data-1gb' },
      { 'idempotency-key': newKey() },
    );
    expectError(res, 401, 'unauthorized');
  });

  it('a pass ends with its cycle', async () => {
    t.clock.set(TEST_NOW);
    const created = await t.addSubscriber({ cycleAnchorDay: 10 });
    await addCredit(created.id, 10_00);
    const a = await signIn(created);
    expect((await buy(a, 'data-1gb')).statusCode).toBe(201);
    // The last day of the cycle: still there.
    t.clock.set('2026-12-09T23:00:00.000Z');
    const lastDay = await signIn(created);
    expect((await list(lastDay)).active).toHaveLength(1);
    // The renewal day: gone, and the dashboard no longer counts it.
    t.clock.set('2026-12-10T00:30:00.000Z');
    const next = await signIn(created);
    expect((await list(next)).active).toEqual([]);
    expect((await summaryOf(next)).addOnDataMb).toBe(0);
  });
});
