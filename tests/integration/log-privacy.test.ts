import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import { TwoFactorConfirmResponse, TwoFactorEnrolResponse } from '../../contract/http/two-factor';
import { HttpSmsSender, SmtpSender } from '../../server/src/delivery';
import { apiLoggerOptions } from '../../server/src/logging/logger-options';
import { loadRefillPinKey } from '../../server/src/secrets';
import { generatePins } from '../../server/src/billing/refill-pins';
import { card, CARDS, newKey } from './support/payments';
import { createTestApp, type TestApp } from './support/test-app';
import { describeWithDb } from './support/test-db';

const PHONE = '+12065550100';
const NATIONAL = ['(206) 555-0100', '206-555-0100', '2065550100'];
const PASSWORD = 'Correct-Horse-Battery-9';
const EMAIL = 'maria.garcia@example.com';

/**
 * Every flow that handles a secret, with the server logging everything it can (level trace) and
 * every provider failing in the way that quotes what it was sent; then no log line may hold the
 * number, the address, the password, a code, a PIN, a token or a card number.
 */
describeWithDb('what the logs never hold', () => {
  let t: TestApp;
  let gateway: http.Server;
  const lines: string[] = [];
  const secrets = new Set<string>([PHONE, ...NATIONAL, PASSWORD, EMAIL]);

  beforeAll(async () => {
    // An SMS gateway that refuses every message and quotes it back, as some do.
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'undeliverable', request: JSON.parse(body) as unknown }));
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const port = (gateway.address() as AddressInfo).port;
    t = await createTestApp({
      logger: apiLoggerOptions('trace', { write: (line) => void lines.push(line) }),
      delivery: {
        sms: new HttpSmsSender({ url: `http://127.0.0.1:${port}/send`, timeoutMs: 2_000 }),
        // Nothing listens there: the SMTP error names the server and the recipient it tried.
        email: new SmtpSender('smtp://127.0.0.1:1', 'Airtime <codes@airtime.test>', 2_000),
      },
    });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD, email: EMAIL });
  });

  afterAll(async () => {
    await t?.close();
    gateway?.closeAllConnections();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const remember = (...values: Array<string | undefined>) => {
    for (const value of values) if (value) secrets.add(value);
  };

  it('signs in, sets up and uses 2-step, resets, pays and refills; the logs hold no secret', async () => {
    // Sign-in: a wrong password, then the right one.
    expect(
      (await t.post('/v1/auth/sign-in', { phone: PHONE, password: 'Wrong-Pass-1' })).statusCode,
    ).toBe(401);
    const signedIn = SignInResponse.parse(
      (await t.post('/v1/auth/sign-in', { phone: NATIONAL[0], password: PASSWORD })).json(),
    );
    remember(signedIn.accessToken, signedIn.refreshToken);
    const auth = bearer(signedIn.accessToken);

    // 2-step with an authenticator app: enrol, confirm, sign in with a code and a recovery code.
    const enrolled = TwoFactorEnrolResponse.parse(
      (await t.post('/v1/account/two-factor/enrol', {}, auth)).json(),
    );
    if (enrolled.method !== 'totp') throw new Error('expected an authenticator set-up');
    remember(enrolled.secret, enrolled.otpauthUri);
    const code = () =>
      generate({ secret: enrolled.secret, epoch: Math.floor(t.clock.now() / 1000) });
    const confirmCode = await code();
    remember(confirmCode);
    const { recoveryCodes } = TwoFactorConfirmResponse.parse(
      (await t.post('/v1/account/two-factor/confirm', { code: confirmCode }, auth)).json(),
    );
    remember(...recoveryCodes);
    t.clock.advance(30_000);
    const challenged = (
      await t.post('/v1/auth/sign-in', { phone: PHONE, password: PASSWORD })
    ).json<{
      error: { secondFactor: { challenge: string } };
    }>();
    const challenge = challenged.error.secondFactor.challenge;
    remember(challenge);
    const wrongCode = await t.post('/v1/auth/second-factor', { challenge, code: '000000' });
    expect(wrongCode.statusCode).toBeGreaterThanOrEqual(400);
    const totp = await code();
    remember(totp);
    const second = await t.post('/v1/auth/second-factor', {
      challenge,
      code: totp,
    });
    expect(second.statusCode, second.body).toBe(200);
    remember(SignInResponse.parse(second.json()).accessToken);

    // Password reset by text and by e-mail: both providers fail, quoting what they were sent.
    for (const channel of ['sms', 'email'] as const) {
      t.clock.advance(2 * 60_000);
      const started = await t.post('/v1/auth/reset/start', {
        phone: PHONE,
        channel,
        captcha: await t.captcha(),
      });
      expect(started.statusCode, started.body).toBe(202);
      await t.settle();
    }
    expect(
      (await t.post('/v1/auth/reset/verify', { phone: PHONE, code: '123456' })).statusCode,
    ).toBeGreaterThanOrEqual(400);

    // A card payment, a declined card, and refills with a wrong and a right PIN.
    const paid = await t.app.inject({
      method: 'POST',
      url: '/v1/account/payments',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': newKey() },
      payload: { amountCents: 20_00, card: card(CARDS.approves) },
    });
    expect(paid.statusCode, paid.body).toBe(201);
    const declined = await t.app.inject({
      method: 'POST',
      url: '/v1/account/payments',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': newKey() },
      payload: { amountCents: 20_00, card: card(CARDS.declines) },
    });
    expect(declined.statusCode).toBeGreaterThanOrEqual(400);
    remember(
      CARDS.approves,
      CARDS.declines,
      CARDS.approves.replace(/ /g, ''),
      CARDS.declines.replace(/ /g, ''),
    );

    const pinKey = await loadRefillPinKey(t.testDb.database.db, t.clock);
    const [pin] = (
      await generatePins(t.testDb.database.db, t.clock, pinKey, { count: 1, valueCents: 10_00 })
    ).pins;
    remember(pin, pin!.replace(/\D/g, ''));
    for (const tried of ['9999 9999 9999 9999', pin!]) {
      await t.app.inject({
        method: 'POST',
        url: '/v1/account/refill',
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': newKey() },
        payload: { pin: tried },
      });
    }

    expect(lines.length).toBeGreaterThan(20);
    // The provider failures were logged, in words, without what they quoted.
    expect(lines.some((l) => l.includes('delivery failed'))).toBe(true);
    const leaks = [...secrets]
      .filter((secret) => secret.length >= 4)
      .flatMap((secret) => lines.filter((l) => l.includes(secret)).map((l) => `${secret} in ${l}`));
    expect(leaks).toEqual([]);
  });
});
