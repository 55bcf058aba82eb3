import { afterAll, beforeAll, expect, it } from 'vitest';
import { Receipt } from '../../contract/http/payments';
import { HOUR_MS } from '../../server/src/clock';
import { loadRefillPinKey } from '../../server/src/secrets';
import type { KeyRing } from '../../server/src/keys/key-ring';
import { generatePins } from '../../server/src/billing/refill-pins';
import { createTestApp, type TestApp } from './support/test-app';
import { CLI_TIMEOUT, runCli } from './support/cli';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { moneyOf, newKey, send, signedInAccount, type Account } from './support/payments';

describeWithDb(`refill PINs (${dbKind})`, () => {
  let t: TestApp;
  let pinKey: KeyRing;

  beforeAll(async () => {
    t = await createTestApp();
    pinKey = await loadRefillPinKey(t.testDb.database.db, t.clock);
  });
  afterAll(async () => t?.close());

  const pins = async (count: number, valueCents = 2500) =>
    (await generatePins(t.testDb.database.db, t.clock, pinKey, { count, valueCents })).pins;
  const refill = (a: Account, pin: unknown, key = newKey(), ip = '203.0.113.10') =>
    t.app.inject({
      method: 'POST',
      url: '/v1/account/refill',
      payload: { pin } as never,
      remoteAddress: ip,
      headers: {
        authorization: `Bearer ${a.token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
    });

  it('adds the PIN value as a refill, with a receipt, once per key', async () => {
    const a = await signedInAccount(t);
    const [pin] = await pins(1);
    expect(pin).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
    const key = newKey();
    // Typed with spaces instead of dashes: the same PIN.
    const res = await refill(a, pin!.replaceAll('-', ' '), key);
    expect(res.statusCode, res.body).toBe(201);
    const receipt = Receipt.parse(res.json());
    expect(receipt).toMatchObject({
      method: 'refill_pin',
      card: null,
      amount: { amountCents: 2500, currency: 'USD' },
      balanceAfter: { amountCents: 2500, currency: 'USD' },
    });
    const replay = await refill(a, pin!.replaceAll('-', ' '), key);
    expect(replay.statusCode).toBe(201);
    expect(replay.body).toBe(res.body);
    const money = await moneyOf(t.testDb.database.db, a.id);
    expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['refill', 2500]]);
    expect(money.payments.map((p) => [p.method, p.status])).toEqual([['refill_pin', 'succeeded']]);
    const row = await t.testDb.database.db
      .selectFrom('refill_pins')
      .selectAll()
      .where('redeemed_by', '=', a.id)
      .executeTakeFirstOrThrow();
    expect(row.redeemed_at).toBe(t.clock.now());
    expect(row.pin_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(pin!.replaceAll('-', ''));
  });

  it('takes one PIN typed with dashes, then with spaces, under one key as one request', async () => {
    const a = await signedInAccount(t);
    const [pin] = await pins(1);
    const key = newKey();
    const first = await refill(a, pin!, key);
    expect(first.statusCode, first.body).toBe(201);
    // The same PIN as printed but spaced otherwise: not `422 idempotency_key_reused`, because
    // the request is remembered in the PIN's canonical form.
    for (const typed of [pin!.replaceAll('-', ' '), pin!.replaceAll('-', ''), ` ${pin!} `]) {
      const again = await refill(a, typed, key);
      expect(again.statusCode, again.body).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
    }
    const money = await moneyOf(t.testDb.database.db, a.id);
    expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['refill', 2500]]);
    // Another PIN under that key is still another request.
    const [other] = await pins(1);
    expectError(await refill(a, other!, key), 422, 'idempotency_key_reused');
  });

  it('answers a used PIN and an unknown one alike', async () => {
    const a = await signedInAccount(t);
    const b = await signedInAccount(t);
    const [pin] = await pins(1);
    expect((await refill(a, pin)).statusCode).toBe(201);
    const used = expectError(
      await refill(b, pin, newKey(), '203.0.113.20'),
      400,
      'refill_pin_invalid',
    );
    const unknown = expectError(
      await refill(b, '1111-2222-3333-4444', newKey(), '203.0.113.20'),
      400,
      'refill_pin_invalid',
    );
    expect(used).toEqual(unknown);
    expect((await moneyOf(t.testDb.database.db, b.id)).ledger).toEqual([]);
  });

  it('explains a PIN that is not 16 digits', async () => {
    const a = await signedInAccount(t);
    for (const pin of ['1234', '1234-5678-9012-345a', '12345678901234567', '']) {
      const error = expectError(
        await refill(a, pin, newKey(), '203.0.113.30'),
        400,
        'invalid_refill_pin_format',
      );
      expect(error.message).toMatch(/16 digits/);
      expect(error.issues).toEqual([{ path: 'body.pin', message: expect.any(String) }]);
    }
    expectError(await refill(a, 1234567890123456), 400, 'invalid_request');
  });

  it('allows 5 wrong PINs an hour per account, then answers 429 even for a good PIN', async () => {
    const a = await signedInAccount(t);
    const [good] = await pins(1);
    for (let i = 0; i < 5; i += 1) {
      expectError(
        await refill(a, `9999-0000-0000-000${i}`, newKey(), `198.51.100.${i}`),
        400,
        'refill_pin_invalid',
      );
    }
    const limited = expectError(
      await refill(a, good, newKey(), '198.51.100.99'),
      429,
      'rate_limited',
    );
    expect(limited.retryAfterSeconds).toBeGreaterThan(3000);
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(3600);
    t.clock.advance(HOUR_MS + 1000);
    // Access tokens last less than the hour: sign in again as the same subscriber would.
    const phone = await t.testDb.database.db
      .selectFrom('subscribers')
      .select('phone')
      .where('id', '=', a.id)
      .executeTakeFirstOrThrow();
    const again = await t.post('/v1/auth/sign-in', {
      phone: phone.phone,
      password: 'Correct-Horse-Battery-9',
    });
    const later = { id: a.id, token: again.json<{ accessToken: string }>().accessToken };
    expect((await refill(later, good, newKey(), '198.51.100.99')).statusCode).toBe(201);
  });

  it('allows 5 wrong PINs an hour per client address, across accounts', async () => {
    const ip = '192.0.2.77';
    const [good] = await pins(1);
    for (let i = 0; i < 5; i += 1) {
      const someone = await signedInAccount(t);
      expectError(
        await refill(someone, `8888-0000-0000-000${i}`, newKey(), ip),
        400,
        'refill_pin_invalid',
      );
    }
    const fresh = await signedInAccount(t);
    expectError(await refill(fresh, good, newKey(), ip), 429, 'rate_limited');
    expect((await refill(fresh, good, newKey(), '192.0.2.78')).statusCode).toBe(201);
  });

  it('needs an Idempotency-Key', async () => {
    const a = await signedInAccount(t);
    const res = await send(t, a, 'POST', '/v1/account/refill', { pin: '1234-5678-9012-3456' });
    expectError(res, 400, 'idempotency_key_required');
  });

  it(
    'pins generate prints the PINs once, grouped, and stores only their hashes',
    CLI_TIMEOUT,
    async () => {
      const result = await runCli(
        [
          'pins',
          'generate',
          '--count',
          '3',
          '--value',
          '25.00',
          '--batch',
          'promo-1',
          '--db',
          t.testDb.location,
        ],
        '',
        { AIRTIME_KEY_FILE: t.testDb.keyFile },
      );
      expect(result.code, result.stderr).toBe(0);
      const printed = result.stdout.trim().split('\n');
      expect(printed).toHaveLength(3);
      for (const pin of printed) expect(pin).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
      expect(result.stderr).toContain('promo-1');
      const rows = await t.testDb.database.db
        .selectFrom('refill_pins')
        .selectAll()
        .where('batch', '=', 'promo-1')
        .execute();
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.value_cents === 2500 && r.redeemed_at === null)).toBe(true);
      const stored = JSON.stringify(rows);
      for (const pin of printed) expect(stored).not.toContain(pin.replaceAll('-', ''));
      // A printed PIN works in the API on the same database.
      const a = await signedInAccount(t);
      expect((await refill(a, printed[0], newKey(), '203.0.113.200')).statusCode).toBe(201);

      for (const args of [
        ['--count', '0', '--value', '25'],
        ['--count', '3', '--value', '-5'],
        ['--count', '3'],
        ['--count', '2', '--value', '25', '--batch', 'bad batch'],
      ]) {
        const refused = await runCli(['pins', 'generate', ...args, '--db', t.testDb.location]);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(/^Error: /);
        expect(refused.stdout).toBe('');
      }
    },
  );
});
