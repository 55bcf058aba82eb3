import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIGN_IN_BUDGETS } from '../../server/src/auth/lockout-policy';
import {
  KioskVisitEndResponse,
  KioskVisitStartResponse,
  ReceiptEmailResponse,
} from '../../contract/http/kiosk';
import { Receipt } from '../../contract/http/payments';
import { PlanChangeReceipt, PlanChangeResult } from '../../contract/http/plans';
import { KioskCredential } from '../../contract/kiosk';
import { SmtpSender } from '../../server/src/delivery';
import { KioskService, type EnrolledKiosk } from '../../server/src/kiosk/kiosk-service';
import { loadRefillPinKey } from '../../server/src/secrets';
import { MINUTE_MS } from '../../server/src/clock';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { solveCaptcha } from './support/captcha';
import type { ApiErrorBody } from '../../contract/errors';
import { startMailReceiver, type MailReceiver } from './support/receivers';
import { readMail } from './support/mail-text';
import { card, CARDS, newKey } from './support/payments';

/** Every kiosk of a store, and the customer's own computer, come from this one address. */
const STORE_IP = '203.0.113.7';
const NOT_ENROLLED = 'This kiosk is not enrolled with the account service. Ask a store manager.';

describeWithDb(`store kiosks (${dbKind})`, () => {
  let t: TestApp;
  let mail: MailReceiver;
  let kiosks: KioskService;
  let kioskA: EnrolledKiosk;
  let kioskB: EnrolledKiosk;

  beforeAll(async () => {
    mail = await startMailReceiver();
  });
  afterAll(async () => mail?.close());

  beforeEach(async () => {
    mail.messages.length = 0;
    t = await createTestApp({
      delivery: {
        email: new SmtpSender(mail.url, 'Airtime <receipts@airtime.test>', 5_000),
        sms: null,
      },
    });
    kiosks = new KioskService(t.testDb.database.db, t.clock);
    kioskA = await kiosks.enroll('Main Street store');
    kioskB = await kiosks.enroll('Main Street store');
  });
  afterEach(async () => t?.close());

  /** The headers the kiosk app sends: its credential, and the customer visit. */
  const at = (kiosk: { credential: string }, visit?: string): Record<string, string> => ({
    'airtime-kiosk': kiosk.credential,
    ...(visit === undefined ? {} : { 'airtime-kiosk-visit': visit }),
  });

  /**
   * Signs in as the kiosk app does: with a solved captcha when one is due, and when the API asks
   * for more work (failures on the number raise it), solving the challenge it sent and trying again.
   */
  async function signInSolving(
    phone: string,
    password: string,
    headers: Record<string, string>,
    withCaptcha: boolean,
  ): Promise<LightMyRequestResponse> {
    const first = await signIn(
      phone,
      password,
      headers,
      withCaptcha ? await t.captcha() : undefined,
    );
    const challenge =
      first.statusCode === 400
        ? first.json<{ error: ApiErrorBody['error'] }>().error.captcha
        : undefined;
    return challenge ? signIn(phone, password, headers, await solveCaptcha(challenge)) : first;
  }

  /** A customer visit, issued by the API as the kiosk app asks for one. */
  async function newVisit(kiosk: { credential: string }): Promise<string> {
    const res = await request('POST', '/v1/kiosk/visits', { headers: at(kiosk) });
    expect(res.statusCode, res.body).toBe(201);
    return KioskVisitStartResponse.parse(res.json()).visitId;
  }

  function request(
    method: 'GET' | 'POST',
    url: string,
    options: { headers?: Record<string, string>; body?: unknown; token?: string } = {},
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method,
      url,
      remoteAddress: STORE_IP,
      ...(options.body === undefined ? {} : { payload: options.body as never }),
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
    });
  }

  const signIn = (
    phone: string,
    password: string,
    headers: Record<string, string> = {},
    captcha?: string,
  ) =>
    request('POST', '/v1/auth/sign-in', {
      headers,
      body: { phone, password, ...(captcha === undefined ? {} : { captcha }) },
    });

  /** A number nobody has: each failure counts for the client, never twice for one number. */
  let unknownCounter = 0;
  const unknownPhone = () => `+1312555${String(1000 + (unknownCounter++ % 9000))}`;

  async function signedInAt(headers: Record<string, string>) {
    const created = await t.addSubscriber();
    const res = await signIn(created.phone, created.password, headers);
    expect(res.statusCode, res.body).toBe(200);
    return { ...created, token: res.json<{ accessToken: string }>().accessToken };
  }

  describe('enrolment and the credential', () => {
    it('prints a credential in the policy file format and keeps only a hash of its secret', async () => {
      expect(KioskCredential.safeParse(kioskA.credential).success).toBe(true);
      expect(kioskA.credential).not.toBe(kioskB.credential);
      const row = await t.testDb.database.db
        .selectFrom('kiosks')
        .selectAll()
        .where('id', '=', kioskA.id)
        .executeTakeFirstOrThrow();
      expect(row.store_name).toBe('Main Street store');
      const secret = kioskA.credential.split('.')[1]!;
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('a valid credential signs in, and the session records the kiosk it was opened at', async () => {
      const visit = await newVisit(kioskA);
      const customer = await signedInAt(at(kioskA, visit));
      const session = await t.testDb.database.db
        .selectFrom('sessions')
        .select(['kiosk_id'])
        .where('subscriber_id', '=', customer.id)
        .executeTakeFirstOrThrow();
      expect(session.kiosk_id).toBe(kioskA.id);
      // The account's pages work at the kiosk like anywhere else.
      const summary = await request('GET', '/v1/account/summary', {
        headers: at(kioskA, visit),
        token: customer.token,
      });
      expect(summary.statusCode, summary.body).toBe(200);
      // A sign-in from the customer's own computer records no kiosk.
      const home = await t.addSubscriber();
      expect((await signIn(home.phone, home.password)).statusCode).toBe(200);
      const homeSession = await t.testDb.database.db
        .selectFrom('sessions')
        .select(['kiosk_id'])
        .where('subscriber_id', '=', home.id)
        .executeTakeFirstOrThrow();
      expect(homeSession.kiosk_id).toBeNull();
    });

    it('notes when a kiosk was last seen, at most once a minute', async () => {
      const seen = async () =>
        (
          await t.testDb.database.db
            .selectFrom('kiosks')
            .select('last_seen_at')
            .where('id', '=', kioskA.id)
            .executeTakeFirstOrThrow()
        ).last_seen_at;
      expect(await seen()).toBeNull();
      const first = t.clock.now();
      await request('GET', '/v1/plans', { headers: at(kioskA, await newVisit(kioskA)) });
      expect(Number(await seen())).toBe(first);
      t.clock.advance(30_000);
      await request('GET', '/v1/plans', { headers: at(kioskA, await newVisit(kioskA)) });
      expect(Number(await seen())).toBe(first);
      t.clock.advance(MINUTE_MS);
      await request('GET', '/v1/plans', { headers: at(kioskA, await newVisit(kioskA)) });
      expect(Number(await seen())).toBe(t.clock.now());
    });

    it('an unknown, malformed or revoked credential is 403 kiosk_not_enrolled on every route', async () => {
      const customer = await signedInAt({});
      const [, secret] = kioskA.credential.split('.');
      const wrongSecret = `ak_${kioskA.id}.${secret!.slice(0, -1)}${secret!.endsWith('A') ? 'B' : 'A'}`;
      const unknown = `ak_zzzzzzzzzzzz.${secret}`;
      await kiosks.revoke(kioskB.id);
      for (const credential of [
        'not a credential',
        `${kioskA.credential}x`,
        wrongSecret,
        unknown,
        kioskB.credential,
      ]) {
        const headers = { 'airtime-kiosk': credential, 'airtime-kiosk-visit': randomUUID() };
        for (const res of [
          await signIn(customer.phone, customer.password, headers),
          await request('GET', '/v1/plans', { headers }),
          await request('GET', '/v1/account/summary', { headers, token: customer.token }),
          await request('POST', '/v1/kiosk/visits/end', { headers }),
          await request('GET', '/healthz', { headers }),
        ]) {
          const error = expectError(res, 403, 'kiosk_not_enrolled');
          expect(error.message).toBe(NOT_ENROLLED);
        }
      }
      // The kiosk beside it, still enrolled, goes on working.
      expect(
        (await signIn(customer.phone, customer.password, at(kioskA, await newVisit(kioskA))))
          .statusCode,
      ).toBe(200);
    });

    it('revoking a kiosk ends the sessions opened at it', async () => {
      const customer = await signedInAt(at(kioskA, await newVisit(kioskA)));
      await kiosks.revoke(kioskA.id);
      const res = await request('GET', '/v1/account/summary', { token: customer.token });
      expectError(res, 401, 'unauthorized');
    });

    it('a kiosk credential needs a visit id, a UUID (400 invalid_request otherwise)', async () => {
      const customer = await t.addSubscriber();
      const missing = expectError(
        await signIn(customer.phone, customer.password, at(kioskA)),
        400,
        'invalid_request',
      );
      expect(missing.issues?.[0]?.path).toBe('headers.airtime-kiosk-visit');
      expectError(
        await signIn(customer.phone, customer.password, at(kioskA, 'visit-1')),
        400,
        'invalid_request',
      );
    });
  });

  describe('per-client throttles and CAPTCHAs count per kiosk visit', () => {
    it('failures at one visit ask for a CAPTCHA there, not at the next visit nor the kiosk beside it', async () => {
      const visit1 = await newVisit(kioskA);
      for (let i = 0; i < 3; i++) {
        expectError(
          await signIn(unknownPhone(), 'Wrong-Password-1', at(kioskA, visit1)),
          401,
          'invalid_credentials',
        );
      }
      // The customer who failed three times, on yet another number, is asked to prove they are a person.
      expectError(
        await signIn(unknownPhone(), 'Wrong-Password-1', at(kioskA, visit1)),
        428,
        'captcha_required',
      );

      // The next customer at the same kiosk, the kiosk beside it and someone's own computer behind
      // the store's address: none is asked, and a right password just signs in.
      const next = await t.addSubscriber();
      expect(
        (await signIn(next.phone, next.password, at(kioskA, await newVisit(kioskA)))).statusCode,
      ).toBe(200);
      const beside = await t.addSubscriber();
      expect(
        (await signIn(beside.phone, beside.password, at(kioskB, await newVisit(kioskB))))
          .statusCode,
      ).toBe(200);
      expectError(await signIn(unknownPhone(), 'Wrong-Password-1'), 401, 'invalid_credentials');
    });

    it('the number’s lock holds across visits and kiosks: each visit is a client, and 20 lock it', async () => {
      const customer = await t.addSubscriber();
      const untrusted = DEFAULT_SIGN_IN_BUDGETS.untrustedFailures;
      for (let i = 0; i < untrusted; i++) {
        // Each try from a new visit, a client of its own: the number's count for clients
        // without a device cookie still adds up (and asks for a CAPTCHA after three, which a
        // real customer's kiosk solves).
        const kiosk = i % 2 === 0 ? kioskA : kioskB;
        const res = await signInSolving(
          customer.phone,
          'Wrong-Password-1',
          at(kiosk, await newVisit(kiosk)),
          i >= 3,
        );
        expect(res.statusCode, res.body).toBe(i === untrusted - 1 ? 423 : 401);
      }
      const locked = expectError(
        await signInSolving(
          customer.phone,
          customer.password,
          at(kioskB, await newVisit(kioskB)),
          true,
        ),
        423,
        'account_locked',
      );
      expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('wrong refill PINs limit the visit that typed them, not the next customer', async () => {
      // A real PIN key, so the wrong PINs go through the whole check.
      await loadRefillPinKey(t.testDb.database.db, t.clock);
      const visit1 = await newVisit(kioskA);
      const first = await signedInAt(at(kioskA, visit1));
      const refill = (token: string, visit: string) =>
        request('POST', '/v1/account/refill', {
          headers: { ...at(kioskA, visit), 'idempotency-key': newKey() },
          token,
          body: { pin: '1111-2222-3333-4444' },
        });
      for (let i = 0; i < 5; i++) {
        expectError(await refill(first.token, visit1), 400, 'refill_pin_invalid');
      }
      expectError(await refill(first.token, visit1), 429, 'rate_limited');

      const visit2 = await newVisit(kioskA);
      const second = await signedInAt(at(kioskA, visit2));
      expectError(await refill(second.token, visit2), 400, 'refill_pin_invalid');
    });
  });

  describe('visits issued by the API', () => {
    it('accepts only a visit id it issued to this kiosk, and refuses a made-up one', async () => {
      const customer = await t.addSubscriber();
      for (const visit of [randomUUID(), randomUUID().toUpperCase()]) {
        const refused = expectError(
          await signIn(customer.phone, customer.password, at(kioskA, visit)),
          403,
          'kiosk_visit_unknown',
        );
        expect(refused.message).toMatch(/Start a new visit/);
      }
      // Issued to the kiosk beside it: not this kiosk's visit.
      expectError(
        await signIn(customer.phone, customer.password, at(kioskA, await newVisit(kioskB))),
        403,
        'kiosk_visit_unknown',
      );
      const visit = await newVisit(kioskA);
      expect(visit).toMatch(/^[0-9a-f-]{36}$/);
      expect((await signIn(customer.phone, customer.password, at(kioskA, visit))).statusCode).toBe(
        200,
      );
    });

    it('issues a new id every time, and ends them all at visits/end', async () => {
      const first = await newVisit(kioskA);
      const second = await newVisit(kioskA);
      expect(first).not.toBe(second);
      const beside = await newVisit(kioskB);
      expect(
        (await request('POST', '/v1/kiosk/visits/end', { headers: at(kioskA) })).statusCode,
      ).toBe(200);
      for (const visit of [first, second]) {
        expectError(
          await request('GET', '/v1/plans', { headers: at(kioskA, visit) }),
          403,
          'kiosk_visit_unknown',
        );
      }
      // The kiosk beside it keeps its customer.
      expect((await request('GET', '/v1/plans', { headers: at(kioskB, beside) })).statusCode).toBe(
        200,
      );
    });

    it('a visit expires after two hours', async () => {
      const visit = await newVisit(kioskA);
      const res = await request('POST', '/v1/kiosk/visits', { headers: at(kioskA) });
      expect(KioskVisitStartResponse.parse(res.json()).expiresIn).toBe(2 * 60 * 60);
      t.clock.advance(2 * 60 * MINUTE_MS - 1);
      expect((await request('GET', '/v1/plans', { headers: at(kioskA, visit) })).statusCode).toBe(
        200,
      );
      t.clock.advance(1);
      expectError(
        await request('GET', '/v1/plans', { headers: at(kioskA, visit) }),
        403,
        'kiosk_visit_unknown',
      );
    });

    it('only a kiosk may start one', async () => {
      expectError(await request('POST', '/v1/kiosk/visits'), 401, 'unauthorized');
      expectError(
        await request('POST', '/v1/kiosk/visits', { headers: { 'airtime-kiosk': 'nope' } }),
        403,
        'kiosk_not_enrolled',
      );
    });
  });

  describe('POST /v1/kiosk/visits/end', () => {
    it('revokes the live sessions opened at this kiosk, and only those', async () => {
      const one = await signedInAt(at(kioskA, await newVisit(kioskA)));
      const two = await signedInAt(at(kioskA, await newVisit(kioskA)));
      const beside = await signedInAt(at(kioskB, await newVisit(kioskB)));
      const home = await signedInAt({});

      // At start-up the app has no visit yet: the credential alone is enough here.
      const res = await request('POST', '/v1/kiosk/visits/end', { headers: at(kioskA) });
      expect(res.statusCode, res.body).toBe(200);
      expect(KioskVisitEndResponse.parse(res.json())).toEqual({ revokedSessions: 2 });

      for (const gone of [one, two]) {
        expectError(
          await request('GET', '/v1/account/summary', { token: gone.token }),
          401,
          'unauthorized',
        );
      }
      for (const kept of [beside, home]) {
        expect(
          (await request('GET', '/v1/account/summary', { token: kept.token })).statusCode,
        ).toBe(200);
      }
      // Again (the next wipe): nothing is left.
      const again = await request('POST', '/v1/kiosk/visits/end', {
        headers: at(kioskA, await newVisit(kioskA)),
        body: {},
      });
      expect(again.json()).toEqual({ revokedSessions: 0 });
    });

    it('needs a kiosk credential: a bearer token is not enough', async () => {
      const home = await signedInAt({});
      expectError(
        await request('POST', '/v1/kiosk/visits/end', { token: home.token }),
        401,
        'unauthorized',
      );
    });
  });

  describe('receipts by e-mail', () => {
    async function pay(token: string, amountCents: number, headers: Record<string, string> = {}) {
      const res = await request('POST', '/v1/account/payments', {
        headers: { ...headers, 'idempotency-key': newKey() },
        token,
        body: { amountCents, card: card(CARDS.approves) },
      });
      expect(res.statusCode, res.body).toBe(201);
      return Receipt.parse(res.json());
    }

    it("e-mails a payment's receipt to the account's address, with its numbers", async () => {
      const visit = await newVisit(kioskA);
      const customer = await signedInAt(at(kioskA, visit));
      const receipt = await pay(customer.token, 20_00, at(kioskA, visit));

      const res = await request('POST', `/v1/account/payments/${receipt.paymentId}/receipt/email`, {
        headers: at(kioskA, visit),
        token: customer.token,
      });
      expect(res.statusCode, res.body).toBe(200);
      const email = (
        await t.testDb.database.db
          .selectFrom('subscribers')
          .select('email')
          .where('id', '=', customer.id)
          .executeTakeFirstOrThrow()
      ).email;
      expect(ReceiptEmailResponse.parse(res.json())).toEqual({
        sentTo: `${email[0]}•••${email.slice(email.indexOf('@'))}`,
      });
      expect(mail.messages).toHaveLength(1);
      const message = readMail(mail.messages[0]!);
      expect(message.to).toEqual([email]);
      expect(message.subject).toBe(`Your Airtime receipt ${receipt.receiptNumber}`);
      expect(message.text).toContain('Here is the receipt for your payment of $20.00.');
      expect(message.text).toContain('Visa ending in 4242');
      expect(message.text).toMatch(/Total\s+\$20\.00/);
      expect(message.text).toContain('Balance after this payment: $20.00 in credit');
      // Nothing of the receipt is kept by the server beyond the payment itself.
      expect(message.text).not.toContain('4242 4242');
    });

    it("another subscriber's receipt is not found, and a receipt is e-mailed at most 5 times an hour", async () => {
      const owner = await signedInAt({});
      const receipt = await pay(owner.token, 5_00);
      const other = await signedInAt({});
      const url = `/v1/account/payments/${receipt.paymentId}/receipt/email`;
      expectError(await request('POST', url, { token: other.token }), 404, 'payment_not_found');
      expect(mail.messages).toHaveLength(0);

      for (let i = 0; i < 5; i++) {
        expect((await request('POST', url, { token: owner.token })).statusCode).toBe(200);
      }
      const limited = expectError(
        await request('POST', url, { token: owner.token }),
        429,
        'rate_limited',
      );
      expect(limited.retryAfterSeconds).toBe(3600);
      expect(mail.messages).toHaveLength(5);
      // An hour later it may be sent again (signed in afresh: the access token has expired).
      t.clock.advance(61 * MINUTE_MS);
      const token = (await signIn(owner.phone, owner.password)).json<{ accessToken: string }>()
        .accessToken;
      expect((await request('POST', url, { token })).statusCode).toBe(200);
    });

    it('says so when the account has no e-mail address', async () => {
      const customer = await signedInAt({});
      const receipt = await pay(customer.token, 5_00);
      await t.testDb.database.db
        .updateTable('subscribers')
        .set({ email: '' })
        .where('id', '=', customer.id)
        .execute();
      const error = expectError(
        await request('POST', `/v1/account/payments/${receipt.paymentId}/receipt/email`, {
          token: customer.token,
        }),
        409,
        'invalid_request',
      );
      expect(error.message).toContain('no e-mail address');
      expect(mail.messages).toHaveLength(0);
    });

    it("a plan change's receipt shows what the change did, and can be e-mailed", async () => {
      const customer = await signedInAt({});
      await pay(customer.token, 40_00);
      const change = await request('POST', '/v1/account/plan/change', {
        headers: { 'idempotency-key': newKey() },
        token: customer.token,
        body: { planId: 'value-15gb', when: 'now' },
      });
      expect(change.statusCode, change.body).toBe(200);
      const result = PlanChangeResult.parse(change.json());

      const res = await request('GET', `/v1/account/plan/changes/${result.changeId}/receipt`, {
        token: customer.token,
      });
      expect(res.statusCode, res.body).toBe(200);
      const receipt = PlanChangeReceipt.parse(res.json());
      const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });
      expect(receipt).toMatchObject({
        changeId: result.changeId,
        fromPlan: { id: 'starter-5gb', name: result.currentPlan.name },
        toPlan: { id: 'value-15gb', name: result.newPlan.name },
        when: 'now',
        status: 'applied',
        effectiveOn: result.effectiveOn,
        charged: usd(result.chargeNowCents),
        credited: usd(result.creditCents),
        netCharge: usd(result.netChargeCents),
        balanceAfter: usd(result.balanceAfterCents),
      });
      const plans = {
        fromPlanId: 'starter-5gb',
        fromPlanName: result.currentPlan.name,
        toPlanId: 'value-15gb',
        toPlanName: result.newPlan.name,
        days: result.prorationDays,
        cycleDays: result.cycleDays,
      };
      expect(receipt.lines).toEqual([
        { item: { kind: 'plan_change_charge', ...plans }, amount: usd(-result.chargeNowCents) },
        { item: { kind: 'plan_change_credit', ...plans }, amount: usd(result.creditCents) },
      ]);
      // The balance after is what the payments and the change leave, to the cent.
      expect(result.balanceAfterCents).toBe(40_00 - result.netChargeCents);

      const sent = await request(
        'POST',
        `/v1/account/plan/changes/${result.changeId}/receipt/email`,
        {
          token: customer.token,
        },
      );
      expect(sent.statusCode, sent.body).toBe(200);
      const message = readMail(mail.messages[0]!);
      expect(message.subject).toBe(
        `Your Airtime plan change: ${result.currentPlan.name} to ${result.newPlan.name}`,
      );
      const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
      // The e-mail is in English, its lines worded as the API wrote them before they had kinds.
      expect(message.text).toContain(
        `${result.newPlan.name} plan, ${result.prorationDays} of ${result.cycleDays} days`,
      );
      expect(message.text).toContain(
        `Unused ${result.prorationDays} of ${result.cycleDays} days of ${result.currentPlan.name}`,
      );
      expect(message.text).toContain(dollars(result.chargeNowCents));
      expect(message.text).toContain(dollars(result.creditCents));
      expect(message.text).toMatch(
        new RegExp(`Charged to your balance\\s+\\${dollars(result.netChargeCents)}`),
      );
      expect(message.text).toContain(
        `Balance after this change: ${dollars(result.balanceAfterCents)} in credit`,
      );

      const other = await signedInAt({});
      expectError(
        await request('GET', `/v1/account/plan/changes/${result.changeId}/receipt`, {
          token: other.token,
        }),
        404,
        'not_found',
      );
      expectError(
        await request('POST', `/v1/account/plan/changes/${result.changeId}/receipt/email`, {
          token: other.token,
        }),
        404,
        'not_found',
      );
    });

    it('a change at the renewal moved no money: no lines, nothing charged', async () => {
      const customer = await signedInAt({});
      const change = await request('POST', '/v1/account/plan/change', {
        headers: { 'idempotency-key': newKey() },
        token: customer.token,
        body: { planId: 'unlimited', when: 'next_renewal' },
      });
      expect(change.statusCode, change.body).toBe(200);
      const result = PlanChangeResult.parse(change.json());
      const receipt = PlanChangeReceipt.parse(
        (
          await request('GET', `/v1/account/plan/changes/${result.changeId}/receipt`, {
            token: customer.token,
          })
        ).json(),
      );
      expect(receipt).toMatchObject({
        when: 'next_renewal',
        status: 'pending',
        lines: [],
        charged: { amountCents: 0 },
        netCharge: { amountCents: 0 },
        balanceAfter: { amountCents: result.balanceAfterCents },
      });
    });
  });
});
