import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Receipt, SavedCard } from '../../../contract/http/payments';
import { AppError } from '../../../main/errors';
import { createLogger, scrubText, scrubValue, type Log } from '../../../main/services/logger';
import { PaymentService } from '../../../main/services/payments';
import { fakeCall } from './support/fakes';

const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' };

const receipt = (n = 1): Receipt => ({
  paymentId: `pay_${n}`,
  receiptNumber: `R-0000${n}`,
  createdAt: '2026-11-25T12:00:00.000Z',
  status: 'succeeded',
  method: 'card',
  card: { brand: 'visa', last4: '4242' },
  items: [],
  amount: { amountCents: 2000, currency: 'USD' },
  balanceAfter: { amountCents: 2000, currency: 'USD' },
});

const savedCard: SavedCard = {
  id: 'pm_1',
  brand: 'visa',
  last4: '4242',
  expMonth: 12,
  expYear: 2030,
  nickname: null,
  isDefault: true,
  createdAt: '2026-11-25T12:00:00.000Z',
};

function recorder(): Log & { lines: unknown[] } {
  const lines: unknown[] = [];
  const record = (fields: object, message?: string) => lines.push({ fields, message });
  return { lines, debug: record, info: record, warn: record, error: record };
}

function setup() {
  let n = 0;
  const routes = {
    paymentMethods: vi.fn(async () => ({ items: [savedCard] })),
    addPaymentMethod: vi.fn(async () => savedCard),
    removePaymentMethod: vi.fn(async () => {}),
    setDefaultPaymentMethod: vi.fn(async () => ({ items: [savedCard] })),
    pay: vi.fn(async (_t: string, _body: unknown, _key: string) => receipt()),
    refill: vi.fn(async (_t: string, _pin: string, _key: string) => receipt()),
    receipt: vi.fn(async () => receipt()),
  };
  const api = {
    ...routes,
    call: fakeCall({
      'payments.methods': () => routes.paymentMethods(),
      'payments.addMethod': () => routes.addPaymentMethod(),
      'payments.removeMethod': () => routes.removePaymentMethod(),
      'payments.setDefaultMethod': () => routes.setDefaultPaymentMethod(),
      'payments.pay': ({ accessToken, body, idempotencyKey }) =>
        routes.pay(accessToken, body, idempotencyKey),
      'payments.refill': ({ accessToken, body, idempotencyKey }) =>
        routes.refill(accessToken, body.pin, idempotencyKey),
      'payments.receipt': () => routes.receipt(),
    }),
  };
  const log = recorder();
  const service = new PaymentService({
    api,
    session: { withAccess: (call) => call('access-token') },
    log,
    newKey: () => `key-${String(++n).padStart(8, '0')}`,
  });
  return { api, log, service };
}

const offline = () => new AppError('network_unreachable', 'offline');

describe('PaymentService', () => {
  it('sends the same Idempotency-Key when a payment is retried after a network error', async () => {
    const { api, service } = setup();
    api.pay.mockRejectedValueOnce(offline());
    const input = { amountCents: 2000, paymentMethodId: 'pm_1' };
    await expect(service.pay(input)).rejects.toMatchObject({ code: 'network_unreachable' });
    expect(service.pendingKey('pay')).toBe('key-00000001');
    await expect(service.pay(input)).resolves.toMatchObject({ receiptNumber: 'R-00001' });
    expect(api.pay.mock.calls.map((c) => c[2])).toEqual(['key-00000001', 'key-00000001']);
    expect(service.pendingKey('pay')).toBeNull();
  });

  it('keeps the key after a timeout, for a refill too, and sends the PIN as its digits', async () => {
    const { api, service } = setup();
    api.refill.mockRejectedValueOnce(new AppError('timeout', 'slow'));
    await expect(service.refill('1234 5678 9012 3456')).rejects.toBeInstanceOf(AppError);
    await service.refill('1234-5678-9012-3456');
    // Only what main sends is checked here: that the API takes both as the same request under
    // one key is shown against the real API (tests/integration/main/idempotent-action.test.ts).
    expect(api.refill.mock.calls.map((c) => [c[1], c[2]])).toEqual([
      ['1234567890123456', 'key-00000001'],
      ['1234567890123456', 'key-00000001'],
    ]);
  });

  it('refuses a PIN of the wrong shape before it reaches the API, with the API’s code', async () => {
    const { api, service } = setup();
    for (const pin of ['', '1234 5678', '1234-5678-9012-345x', '1234 5678 9012 3456 7']) {
      await expect(service.refill(pin)).rejects.toMatchObject({
        code: 'invalid_refill_pin_format',
        message: expect.stringMatching(/16 digits/),
        extra: { issues: [{ path: 'pin', message: expect.any(String) }] },
      });
    }
    expect(api.refill).not.toHaveBeenCalled();
    expect(service.pendingKey('refill')).toBeNull();
  });

  it.each([
    [
      '409 idempotency_in_progress',
      new AppError('idempotency_in_progress', 'busy', { status: 409 }),
    ],
    [
      'a 2xx whose body does not parse',
      new AppError('invalid_response', 'garbled', { status: 201 }),
    ],
    ['a 502 from a gateway', new AppError('service_unavailable', 'bad gateway', { status: 502 })],
  ])('keeps the payment’s key after %s', async (_label, error) => {
    const { api, service } = setup();
    api.pay.mockRejectedValueOnce(error);
    const input = { amountCents: 2000, paymentMethodId: 'pm_1' };
    await expect(service.pay(input)).rejects.toBe(error);
    expect(service.pendingKey('pay')).toBe('key-00000001');
    await service.pay(input);
    expect(api.pay.mock.calls.map((c) => c[2])).toEqual(['key-00000001', 'key-00000001']);
    expect(service.pendingKey('pay')).toBeNull();
  });

  it('keeps a lost payment retryable with its key after another payment is made', async () => {
    const { api, service } = setup();
    const first = { amountCents: 2000, paymentMethodId: 'pm_1' };
    api.pay.mockRejectedValueOnce(offline());
    await expect(service.pay(first)).rejects.toBeInstanceOf(AppError);
    await service.pay({ ...first, amountCents: 2500 });
    await service.pay(first);
    expect(api.pay.mock.calls.map((c) => c[2])).toEqual([
      'key-00000001',
      'key-00000002',
      'key-00000001',
    ]);
  });

  it('uses a new key for a new action: after a receipt, a decline, or a different request', async () => {
    const { api, service } = setup();
    const input = { amountCents: 2000, paymentMethodId: 'pm_1' };
    await service.pay(input);
    await service.pay(input);
    api.pay.mockRejectedValueOnce(new AppError('card_declined', 'declined', { status: 402 }));
    await expect(service.pay(input)).rejects.toMatchObject({ code: 'card_declined' });
    await service.pay(input);
    api.pay.mockRejectedValueOnce(offline());
    await expect(service.pay(input)).rejects.toBeInstanceOf(AppError);
    await service.pay({ ...input, amountCents: 2500 });
    expect(api.pay.mock.calls.map((c) => c[2])).toEqual([
      'key-00000001',
      'key-00000002',
      'key-00000003',
      'key-00000004',
      'key-00000005',
      'key-00000006',
    ]);
  });

  it('joins a second click while the first payment is still on its way', async () => {
    const { api, service } = setup();
    let finish!: (r: Receipt) => void;
    api.pay.mockImplementationOnce(() => new Promise<Receipt>((resolve) => (finish = resolve)));
    const input = { amountCents: 2000, paymentMethodId: 'pm_1' };
    const first = service.pay(input);
    const second = service.pay(input);
    finish(receipt(7));
    expect(await first).toEqual(await second);
    expect(api.pay).toHaveBeenCalledTimes(1);
  });

  it('saves a new card once and pays with it, also when the payment is retried', async () => {
    const { api, service } = setup();
    api.pay.mockRejectedValueOnce(offline());
    const input = { amountCents: 2000, card: CARD, saveCard: true };
    await expect(service.pay(input)).rejects.toBeInstanceOf(AppError);
    await service.pay(input);
    expect(api.addPaymentMethod).toHaveBeenCalledTimes(1);
    expect(api.pay.mock.calls.map((c) => c[1])).toEqual([
      { amountCents: 2000, paymentMethodId: 'pm_1' },
      { amountCents: 2000, paymentMethodId: 'pm_1' },
    ]);
  });

  it('sends a card used once to the API as typed, and never logs it', async () => {
    const { api, log, service } = setup();
    api.pay.mockRejectedValueOnce(offline());
    await expect(service.pay({ amountCents: 2000, card: CARD })).rejects.toBeInstanceOf(AppError);
    await service.pay({ amountCents: 2000, card: CARD });
    await service.addMethod(CARD);
    expect(api.pay.mock.calls[0]?.[1]).toEqual({ amountCents: 2000, card: CARD });
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain('4242 4242');
    expect(logged).not.toContain('4242424242424242');
    expect(logged).not.toContain('"123"');
  });
});

describe('card data in the log', () => {
  it('redacts card number and security code fields, and card numbers in text', () => {
    expect(scrubValue({ card: { ...CARD }, last4: '4242' })).toEqual({
      card: { number: '[redacted]', expMonth: 12, expYear: 2030, cvc: '[redacted]' },
      last4: '4242',
    });
    expect(scrubText('declined 4000 0000 0000 0002 today')).toBe('declined [redacted] today');
    expect(scrubText('declined 4000-0000-0000-0002')).toBe('declined [redacted]');
    expect(scrubText('card 4242424242424242')).toBe('card [redacted]');
    expect(scrubText('receipt R-00042 for $20.00 on 2026-11-25')).toBe(
      'receipt R-00042 for $20.00 on 2026-11-25',
    );
  });

  it('keeps card data out of the log file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-pay-log-'));
    try {
      const logger = createLogger({ directory: dir });
      logger.info({ body: { amountCents: 2000, card: CARD } }, 'paying with 4242 4242 4242 4242');
      logger.flush();
      const text = fs.readFileSync(path.join(dir, 'main.log'), 'utf8');
      expect(text).toContain('amountCents');
      expect(text).not.toMatch(/4242 ?4242/);
      expect(text).not.toContain('"cvc":"123"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
