import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AccountSummary, PaymentList } from '../../contract/http/account';
import { AutopayView } from '../../contract/http/autopay';
import { SavedCard } from '../../contract/http/payments';
import { buildApp } from '../../server/src/app';
import { MINUTE_MS, type Clock } from '../../server/src/clock';
import { openDatabase } from '../../server/src/db/database';
import type { Database } from '../../server/src/db/schema';
import type { PaymentProcessor } from '../../server/src/billing/processor';
import { renewalTotal } from '../../server/src/billing/charges';
import { SandboxProcessor } from '../../server/src/billing/sandbox-processor';
import {
  AUTOPAY_LEASE_MS,
  autopayChargeKey,
  runAutopay,
  type AutopayJobOptions,
} from '../../server/src/billing/autopay';
import { expectError } from './support/expect-error';
import { CARDS, card, moneyOf, type Account } from './support/payments';
import { createTestApp, TEST_TOKEN_SECRET, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

/** Starter 5 GB: $25.00 + 8.25 % tax ($2.06) + $1.50 fee. */
const STARTER_RENEWAL = 2500 + 206 + 150;

describeWithDb(`AutoPay (${dbKind})`, () => {
  let t: TestApp;
  let db: Kysely<Database>;
  let processor: SandboxProcessor;
  const jobOptions: AutopayJobOptions = { dialect: dbKind };

  beforeEach(async () => {
    // The timer is off: each test runs the job itself, at the moments it sets on the clock.
    t = await createTestApp({ autopayIntervalMs: 0 });
    db = t.testDb.database.db;
    processor = new SandboxProcessor(db, t.clock);
  });
  afterEach(async () => t?.close());

  const run = (p: PaymentProcessor = processor, clock: Clock = t.clock) =>
    runAutopay(db, p, clock, jobOptions);

  function send(
    a: Account,
    method: 'GET' | 'PUT' | 'POST',
    url: string,
    body?: unknown,
    app: FastifyInstance = t.app,
  ): Promise<LightMyRequestResponse> {
    return app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as never } : {}),
      headers: {
        authorization: `Bearer ${a.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
    });
  }

  interface Subscriber extends Account {
    phone: string;
    password: string;
  }

  /** Signs in again (after the clock moved past the access token's life). */
  async function signIn(a: Subscriber): Promise<Subscriber> {
    const res = await t.post('/v1/auth/sign-in', { phone: a.phone, password: a.password });
    expect(res.statusCode, res.body).toBe(200);
    a.token = res.json<{ accessToken: string }>().accessToken;
    return a;
  }

  /** A signed-in subscriber whose plan renews on `anchorDay` of each month. */
  async function subscriber(anchorDay: number, planId = 'starter-5gb'): Promise<Subscriber> {
    const created = await t.addSubscriber({ cycleAnchorDay: anchorDay, planId });
    return signIn({ ...created, token: '' });
  }

  async function saveCard(a: Account, extra: Record<string, unknown> = {}): Promise<SavedCard> {
    const res = await send(a, 'POST', '/v1/account/payment-methods', card(CARDS.approves, extra));
    expect(res.statusCode, res.body).toBe(201);
    return SavedCard.parse(res.json());
  }

  /**
   * A saved card the issuer starts refusing after it was saved (saving asks the issuer, so a
   * refused number cannot be saved through the API).
   */
  async function saveDecliningCard(a: Account): Promise<string> {
    const tokenised = await processor.tokenise({
      number: CARDS.declines.replaceAll(' ', ''),
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
    });
    const id = `pm_declines_${a.id.slice(-8)}`;
    await db
      .insertInto('payment_methods')
      .values({
        id,
        subscriber_id: a.id,
        token: tokenised.token,
        brand: tokenised.brand,
        last4: tokenised.last4,
        exp_month: 12,
        exp_year: 2030,
        nickname: null,
        is_default: 0,
        created_at: t.clock.now(),
        deleted_at: null,
      })
      .execute();
    return id;
  }

  async function enable(a: Account, paymentMethodId: string): Promise<AutopayView> {
    const res = await send(a, 'PUT', '/v1/account/autopay', { enabled: true, paymentMethodId });
    expect(res.statusCode, res.body).toBe(200);
    return AutopayView.parse(res.json());
  }

  async function view(a: Account, app: FastifyInstance = t.app): Promise<AutopayView> {
    const res = await send(a, 'GET', '/v1/account/autopay', undefined, app);
    expect(res.statusCode, res.body).toBe(200);
    return AutopayView.parse(res.json());
  }

  async function summary(a: Account): Promise<AccountSummary> {
    const res = await send(a, 'GET', '/v1/account/summary');
    expect(res.statusCode, res.body).toBe(200);
    return AccountSummary.parse(res.json());
  }

  async function credit(a: Account, cents: number): Promise<void> {
    await db
      .insertInto('ledger_entries')
      .values({
        id: `le_${a.id}_${cents}`,
        subscriber_id: a.id,
        kind: 'credit',
        amount_cents: cents,
        currency: 'USD',
        item: JSON.stringify({ kind: 'other', text: 'Goodwill credit' }),
        created_at: t.clock.now(),
        statement_id: null,
        payment_id: null,
      })
      .execute();
  }

  const chargesFor = (a: Account, renewsOn: string) =>
    db
      .selectFrom('sandbox_charges')
      .selectAll()
      .where('idempotency_key', '=', autopayChargeKey(a.id, renewsOn))
      .execute();

  const runsOf = (a: Account) =>
    db.selectFrom('autopay_runs').selectAll().where('subscriber_id', '=', a.id).execute();

  it('turns on with a saved card and off again; refuses a card not on the account or expired', async () => {
    // Renews on the 27th: 2026-11-27.
    const a = await subscriber(27);
    const off = await view(a);
    expect(off).toMatchObject({
      enabled: false,
      paymentMethod: null,
      discountCents: 0,
      currency: 'USD',
      renewsOn: '2026-11-27',
      nextChargeOn: null,
      nextChargeCents: null,
      lastRun: null,
      cardExpiresBeforeNextCharge: false,
    });
    expect((await summary(a)).autopay).toEqual({
      enabled: false,
      lastRunFailed: false,
      cardExpiresSoon: false,
    });

    const saved = await saveCard(a);
    const on = await enable(a, saved.id);
    expect(on).toEqual({
      enabled: true,
      paymentMethod: { id: saved.id, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 },
      discountCents: 0,
      currency: 'USD',
      renewsOn: '2026-11-27',
      nextChargeOn: '2026-11-26',
      nextChargeCents: STARTER_RENEWAL,
      lastRun: null,
      cardExpiresBeforeNextCharge: false,
    });
    expect(await view(a)).toEqual(on);
    expect((await summary(a)).autopay?.enabled).toBe(true);

    const disabled = await send(a, 'PUT', '/v1/account/autopay', { enabled: false });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(AutopayView.parse(disabled.json())).toMatchObject({
      enabled: false,
      paymentMethod: { id: saved.id },
      nextChargeOn: null,
    });
    expect((await summary(a)).autopay?.enabled).toBe(false);

    // Another subscriber's card reads as not found, as does one that does not exist.
    const b = await subscriber(27);
    const theirs = await saveCard(b);
    for (const id of [theirs.id, 'pm_nope']) {
      expectError(
        await send(a, 'PUT', '/v1/account/autopay', { enabled: true, paymentMethodId: id }),
        404,
        'payment_method_not_found',
      );
    }
    // A removed card too.
    const removed = await saveCard(a);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/account/payment-methods/${removed.id}`,
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(del.statusCode).toBe(204);
    expectError(
      await send(a, 'PUT', '/v1/account/autopay', { enabled: true, paymentMethodId: removed.id }),
      404,
      'payment_method_not_found',
    );

    // A card saved while valid that has since expired (October 2026, and it is late November).
    await db
      .updateTable('payment_methods')
      .set({ exp_month: 10, exp_year: 2026 })
      .where('id', '=', saved.id)
      .execute();
    const expired = expectError(
      await send(a, 'PUT', '/v1/account/autopay', { enabled: true, paymentMethodId: saved.id }),
      400,
      'card_invalid',
    );
    expect(expired.message).toMatch(/ending 4242 expired in 10\/2026/);
    expect((await view(a)).enabled).toBe(false);

    expectError(
      await send(a, 'PUT', '/v1/account/autopay', { enabled: true }),
      400,
      'invalid_request',
    );
    expectError(
      await send(a, 'PUT', '/v1/account/autopay', { enabled: false, extra: 1 }),
      400,
      'invalid_request',
    );
  });

  it('charges within the 24 hours before the renewal, not earlier, and records the payment', async () => {
    const a = await subscriber(27);
    await enable(a, (await saveCard(a)).id);

    // 2026-11-25T12:00Z: the renewal (2026-11-27T00:00Z) is 36 hours away.
    expect((await run()).succeeded).toBe(0);
    t.clock.set('2026-11-25T23:59:59.999Z');
    expect((await run()).succeeded).toBe(0);
    expect(await runsOf(a)).toEqual([]);
    expect(await chargesFor(a, '2026-11-27')).toEqual([]);

    t.clock.set('2026-11-26T00:00:00.000Z');
    expect(await run()).toMatchObject({ succeeded: 1, failed: 0, skipped: 0 });
    await signIn(a);

    const charges = await chargesFor(a, '2026-11-27');
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ amount_cents: STARTER_RENEWAL, status: 'succeeded' });
    const money = await moneyOf(db, a.id);
    expect(money.ledger).toHaveLength(1);
    expect(money.ledger[0]).toMatchObject({ kind: 'payment', amount_cents: STARTER_RENEWAL });
    expect(money.payments).toHaveLength(1);
    expect(money.payments[0]).toMatchObject({
      method: 'autopay',
      status: 'succeeded',
      amount_cents: STARTER_RENEWAL,
      card_last4: '4242',
      balance_after_cents: STARTER_RENEWAL,
    });

    const after = await view(a);
    expect(after.lastRun).toEqual({
      at: '2026-11-26T00:00:00.000Z',
      status: 'succeeded',
      message: 'Paid $28.56 with the visa card ending 4242 for the renewal on 2026-11-27.',
      renewsOn: '2026-11-27',
      amountCents: STARTER_RENEWAL,
      declineCode: null,
      reason: null,
    });
    // This renewal is paid: the next charge is for the one after.
    expect(after).toMatchObject({ renewsOn: '2026-12-27', nextChargeOn: '2026-12-26' });
    const s = await summary(a);
    expect(s.amountDue.amountCents).toBe(0);
    expect(s.autopay).toEqual({ enabled: true, lastRunFailed: false, cardExpiresSoon: false });
    const list = PaymentList.parse((await send(a, 'GET', '/v1/account/payments')).json());
    expect(list.items[0]).toMatchObject({ method: 'autopay', status: 'succeeded' });
  });

  it('takes the plan’s AutoPay discount and the credit off the renewal', async () => {
    const plan = await db
      .selectFrom('plans')
      .selectAll()
      .where('id', '=', 'starter-5gb')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('plans')
      .values({ ...plan, id: 'starter-autopay', sort_order: 99, autopay_discount_cents: 500 })
      .execute();
    // Renews on the 26th: 2026-11-26T00:00Z, 12 hours from now.
    const a = await subscriber(26, 'starter-autopay');
    await credit(a, 300);
    const on = await enable(a, (await saveCard(a)).id);
    const expected = STARTER_RENEWAL - 500 - 300;
    expect(on).toMatchObject({
      discountCents: 500,
      nextChargeCents: expected,
      nextChargeOn: '2026-11-25',
    });

    expect((await run()).succeeded).toBe(1);
    expect((await chargesFor(a, '2026-11-26'))[0]?.amount_cents).toBe(expected);
    const run0 = (await runsOf(a))[0]!;
    expect(run0).toMatchObject({ state: 'succeeded', amount_cents: expected, discount_cents: 500 });
    expect((await moneyOf(db, a.id)).ledgerSum).toBe(300 + expected);
  });

  it('charges the plan chosen for the renewal when a change is waiting for it', async () => {
    // Renews on the 26th, 12 hours from now: the window is open, the change not yet applied.
    const a = await subscriber(26);
    await enable(a, (await saveCard(a)).id);
    const change = await t.app.inject({
      method: 'POST',
      url: '/v1/account/plan/change',
      payload: { planId: 'talk-text-1gb', when: 'next_renewal' },
      headers: {
        authorization: `Bearer ${a.token}`,
        'content-type': 'application/json',
        'idempotency-key': 'autopay-next-plan-1',
      },
    });
    expect(change.statusCode, change.body).toBe(200);
    const next = await db
      .selectFrom('plans')
      .selectAll()
      .where('id', '=', 'talk-text-1gb')
      .executeTakeFirstOrThrow();
    const expected = renewalTotal(next);
    expect(expected).not.toBe(STARTER_RENEWAL);
    expect((await view(a)).nextChargeCents).toBe(expected);

    expect((await run()).succeeded).toBe(1);
    expect((await chargesFor(a, '2026-11-26'))[0]?.amount_cents).toBe(expected);
  });

  it('records a declined card as a failed run with the reason, and moves no money', async () => {
    const a = await subscriber(26);
    await enable(a, await saveDecliningCard(a));

    expect(await run()).toMatchObject({ succeeded: 0, failed: 1 });
    const money = await moneyOf(db, a.id);
    expect(money.ledger).toEqual([]);
    expect(money.payments).toHaveLength(1);
    expect(money.payments[0]).toMatchObject({
      method: 'autopay',
      status: 'failed',
      decline_code: 'card_declined',
      card_last4: '0002',
      balance_after_cents: null,
    });
    const v = await view(a);
    expect(v.lastRun).toMatchObject({
      status: 'failed',
      declineCode: 'card_declined',
      reason: 'declined',
      amountCents: STARTER_RENEWAL,
      renewsOn: '2026-11-26',
    });
    expect(v.lastRun?.message).toMatch(/could not pay \$28\.56 .* the card was declined/);
    expect((await summary(a)).autopay).toMatchObject({ enabled: true, lastRunFailed: true });

    // Once per renewal: running again neither retries the card nor records another failure.
    expect(await run()).toMatchObject({ succeeded: 0, failed: 0 });
    expect(await chargesFor(a, '2026-11-26')).toHaveLength(1);
    expect((await moneyOf(db, a.id)).payments).toHaveLength(1);
  });

  it('skips a renewal the balance already covers', async () => {
    const a = await subscriber(26);
    await credit(a, 5000);
    const on = await enable(a, (await saveCard(a)).id);
    expect(on.nextChargeCents).toBe(0);

    expect(await run()).toMatchObject({ succeeded: 0, failed: 0, skipped: 1 });
    expect(await chargesFor(a, '2026-11-26')).toEqual([]);
    const money = await moneyOf(db, a.id);
    expect(money.payments).toEqual([]);
    expect(money.ledgerSum).toBe(5000);
    const v = await view(a);
    expect(v.lastRun).toMatchObject({
      status: 'skipped',
      amountCents: null,
      declineCode: null,
      reason: 'covered',
    });
    expect(v.lastRun?.message).toMatch(/balance already covers/);
    expect((await summary(a)).autopay?.lastRunFailed).toBe(false);
  });

  it('flags a card that expires before the next charge', async () => {
    // Renews on 2026-12-05; a card good through November 2026 cannot pay for it.
    const a = await subscriber(5);
    const expiring = await saveCard(a, { expMonth: 11, expYear: 2026 });
    const on = await enable(a, expiring.id);
    expect(on.cardExpiresBeforeNextCharge).toBe(true);
    expect((await summary(a)).autopay).toEqual({
      enabled: true,
      lastRunFailed: false,
      cardExpiresSoon: true,
    });

    // Good through December: fine for the 5 December renewal.
    const current = await saveCard(a, { expMonth: 12, expYear: 2026 });
    expect((await enable(a, current.id)).cardExpiresBeforeNextCharge).toBe(false);
    expect((await summary(a)).autopay?.cardExpiresSoon).toBe(false);

    // With AutoPay off, nothing is flagged.
    await enable(a, expiring.id);
    await send(a, 'PUT', '/v1/account/autopay', { enabled: false });
    expect((await view(a)).cardExpiresBeforeNextCharge).toBe(false);
    expect((await summary(a)).autopay?.cardExpiresSoon).toBe(false);
  });

  it('charges a renewal once however often the job runs', async () => {
    const a = await subscriber(26);
    await enable(a, (await saveCard(a)).id);

    expect((await run()).succeeded).toBe(1);
    expect((await run()).succeeded).toBe(0);
    const together = await Promise.all(Array.from({ length: 5 }, () => run()));
    expect(together.reduce((n, r) => n + r.succeeded, 0)).toBe(0);

    expect(await chargesFor(a, '2026-11-26')).toHaveLength(1);
    const money = await moneyOf(db, a.id);
    expect(money.ledger).toHaveLength(1);
    expect(money.payments).toHaveLength(1);
    expect(await runsOf(a)).toHaveLength(1);
  });

  it('after a crash between the charge and the record, the retry records the charge once', async () => {
    const a = await subscriber(26);
    await enable(a, (await saveCard(a)).id);

    // The card is charged, then the instance dies before writing anything down.
    const crashing: PaymentProcessor = {
      tokenise: (c, o) => processor.tokenise(c, o),
      lookup: (key) => processor.lookup(key),
      charge: async (...args) => {
        await processor.charge(...args);
        throw new Error('connection lost');
      },
    };
    expect(await run(crashing)).toMatchObject({ succeeded: 0, errors: 1 });
    expect(await chargesFor(a, '2026-11-26')).toHaveLength(1);
    expect((await moneyOf(db, a.id)).ledger).toEqual([]);

    // Still claimed: another run leaves it alone until the lease ends.
    expect(await run()).toMatchObject({ succeeded: 0 });
    t.clock.advance(AUTOPAY_LEASE_MS + MINUTE_MS);
    expect(await run()).toMatchObject({ succeeded: 1 });

    expect(await chargesFor(a, '2026-11-26')).toHaveLength(1);
    const money = await moneyOf(db, a.id);
    expect(money.ledger).toHaveLength(1);
    expect(money.ledgerSum).toBe(STARTER_RENEWAL);
    expect(money.payments).toHaveLength(1);
  });

  it('two instances on one database, running the job many times at once, charge each renewal once', async () => {
    // Closing the pool races with the database being dropped at the end; only then is a lost
    // connection expected.
    let closing = false;
    const second = openDatabase(t.testDb.location, {
      onConnectionError: (error) => {
        if (!closing) throw error;
      },
    });
    const app2 = await buildApp({
      database: second,
      clock: t.clock,
      tokenSecret: TEST_TOKEN_SECRET,
      authRateLimit: 0,
      autopayIntervalMs: 0,
    });
    try {
      const accounts: Account[] = [];
      for (let i = 0; i < 5; i += 1) {
        const a = await subscriber(26);
        await enable(a, (await saveCard(a)).id);
        accounts.push(a);
      }
      const processor2 = new SandboxProcessor(second.db, t.clock);
      const runOn = (i: number) =>
        i % 2 === 0 ? run() : runAutopay(second.db, processor2, t.clock, { dialect: second.kind });
      let runs;
      if (dbKind === 'postgres') {
        runs = await Promise.all(Array.from({ length: 16 }, (_, i) => runOn(i)));
      } else {
        // Two SQLite connections in one process cannot overlap a transaction (the waiting one
        // blocks the thread the other needs to commit), so here the instances take turns, each
        // running the job several times at once; SQLite serves one instance in production.
        runs = [];
        for (let round = 0; round < 4; round += 1) {
          runs.push(...(await Promise.all(Array.from({ length: 4 }, () => runOn(round)))));
        }
      }
      expect(runs.reduce((n, r) => n + r.errors, 0)).toBe(0);
      expect(runs.reduce((n, r) => n + r.succeeded, 0)).toBe(accounts.length);

      for (const a of accounts) {
        expect(await chargesFor(a, '2026-11-26')).toHaveLength(1);
        const money = await moneyOf(db, a.id);
        expect(money.ledger).toHaveLength(1);
        expect(money.ledgerSum).toBe(STARTER_RENEWAL);
        expect(money.payments).toHaveLength(1);
        expect((await runsOf(a)).map((r) => r.state)).toEqual(['succeeded']);
        // Either instance shows the same outcome.
        expect((await view(a, app2)).lastRun?.status).toBe('succeeded');
      }
      const succeeded = await db
        .selectFrom('sandbox_charges')
        .select('idempotency_key')
        .where('status', '=', 'succeeded')
        .execute();
      expect(succeeded).toHaveLength(accounts.length);
    } finally {
      closing = true;
      await app2.close();
      await second.close();
    }
  });
});
