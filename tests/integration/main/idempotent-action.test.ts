import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  CardDetails,
  ChargeResult,
  PaymentProcessor,
} from '../../../server/src/billing/processor';
import { SandboxProcessor } from '../../../server/src/billing/sandbox-processor';
import { MINUTE_MS } from '../../../server/src/clock';
import { loadRefillPinKey } from '../../../server/src/secrets';
import { generatePins } from '../../../server/src/billing/refill-pins';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import { AppError } from '../../../main/errors';
import { createApiClient } from '../../../main/services/api-client';
import { PaymentService } from '../../../main/services/payments';
import { PlansService } from '../../../main/services/plans';
import { SessionService } from '../../../main/services/session';
import { SettingsService, memorySettingsStore } from '../../../main/services/settings';
import { memoryVault } from '../../../main/services/vault';
import { ManualTime, memoryLog, testDevice } from '../../unit/main/support/fakes';
import { createTestApp, type TestApp } from '../support/test-app';
import { creditAccount, moneyOf } from '../support/payments';
import { dbKind, describeWithDb } from '../support/test-db';

/**
 * What the proxy does to one request:
 * - `drop-after-answer`: the API answered; the connection to the app is cut before the answer.
 * - `drop-while-working`: the connection is cut as soon as the request is on its way to the API.
 * - `stall-after-answer`: the API answered; the app hears nothing until it gives up (a timeout).
 * - `bad-gateway-after-answer`: the API answered; the app gets a gateway's 502 page instead.
 * - `garble-after-answer`: the API answered; the app gets the status with half of the body.
 */
type Fault =
  | 'drop-after-answer'
  | 'drop-while-working'
  | 'stall-after-answer'
  | 'bad-gateway-after-answer'
  | 'garble-after-answer';

interface Exchange {
  route: string;
  idempotencyKey: string | undefined;
  fault: Fault | 'none';
  status: number;
  /** What the API itself answered, whatever the app got. */
  body: string;
}

const readAll = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A reverse proxy on loopback between the app and the real API: it forwards every request and,
 * when told, loses or spoils the answer on the way back — what a flaky network or gateway does
 * after the API has already moved the money.
 */
class FaultyProxy {
  readonly exchanges: Exchange[] = [];
  readonly #faults = new Map<string, Fault[]>();
  readonly #server: http.Server;
  #upstream = '';
  url = '';

  constructor() {
    this.#server = http.createServer((req, res) => {
      // The API went away under a request (the suite is closing): end that exchange too.
      this.#forward(req, res).catch(() => res.destroy());
    });
  }

  async start(upstream: string): Promise<void> {
    this.#upstream = upstream;
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The next request to `route` (`POST /v1/account/payments`) meets `fault`. */
  next(route: string, fault: Fault): void {
    this.#faults.set(route, [...(this.#faults.get(route) ?? []), fault]);
  }

  sent(route: string): Exchange[] {
    return this.exchanges.filter((e) => e.route === route);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readAll(req);
    const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    const fault = this.#faults.get(route)?.shift() ?? 'none';
    const upstream = http.request(new URL(req.url ?? '/', this.#upstream), {
      method: req.method,
      headers: { ...req.headers, host: new URL(this.#upstream).host },
      agent: false,
    });
    if (fault === 'drop-while-working') upstream.on('finish', () => req.socket.destroy());
    upstream.end(body);
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      upstream.on('response', resolve);
      upstream.on('error', reject);
    });
    const answered = await readAll(answer);
    const key = req.headers['idempotency-key'];
    this.exchanges.push({
      route,
      idempotencyKey: typeof key === 'string' ? key : undefined,
      fault,
      status: answer.statusCode ?? 0,
      body: answered.toString('utf8'),
    });
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const reply = (status: number, bytes: Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, ...extra, 'content-length': String(bytes.length) });
      res.end(bytes);
    };
    switch (fault) {
      case 'none':
        return reply(answer.statusCode ?? 502, answered);
      case 'drop-after-answer':
        req.socket.destroy();
        return;
      case 'drop-while-working':
        return;
      case 'stall-after-answer':
        // Nothing more is sent; the app's own timeout ends the exchange.
        return;
      case 'bad-gateway-after-answer':
        return reply(502, Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>'), {
          'content-type': 'text/html',
        });
      case 'garble-after-answer':
        return reply(answer.statusCode ?? 200, answered.subarray(0, answered.length >> 1));
    }
  }
}

/**
 * The sandbox processor, with two things a real one can do: take its time over a charge (held
 * until the test lets it go), and lose the connection to the API right after charging.
 */
class TestProcessor implements PaymentProcessor {
  inner!: PaymentProcessor;
  #held: { arrived: () => void; released: Promise<void> } | null = null;
  #next: 'retry' | 'throw-after-charge' | null = null;

  /** Holds the next charge: `arrived` once the API is waiting on it, until `release()`. */
  hold(): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#held = { arrived, released };
    return { arrived: arrival, release };
  }

  /** The next charge: `retry` (nothing charged, try again) or charged, then an exception. */
  next(behaviour: 'retry' | 'throw-after-charge'): void {
    this.#next = behaviour;
  }

  tokenise(card: CardDetails, options?: { verify?: boolean }) {
    return this.inner.tokenise(card, options);
  }

  async charge(token: string, amountCents: number, currency: string, key: string) {
    const held = this.#held;
    this.#held = null;
    if (held) {
      held.arrived();
      await held.released;
    }
    const next = this.#next;
    this.#next = null;
    if (next === 'retry') return { chargeId: '', status: 'retry' } satisfies ChargeResult;
    const result = await this.inner.charge(token, amountCents, currency, key);
    if (next === 'throw-after-charge') throw new Error('the processor connection dropped');
    return result;
  }

  lookup(key: string) {
    return this.inner.lookup(key);
  }
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const PAYMENTS = 'POST /v1/account/payments';
const REFILL = 'POST /v1/account/refill';
const PLAN_CHANGE = 'POST /v1/account/plan/change';
const ADD_ONS = 'POST /v1/account/add-ons';
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };

describeWithDb(`main's money-moving calls retried after an unknown outcome (${dbKind})`, () => {
  let t: TestApp;
  const processor = new TestProcessor();
  const proxy = new FaultyProxy();
  let pinKey: Awaited<ReturnType<typeof loadRefillPinKey>>;

  beforeAll(async () => {
    t = await createTestApp({ paymentProcessor: processor });
    processor.inner = new SandboxProcessor(t.testDb.database.db, t.clock);
    pinKey = await loadRefillPinKey(t.testDb.database.db, t.clock);
    await proxy.start(await t.app.listen({ port: 0, host: '127.0.0.1' }));
  });
  afterAll(async () => {
    await proxy.close();
    await t?.close();
  });

  const db = () => t.testDb.database.db;

  /**
   * A new subscriber signed in through main's session service, and main's payment and plan
   * services over the real API client, all through the proxy.
   */
  async function signedIn(options: { timeoutMs?: number; creditCents?: number } = {}) {
    const created = await t.addSubscriber();
    if (options.creditCents) {
      await creditAccount(db(), created.id, options.creditCents, t.clock.now());
    }
    const client = (timeoutMs?: number) =>
      createApiClient({
        baseUrl: () => proxy.url,
        appVersion: '9.9.9',
        sleep: async () => {},
        ...(timeoutMs ? { timeoutMs } : {}),
      });
    const api = client();
    // A short timeout for the money calls only: signing in hashes a password and may be slow.
    const moneyApi = options.timeoutMs ? client(options.timeoutMs) : api;
    const time = new ManualTime();
    const session = new SessionService({
      api,
      vault: memoryVault(),
      settings: new SettingsService(
        memorySettingsStore({ ...structuredClone(DEFAULT_SETTINGS), apiBaseUrl: proxy.url }),
      ),
      clock: time,
      timers: time,
      emit: () => undefined,
      log: memoryLog(),
      device: testDevice,
    });
    await session.signIn({
      phone: created.phone,
      password: created.password,
      keepSignedIn: false,
    });
    const log = memoryLog();
    return {
      id: created.id,
      api,
      session,
      log,
      payments: new PaymentService({ api: moneyApi, session, log }),
      plans: new PlansService({ api: moneyApi, session, log }),
    };
  }

  /** Card payments that moved money for the subscriber, straight from the API's tables. */
  async function charged(subscriberId: string) {
    const money = await moneyOf(db(), subscriberId);
    return {
      payments: money.payments.filter((p) => p.status === 'succeeded'),
      ledgerSum: money.ledgerSum,
      ledger: money.ledger,
    };
  }

  /** Every request to `route` used one key; returns the API's own first 2xx answer. */
  function oneKeyAndFirstAnswer(route: string) {
    const sent = proxy.sent(route);
    expect(new Set(sent.map((e) => e.idempotencyKey)).size).toBe(1);
    const first = sent.find((e) => e.status >= 200 && e.status < 300);
    expect(first, 'the API answered one of the tries with a 2xx').toBeDefined();
    return { sent, first: JSON.parse(first!.body) as unknown };
  }

  describe('card payments', () => {
    it('(a) the connection drops after the API charged: the retry gets that receipt', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      proxy.next(PAYMENTS, 'drop-after-answer');
      const input = { amountCents: 20_00, card: CARD };
      expect((await failure(s.payments.pay(input))).code).toBe('network_unreachable');
      expect(s.payments.pendingKey('pay')).not.toBeNull();

      const receipt = await s.payments.pay(input);
      const { sent, first } = oneKeyAndFirstAnswer(PAYMENTS);
      expect(sent.map((e) => [e.fault, e.status])).toEqual([
        ['drop-after-answer', 201],
        ['none', 201],
      ]);
      expect(receipt).toEqual(first);
      const money = await charged(s.id);
      expect(money.payments.map((p) => [p.id, p.amount_cents])).toEqual([
        [receipt.paymentId, 20_00],
      ]);
      expect(money.ledgerSum).toBe(20_00);
      expect(s.payments.pendingKey('pay')).toBeNull();
    });

    it('(a) the answer never comes and the app times out: the retry gets that receipt', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn({ timeoutMs: 3_000 });
      proxy.next(PAYMENTS, 'stall-after-answer');
      const input = { amountCents: 15_00, card: CARD };
      expect((await failure(s.payments.pay(input))).code).toBe('timeout');

      const receipt = await s.payments.pay(input);
      const { first } = oneKeyAndFirstAnswer(PAYMENTS);
      expect(receipt).toEqual(first);
      const money = await charged(s.id);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
      expect(money.ledgerSum).toBe(15_00);
    });

    it('(b) a gateway answers 502 after the API charged: the retry gets that receipt', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      proxy.next(PAYMENTS, 'bad-gateway-after-answer');
      const input = { amountCents: 25_00, card: CARD, saveCard: true };
      const error = await failure(s.payments.pay(input));
      expect([error.code, error.extra.status]).toEqual(['service_unavailable', 502]);

      const receipt = await s.payments.pay(input);
      const { first } = oneKeyAndFirstAnswer(PAYMENTS);
      expect(receipt).toEqual(first);
      // The card was saved once, by the first try, and both tries paid with it.
      expect((await s.payments.methods()).items).toHaveLength(1);
      const money = await charged(s.id);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
      expect(money.ledgerSum).toBe(25_00);
    });

    it('(b) the API answers 503 (nothing charged): the retry with the same key pays once', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      processor.next('retry');
      const input = { amountCents: 30_00, card: CARD };
      const error = await failure(s.payments.pay(input));
      expect([error.code, error.extra.status]).toEqual(['payment_processor_unavailable', 503]);
      expect((await charged(s.id)).payments).toEqual([]);

      const receipt = await s.payments.pay(input);
      const { sent } = oneKeyAndFirstAnswer(PAYMENTS);
      expect(sent.map((e) => e.status)).toEqual([503, 201]);
      const money = await charged(s.id);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
      expect(money.ledgerSum).toBe(30_00);
    });

    it('(b) the API fails with a 500 after the processor charged: the retry recovers that charge', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      processor.next('throw-after-charge');
      const input = { amountCents: 35_00, card: CARD };
      const error = await failure(s.payments.pay(input));
      expect([error.code, error.extra.status]).toEqual(['internal_error', 500]);
      // The charge is in the processor, not yet in the account.
      expect((await charged(s.id)).payments).toEqual([]);

      // Once the interrupted payment is old enough to be recovered, the retry finishes it.
      t.clock.advance(MINUTE_MS + 1_000);
      const receipt = await s.payments.pay(input);
      oneKeyAndFirstAnswer(PAYMENTS);
      expect(receipt).toMatchObject({ status: 'succeeded', amount: { amountCents: 35_00 } });
      expect(await s.payments.receipt(receipt.paymentId)).toEqual(receipt);
      const money = await charged(s.id);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
      expect(money.ledgerSum).toBe(35_00);
    });

    it('(c) a retry while the first is still being charged hears 409, keeps its key, and later gets the receipt', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      const held = processor.hold();
      proxy.next(PAYMENTS, 'drop-while-working');
      const input = { amountCents: 40_00, card: CARD };
      expect((await failure(s.payments.pay(input))).code).toBe('network_unreachable');
      await held.arrived;

      // The same payment again, while the API is still charging the first: both are running at
      // once with one key, so the API waits for the first, then answers 409.
      const busy = await failure(s.payments.pay(input));
      expect([busy.code, busy.extra.status]).toEqual(['idempotency_in_progress', 409]);
      expect(s.payments.pendingKey('pay')).not.toBeNull();

      held.release();
      await vi.waitFor(
        () => expect(proxy.sent(PAYMENTS).some((e) => e.status === 201)).toBe(true),
        { timeout: 10_000 },
      );
      const receipt = await s.payments.pay(input);
      const { sent, first } = oneKeyAndFirstAnswer(PAYMENTS);
      expect(sent.map((e) => e.status).sort()).toEqual([201, 201, 409]);
      expect(receipt).toEqual(first);
      const money = await charged(s.id);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
      expect(money.ledgerSum).toBe(40_00);
    }, 30_000);

    it('(c) two clicks at once through main send one request and get one receipt', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      const input = { amountCents: 45_00, card: CARD };
      const [one, two] = await Promise.all([s.payments.pay(input), s.payments.pay(input)]);
      expect(one).toEqual(two);
      expect(proxy.sent(PAYMENTS)).toHaveLength(1);
      expect((await charged(s.id)).payments.map((p) => p.id)).toEqual([one.paymentId]);
    });

    it('(d) a 2xx whose body does not parse: the retry gets the receipt that was sent', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      proxy.next(PAYMENTS, 'garble-after-answer');
      const input = { amountCents: 50_00, card: CARD };
      const error = await failure(s.payments.pay(input));
      expect([error.code, error.extra.status]).toEqual(['invalid_response', 201]);

      const receipt = await s.payments.pay(input);
      const { first } = oneKeyAndFirstAnswer(PAYMENTS);
      expect(receipt).toEqual(first);
      const money = await charged(s.id);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
      expect(money.ledgerSum).toBe(50_00);
    });

    it('a definite answer ends the payment: a decline, then paying again is a new payment', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      const declined = { amountCents: 10_00, card: { ...CARD, number: '4000000000000002' } };
      expect((await failure(s.payments.pay(declined))).code).toBe('card_declined');
      expect(s.payments.pendingKey('pay')).toBeNull();
      expect((await failure(s.payments.pay(declined))).code).toBe('card_declined');
      const keys = proxy.sent(PAYMENTS).map((e) => e.idempotencyKey);
      expect(new Set(keys).size).toBe(2);
    });
  });

  describe('refills', () => {
    const pins = async (count: number, valueCents = 25_00) =>
      (await generatePins(db(), t.clock, pinKey, { count, valueCents })).pins;

    it('the same PIN typed with dashes, then with spaces, under one key is one request to the API', async () => {
      const s = await signedIn();
      const [pin] = await pins(1);
      const dashed = pin!;
      const spaced = pin!.replaceAll('-', ' ');
      expect(dashed).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
      // Straight through the API client, with no help from main's normalising: the API itself
      // takes both as the same request.
      const token = await s.session.withAccess(async (accessToken) => accessToken);
      const key = 'refill-same-pin-key-0001';
      const first = await s.api.call('payments.refill', {
        accessToken: token,
        body: { pin: dashed },
        idempotencyKey: key,
      });
      const again = await s.api.call('payments.refill', {
        accessToken: token,
        body: { pin: spaced },
        idempotencyKey: key,
      });
      expect(again).toEqual(first);
      const money = await moneyOf(db(), s.id);
      expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['refill', 25_00]]);
    });

    it('(a) the answer to a refill is lost; the retry typed with other spacing gets that receipt', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      const [pin] = await pins(1, 30_00);
      proxy.next(REFILL, 'drop-after-answer');
      expect((await failure(s.payments.refill(pin!))).code).toBe('network_unreachable');

      const receipt = await s.payments.refill(pin!.replaceAll('-', ' '));
      const { sent, first } = oneKeyAndFirstAnswer(REFILL);
      expect(sent.map((e) => e.status)).toEqual([201, 201]);
      expect(receipt).toEqual(first);
      const money = await moneyOf(db(), s.id);
      expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['refill', 30_00]]);
      expect(money.payments.map((p) => p.id)).toEqual([receipt.paymentId]);
    });

    it('(d) a refill answered with a garbled body: the retry gets the receipt that was sent', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn();
      const [pin] = await pins(1, 10_00);
      proxy.next(REFILL, 'garble-after-answer');
      expect((await failure(s.payments.refill(pin!))).code).toBe('invalid_response');
      const receipt = await s.payments.refill(pin!);
      expect(receipt).toEqual(oneKeyAndFirstAnswer(REFILL).first);
      expect((await moneyOf(db(), s.id)).ledgerSum).toBe(10_00);
    });
  });

  describe('plan changes and add-ons', () => {
    it('(d) a plan change answered with a garbled body: the retry gets the change that was made', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn({ creditCents: 100_00 });
      const preview = await s.plans.preview({ planId: 'unlimited', when: 'now' });
      const change = {
        planId: 'unlimited',
        when: 'now',
        expectedChargeCents: preview.netChargeCents,
      } as const;
      proxy.next(PLAN_CHANGE, 'garble-after-answer');
      expect((await failure(s.plans.change(change))).code).toBe('invalid_response');

      const result = await s.plans.change(change);
      expect(result).toEqual(oneKeyAndFirstAnswer(PLAN_CHANGE).first);
      expect(result.status).toBe('applied');
      const ledger = (await moneyOf(db(), s.id)).ledger;
      expect(ledger.filter((e) => e.kind === 'plan_charge')).toHaveLength(1);
      expect(ledger.filter((e) => e.id.startsWith(result.changeId))).toHaveLength(2);
    });

    it('(a)+(b) an add-on whose answer was dropped, then lost behind a 502: bought once', async () => {
      proxy.exchanges.length = 0;
      const s = await signedIn({ creditCents: 20_00 });
      proxy.next(ADD_ONS, 'drop-after-answer');
      proxy.next(ADD_ONS, 'bad-gateway-after-answer');
      expect((await failure(s.plans.buyAddOn('data-1gb'))).code).toBe('network_unreachable');
      expect((await failure(s.plans.buyAddOn('data-1gb'))).code).toBe('service_unavailable');

      const purchase = await s.plans.buyAddOn('data-1gb');
      const { sent, first } = oneKeyAndFirstAnswer(ADD_ONS);
      expect(sent).toHaveLength(3);
      expect(purchase).toEqual(first);
      const money = await moneyOf(db(), s.id);
      expect(money.ledger.filter((e) => e.kind === 'addon_charge')).toHaveLength(1);
      expect(money.ledgerSum).toBe(20_00 - 5_00);
    });
  });
});
