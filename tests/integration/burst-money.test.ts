import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AddOnPurchase } from '../../contract/http/plans';
import { Receipt } from '../../contract/http/payments';
import type { Database } from '../../server/src/db/schema';
import type { OutgoingMessage } from '../../server/src/delivery/types';
import { SandboxProcessor } from '../../server/src/billing/sandbox-processor';
import { loadRefillPinKey } from '../../server/src/secrets';
import type { KeyRing } from '../../server/src/keys/key-ring';
import { runAutopay } from '../../server/src/billing/autopay';
import { generatePins } from '../../server/src/billing/refill-pins';
import { burst, fleetOf, postJson, statusCounts, type Fleet } from './support/burst';
import { CARDS, card, moneyOf, newKey, type Account, creditAccount } from './support/payments';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

/** What the refill limit allows per account and per client (see DEFAULT_REFILL_LIMIT). */
const WRONG_PINS_ALLOWED = 5;
/** E-mails of one receipt allowed an hour (see DEFAULT_RECEIPT_MAIL_LIMIT). */
const RECEIPT_MAILS_ALLOWED = 5;

describeWithDb(`money under bursts (${dbKind})`, () => {
  let t: TestApp;
  let fleet: Fleet;
  let db: Kysely<Database>;
  let pinKey: KeyRing;
  const mailbox: OutgoingMessage[] = [];
  const delivery = {
    sms: null,
    email: {
      channel: 'email' as const,
      description: 'test mailbox',
      send: async (message: OutgoingMessage) => void mailbox.push(message),
    },
  };

  beforeAll(async () => {
    t = await createTestApp({ delivery });
    fleet = await fleetOf(t, { delivery });
    db = t.testDb.database.db;
    pinKey = await loadRefillPinKey(db, t.clock);
  });
  afterAll(async () => {
    await fleet?.close();
    await t?.close();
  });

  /** Every client address is used by one test only, so no test spends another's budget. */
  let addresses = 0;
  const newAddress = () => `198.51.100.${(addresses += 1)}`;

  async function signedIn(overrides: { cycleAnchorDay?: number } = {}): Promise<Account> {
    const created = await t.addSubscriber(overrides);
    const res = await t.post('/v1/auth/sign-in', {
      phone: created.phone,
      password: created.password,
    });
    expect(res.statusCode, res.body).toBe(200);
    return { id: created.id, token: res.json<{ accessToken: string }>().accessToken };
  }

  const pins = async (count: number, valueCents: number) =>
    (await generatePins(db, t.clock, pinKey, { count, valueCents })).pins;

  const asClient = (request: InjectOptions, address: string): InjectOptions => ({
    ...request,
    remoteAddress: address,
  });
  const authorised = (a: Account, key = newKey()) => ({
    authorization: `Bearer ${a.token}`,
    'idempotency-key': key,
  });
  const refill = (a: Account, pin: string, address: string) =>
    asClient(postJson('/v1/account/refill', { pin }, authorised(a)), address);
  const pay = (a: Account, amountCents: number) =>
    postJson('/v1/account/payments', { amountCents, card: card(CARDS.approves) }, authorised(a));

  const receiptsOf = (responses: readonly LightMyRequestResponse[]) =>
    responses.filter((r) => r.statusCode === 201).map((r) => Receipt.parse(r.json()));
  const balancesAfter = (receipts: readonly Receipt[]) =>
    receipts.map((r) => r.balanceAfter!.amountCents).sort((x, y) => x - y);
  const dollarSteps = (count: number, stepCents: number) =>
    Array.from({ length: count }, (_, i) => (i + 1) * stepCents);

  async function counter(key: string): Promise<number> {
    const row = await db
      .selectFrom('risk_counters')
      .select('failures')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.failures ?? 0;
  }

  async function redeemedPins(subscriberId: string): Promise<number> {
    const rows = await db
      .selectFrom('refill_pins')
      .select('pin_hash')
      .where('redeemed_by', '=', subscriberId)
      .execute();
    return rows.length;
  }

  /**
   * Credits that landed one at a time read as a chain: sorted by what the balance was after each,
   * every balance after is the one before plus that credit's amount.
   */
  function expectChained(
    rows: readonly { amount_cents: number; balance_after_cents: number | null }[],
    startCents: number,
  ) {
    const sorted = [...rows].sort((a, b) => a.balance_after_cents! - b.balance_after_cents!);
    let balance = startCents;
    const expected = sorted.map((r) => (balance += r.amount_cents));
    expect(sorted.map((r) => r.balance_after_cents)).toEqual(expected);
  }

  it('10 refills of $10 at once: the balance is $100 and the receipts say $10, $20 … $100', async () => {
    const a = await signedIn();
    const address = newAddress();
    const cards = await pins(10, 10_00);
    const answers = await burst(
      fleet,
      cards.map((pin) => refill(a, pin, address)),
    );
    expect(statusCounts(answers)).toEqual({ 201: 10 });
    expect(balancesAfter(receiptsOf(answers))).toEqual(dollarSteps(10, 10_00));
    const money = await moneyOf(db, a.id);
    expect(money.ledgerSum).toBe(100_00);
    expect(money.payments.map((p) => p.balance_after_cents).sort((x, y) => x! - y!)).toEqual(
      dollarSteps(10, 10_00),
    );
  });

  it('10 card payments of $10 at once: the receipts say $10, $20 … $100', async () => {
    const a = await signedIn();
    const answers = await burst(
      fleet,
      Array.from({ length: 10 }, () => pay(a, 10_00)),
    );
    expect(statusCounts(answers)).toEqual({ 201: 10 });
    expect(balancesAfter(receiptsOf(answers))).toEqual(dollarSteps(10, 10_00));
    expect((await moneyOf(db, a.id)).ledgerSum).toBe(100_00);
  });

  it('refills and card payments landing together each report the balance they left', async () => {
    const a = await signedIn();
    const address = newAddress();
    const cards = await pins(10, 10_00);
    // Interleaved, so both kinds run on every instance at the same moment.
    const requests = cards.flatMap((pin) => [refill(a, pin, address), pay(a, 10_00)]);
    const answers = await burst(fleet, requests);
    expect(statusCounts(answers)).toEqual({ 201: 20 });
    expect(balancesAfter(receiptsOf(answers))).toEqual(dollarSteps(20, 10_00));
    expect((await moneyOf(db, a.id)).ledgerSum).toBe(200_00);
  });

  it('an AutoPay charge recorded among a burst of refills reports its own balance after', async () => {
    // Renews on the 26th: the day after the test clock's, so AutoPay's window is open.
    const a = await signedIn({ cycleAnchorDay: 26 });
    const saved = await t.app.inject({
      ...postJson('/v1/account/payment-methods', card(CARDS.approves), {
        authorization: `Bearer ${a.token}`,
      }),
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const on = await t.app.inject({
      method: 'PUT',
      url: '/v1/account/autopay',
      payload: { enabled: true, paymentMethodId: saved.json<{ id: string }>().id },
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
    });
    expect(on.statusCode, on.body).toBe(200);
    const address = newAddress();
    const cards = await pins(10, 1_00);
    const [answers, job] = await Promise.all([
      burst(
        fleet,
        cards.map((pin) => refill(a, pin, address)),
      ),
      runAutopay(db, new SandboxProcessor(db, t.clock), t.clock, { dialect: dbKind }),
    ]);
    expect(statusCounts(answers)).toEqual({ 201: 10 });
    expect(job).toMatchObject({ succeeded: 1, errors: 0 });
    const money = await moneyOf(db, a.id);
    expect(money.payments).toHaveLength(11);
    expectChained(money.payments, 0);
    expect(Math.max(...money.payments.map((p) => p.balance_after_cents!))).toBe(money.ledgerSum);
  });

  it('40 add-on passes at once from a balance that pays for 10: 10 sold, each receipt exact', async () => {
    const a = await signedIn();
    await creditAccount(db, a.id, 50_00, t.clock.now());
    const answers = await burst(
      fleet,
      Array.from({ length: 40 }, () =>
        postJson('/v1/account/add-ons', { addOnId: 'data-1gb' }, authorised(a)),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 201: 10, 402: 30 });
    const sold = answers
      .filter((r) => r.statusCode === 201)
      .map((r) => AddOnPurchase.parse(r.json()).balanceAfter.amountCents)
      .sort((x, y) => x - y);
    expect(sold).toEqual(dollarSteps(10, 5_00).map((c) => c - 5_00));
    expect((await moneyOf(db, a.id)).ledgerSum).toBe(0);
  });

  it('40 wrong refill PINs at once: 5 are checked, and a right PIN after them is refused', async () => {
    const a = await signedIn();
    const address = newAddress();
    const wrong = Array.from({ length: 40 }, (_, i) =>
      refill(a, `9999-0000-0000-${String(i).padStart(4, '0')}`, address),
    );
    const answers = await burst(fleet, wrong);
    expect(statusCounts(answers)).toEqual({
      400: WRONG_PINS_ALLOWED,
      429: 40 - WRONG_PINS_ALLOWED,
    });
    expect(await counter(`refill:sub:${a.id}`)).toBe(WRONG_PINS_ALLOWED);
    expect(await counter(`refill:ip:${address}`)).toBe(WRONG_PINS_ALLOWED);

    // The budget is spent: a burst of the right PIN is refused without looking at it.
    const [good] = await pins(1, 10_00);
    const retries = await burst(
      fleet,
      Array.from({ length: 40 }, () => refill(a, good!, address)),
    );
    expect(statusCounts(retries)).toEqual({ 429: 40 });
    expect(await redeemedPins(a.id)).toBe(0);
    expect((await moneyOf(db, a.id)).ledger).toEqual([]);
  });

  it('40 wrong PINs at once from one address over 8 accounts: 5 are checked', async () => {
    const address = newAddress();
    // Signed in one after another: sign-ins in flight together from one address count toward
    // its captcha threshold.
    const accounts: Account[] = [];
    for (let i = 0; i < 8; i++) accounts.push(await signedIn());
    // Each account has budget left for its 5; the address's budget is what runs out.
    const answers = await burst(
      fleet,
      Array.from({ length: 40 }, (_, i) =>
        refill(accounts[i % 8]!, `8888-0000-0000-${String(i).padStart(4, '0')}`, address),
      ),
    );
    expect(statusCounts(answers)).toEqual({
      400: WRONG_PINS_ALLOWED,
      429: 40 - WRONG_PINS_ALLOWED,
    });
    expect(await counter(`refill:ip:${address}`)).toBe(WRONG_PINS_ALLOWED);
  });

  it('40 requests redeeming one PIN with different keys: it is redeemed and credited once', async () => {
    const a = await signedIn();
    const address = newAddress();
    const [pin] = await pins(1, 25_00);
    const answers = await burst(
      fleet,
      Array.from({ length: 40 }, () => refill(a, pin!, address)),
    );
    // The first redeems it; to every later one it is a used PIN, and those count as wrong ones.
    expect(statusCounts(answers)).toEqual({
      201: 1,
      400: WRONG_PINS_ALLOWED,
      429: 40 - 1 - WRONG_PINS_ALLOWED,
    });
    expect(await redeemedPins(a.id)).toBe(1);
    const money = await moneyOf(db, a.id);
    expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['refill', 25_00]]);
    expect(money.payments.map((p) => p.balance_after_cents)).toEqual([25_00]);
  });

  it('10 cards saved at once by an account with none: exactly one becomes the default', async () => {
    const a = await signedIn();
    const answers = await burst(
      fleet,
      Array.from({ length: 10 }, () =>
        postJson('/v1/account/payment-methods', card(CARDS.approves), {
          authorization: `Bearer ${a.token}`,
        }),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 201: 10 });
    const defaults = await db
      .selectFrom('payment_methods')
      .select('id')
      .where('subscriber_id', '=', a.id)
      .where('is_default', '=', 1)
      .execute();
    expect(defaults).toHaveLength(1);
  });

  it('40 e-mails of one receipt at once: 5 are sent', async () => {
    const a = await signedIn();
    const paid = await t.app.inject(pay(a, 10_00));
    expect(paid.statusCode, paid.body).toBe(201);
    const { paymentId } = Receipt.parse(paid.json());
    const before = mailbox.length;
    const answers = await burst(
      fleet,
      Array.from({ length: 40 }, () =>
        postJson(
          `/v1/account/payments/${paymentId}/receipt/email`,
          {},
          {
            authorization: `Bearer ${a.token}`,
          },
        ),
      ),
    );
    expect(statusCounts(answers)).toEqual({
      200: RECEIPT_MAILS_ALLOWED,
      429: 40 - RECEIPT_MAILS_ALLOWED,
    });
    expect(mailbox.length - before).toBe(RECEIPT_MAILS_ALLOWED);
  });
});
