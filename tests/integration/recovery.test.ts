import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import { ResetStartResponse, ResetVerifyResponse } from '../../contract/http/recovery';
import { MINUTE_MS } from '../../server/src/clock';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpSmsSender, Outbox, SmtpSender, type Delivery } from '../../server/src/delivery';
import { DEFAULT_RECOVERY_POLICY } from '../../server/src/auth/recovery-service';
import { createTestApp, type TestApp, type TestAppOptions } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import {
  codeIn,
  startMailReceiver,
  startSmsReceiver,
  type MailReceiver,
  type SmsReceiver,
} from './support/receivers';

const START = '/v1/auth/reset/start';
const VERIFY = '/v1/auth/reset/verify';
const COMPLETE = '/v1/auth/reset/complete';
const SIGN_IN = '/v1/auth/sign-in';
const PHONE = '+12065550100';
const UNKNOWN = '+12065550199';
const PASSWORD = 'Correct-Horse-Battery-9';
const NEW_PASSWORD = 'Lighthouse-Pelican-Drift-71';
const SMS_TOKEN = 'gateway-token-123';
const SMS_TEMPLATE = '{"message":{"recipient":"{{to}}","body":"{{text}}"},"sender":"Airtime"}';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describeWithDb(`password reset (${dbKind})`, () => {
  let mail: MailReceiver;
  let sms: SmsReceiver;
  let t: TestApp;

  beforeAll(async () => {
    mail = await startMailReceiver();
    sms = await startSmsReceiver();
  });
  afterAll(async () => {
    await mail?.close();
    await sms?.close();
  });

  function realDelivery(): Delivery {
    return {
      email: new SmtpSender(mail.url, 'Airtime <reset@airtime.test>', 5_000),
      sms: new HttpSmsSender({
        url: sms.url,
        token: SMS_TOKEN,
        bodyTemplate: SMS_TEMPLATE,
        timeoutMs: 5_000,
      }),
    };
  }

  async function setUp(options: TestAppOptions = {}): Promise<void> {
    mail.messages.length = 0;
    mail.refuse = false;
    sms.requests.length = 0;
    sms.status = 202;
    t = await createTestApp({ delivery: realDelivery(), ...options });
    await t.addSubscriber({
      phone: PHONE,
      password: PASSWORD,
      name: 'Pat Lee',
      email: 'pat@example.com',
    });
  }

  /** reset/start exactly as sent: the caller brings the captcha (or leaves it out). */
  const startWith = (
    phone: string,
    channel: 'sms' | 'email',
    captcha: string | undefined,
    remoteAddress?: string,
  ) =>
    t.app.inject({
      method: 'POST',
      url: START,
      payload: { phone, channel, ...(captcha === undefined ? {} : { captcha }) },
      headers: { 'content-type': 'application/json' },
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  /** reset/start with a freshly solved captcha, as the app sends it. */
  const start = async (phone: string, channel: 'sms' | 'email', remoteAddress?: string) =>
    startWith(phone, channel, await t.captcha(), remoteAddress);
  const verify = (phone: string, code: string) => t.post(VERIFY, { phone, code });
  const complete = (ticket: string, newPassword: string) =>
    t.post(COMPLETE, { ticket, newPassword });
  const signIn = (password: string, phone = PHONE) => t.post(SIGN_IN, { phone, password });

  /** Asks for a code by text and returns it as the gateway received it. */
  async function smsCode(phone = PHONE): Promise<string> {
    const res = await start(phone, 'sms');
    expect(res.statusCode, res.body).toBe(202);
    await t.settle();
    const last = sms.requests.at(-1);
    expect(last).toBeDefined();
    return codeIn((last!.body as { message: { body: string } }).message.body);
  }

  async function ticketFor(phone = PHONE): Promise<string> {
    const res = await verify(phone, await smsCode(phone));
    expect(res.statusCode, res.body).toBe(200);
    return ResetVerifyResponse.parse(res.json()).ticket;
  }

  function wrongCodeFor(code: string): string {
    return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  }

  describe('the whole reset', () => {
    beforeEach(async () => setUp());
    afterEach(async () => t?.close());

    it('by text message: code to the gateway, ticket, new password, old one refused', async () => {
      const started = await start('(206) 555-0100', 'sms');
      expect(started.statusCode, started.body).toBe(202);
      expect(ResetStartResponse.parse(started.json())).toEqual({
        sent: true,
        channel: 'sms',
        resendAfterSeconds: 60,
        codeExpiresIn: 600,
      });
      await t.settle();

      expect(sms.requests).toHaveLength(1);
      const request = sms.requests[0]!;
      expect(request.headers['authorization']).toBe(`Bearer ${SMS_TOKEN}`);
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      const body = request.body as { message: { recipient: string; body: string }; sender: string };
      expect(body.sender).toBe('Airtime');
      expect(body.message.recipient).toBe(PHONE);
      const code = codeIn(body.message.body);
      expect(mail.messages).toHaveLength(0);

      const verified = await verify('206.555.0100', code);
      expect(verified.statusCode, verified.body).toBe(200);
      const ticket = ResetVerifyResponse.parse(verified.json());
      expect(ticket).toEqual(verified.json());
      expect(ticket.expiresIn).toBe(600);
      expect(ticket.channel).toBe('sms');
      expect(ticket.destination).toBe('•••-0100');

      const done = await complete(ticket.ticket, NEW_PASSWORD);
      expect(done.statusCode, done.body).toBe(204);
      expectError(await signIn(PASSWORD), 401, 'invalid_credentials');
      const res = await signIn(NEW_PASSWORD);
      expect(res.statusCode, res.body).toBe(200);
      SignInResponse.parse(res.json());
    });

    it('by e-mail through a real SMTP server, to the address on file', async () => {
      const started = await start(PHONE, 'email');
      expect(started.statusCode, started.body).toBe(202);
      expect(started.json()).toMatchObject({ sent: true, channel: 'email' });
      await t.settle();

      expect(mail.messages).toHaveLength(1);
      const message = mail.messages[0]!;
      expect(message.to).toEqual(['pat@example.com']);
      expect(message.from).toBe('reset@airtime.test');
      expect(message.raw).toMatch(/^Subject: Your Airtime password reset code/m);
      expect(sms.requests).toHaveLength(0);

      const verified = await verify(PHONE, codeIn(message.raw));
      expect(verified.statusCode, verified.body).toBe(200);
      const ticket = ResetVerifyResponse.parse(verified.json());
      expect(ticket.channel).toBe('email');
      expect(ticket.destination).toBe('p•••@example.com');

      expect((await complete(ticket.ticket, NEW_PASSWORD)).statusCode).toBe(204);
      expect((await signIn(NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('ends every session: old access and refresh tokens stop working', async () => {
      const first = SignInResponse.parse((await signIn(PASSWORD)).json());
      const second = SignInResponse.parse((await signIn(PASSWORD)).json());
      expect((await t.get('/v1/account/summary', first.accessToken)).statusCode).toBe(200);

      expect((await complete(await ticketFor(), NEW_PASSWORD)).statusCode).toBe(204);

      for (const session of [first, second]) {
        expectError(await t.get('/v1/account/summary', session.accessToken), 401, 'unauthorized');
        expectError(
          await t.post('/v1/auth/refresh', { refreshToken: session.refreshToken }),
          401,
          'invalid_refresh_token',
        );
      }
      // A session started after the reset works.
      const fresh = SignInResponse.parse((await signIn(NEW_PASSWORD)).json());
      expect((await t.get('/v1/account/summary', fresh.accessToken)).statusCode).toBe(200);
    });

    it('clears a sign-in lockout', async () => {
      // From the fourth failure on, sign-in wants a captcha: send one every time.
      const attempt = async (password: string) =>
        t.post(SIGN_IN, { phone: PHONE, password, captcha: await t.captcha() });
      for (let i = 0; i < 4; i++) {
        expectError(await attempt('Not-The-Password-1'), 401, 'invalid_credentials');
      }
      expectError(await attempt('Not-The-Password-1'), 423, 'account_locked');
      expect((await complete(await ticketFor(), NEW_PASSWORD)).statusCode).toBe(204);
      const res = await attempt(NEW_PASSWORD);
      expect(res.statusCode, res.body).toBe(200);
      // …and the failure count starts from zero: four more wrong passwords do not lock.
      for (let i = 0; i < 4; i++) {
        expectError(await attempt('Not-The-Password-1'), 401, 'invalid_credentials');
      }
      expect((await attempt(NEW_PASSWORD)).statusCode).toBe(200);
    });
  });

  describe('codes and tickets', () => {
    beforeEach(async () => setUp());
    afterEach(async () => t?.close());

    it('a code expires after 10 minutes', async () => {
      const code = await smsCode();
      t.clock.advance(10 * MINUTE_MS);
      expectError(await verify(PHONE, code), 410, 'code_expired');
    });

    it('a code still works just before 10 minutes', async () => {
      const code = await smsCode();
      t.clock.advance(10 * MINUTE_MS - 1_000);
      expect((await verify(PHONE, code)).statusCode).toBe(200);
    });

    it('a code works once', async () => {
      const code = await smsCode();
      expect((await verify(PHONE, code)).statusCode).toBe(200);
      expectError(await verify(PHONE, code), 410, 'code_expired');
    });

    it('only the newest code counts', async () => {
      const older = await smsCode();
      t.clock.advance(MINUTE_MS);
      const newer = await smsCode();
      if (older !== newer) expectError(await verify(PHONE, older), 400, 'invalid_code');
      expect((await verify(PHONE, newer)).statusCode).toBe(200);
    });

    it('five wrong codes burn the request, even for the right code afterwards', async () => {
      const code = await smsCode();
      const wrong = wrongCodeFor(code);
      for (const left of [4, 3, 2, 1]) {
        const error = expectError(await verify(PHONE, wrong), 400, 'invalid_code');
        expect(error.attemptsLeft).toBe(left);
      }
      expectError(await verify(PHONE, wrong), 429, 'too_many_attempts');
      expectError(await verify(PHONE, code), 429, 'too_many_attempts');
    });

    it('counts wrong codes that arrive at the same time', async () => {
      const code = await smsCode();
      const wrong = wrongCodeFor(code);
      const results = await Promise.all(Array.from({ length: 8 }, () => verify(PHONE, wrong)));
      expect(results.filter((r) => r.statusCode === 400)).toHaveLength(4);
      expectError(await verify(PHONE, code), 429, 'too_many_attempts');
    });

    it('a code that is not 6 digits is a 400 invalid_request and does not count', async () => {
      const code = await smsCode();
      for (const bad of ['12345', '1234567', 'abcdef', '']) {
        expectError(await verify(PHONE, bad), 400, 'invalid_request');
      }
      expect((await verify(PHONE, code)).statusCode).toBe(200);
    });

    it('a ticket expires after 10 minutes', async () => {
      const ticket = await ticketFor();
      t.clock.advance(10 * MINUTE_MS);
      expectError(await complete(ticket, NEW_PASSWORD), 400, 'reset_ticket_invalid');
      expect((await signIn(PASSWORD)).statusCode).toBe(200);
    });

    it('a ticket works once', async () => {
      const ticket = await ticketFor();
      expect((await complete(ticket, NEW_PASSWORD)).statusCode).toBe(204);
      expectError(await complete(ticket, 'Another-Fine-Password-55'), 400, 'reset_ticket_invalid');
      expect((await signIn(NEW_PASSWORD)).statusCode).toBe(200);
    });

    it('an unknown ticket is refused', async () => {
      expectError(await complete('A'.repeat(43), NEW_PASSWORD), 400, 'reset_ticket_invalid');
      expectError(await complete('not a ticket', NEW_PASSWORD), 400, 'invalid_request');
    });

    it('verifying without asking for a code is code_expired', async () => {
      expectError(await verify(PHONE, '123456'), 410, 'code_expired');
    });
  });

  describe('weak passwords', () => {
    beforeAll(async () => setUp());
    afterAll(async () => t?.close());

    it.each([
      ['short', 'Use at least 8 characters.'],
      ['password123', null],
      ['qwertyuiop', null],
      ['Pat-Lee-2024!', 'Do not use your name in your password.'],
      ['my2065550100', 'Do not use your phone number in your password.'],
      ['aaaaaaaaaaaa', null],
    ])('%j is refused with 422 weak_password and feedback', async (password, warning) => {
      const ticket = await ticketFor();
      t.clock.advance(MINUTE_MS);
      const error = expectError(await complete(ticket, password), 422, 'weak_password');
      expect(error.feedback).toBeDefined();
      if (warning) expect(error.feedback!.warning).toBe(warning);
      expect(error.feedback!.warning !== null || error.feedback!.suggestions.length > 0).toBe(true);
      // The ticket survives a weak password, so the subscriber can pick another.
      expect((await complete(ticket, NEW_PASSWORD)).statusCode).toBe(204);
      expect((await signIn(NEW_PASSWORD)).statusCode).toBe(200);
      // Five codes an hour per number: space the cases out.
      t.clock.advance(13 * MINUTE_MS);
    });

    it('a password over 128 characters is a 400', async () => {
      const ticket = await ticketFor();
      expectError(await complete(ticket, 'x'.repeat(129)), 400, 'invalid_request');
    });
  });

  describe('no enumeration', () => {
    beforeAll(async () =>
      setUp({
        recovery: {
          ...DEFAULT_RECOVERY_POLICY,
          resendCooldownMs: 0,
          perPhonePerHour: 1e6,
          perClientPerHour: 1e6,
        },
      }),
    );
    afterAll(async () => t?.close());

    it('start answers a number without an account exactly like one with an account', async () => {
      for (const channel of ['sms', 'email'] as const) {
        const known = await start(PHONE, channel);
        const unknown = await start(UNKNOWN, channel);
        expect(unknown.statusCode).toBe(202);
        expect(unknown.statusCode).toBe(known.statusCode);
        expect(unknown.body).toBe(known.body);
        expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
      }
      await t.settle();
      // Nothing was sent anywhere for the unknown number.
      expect(
        sms.requests.map((r) => (r.body as { message: { recipient: string } }).message.recipient),
      ).not.toContain(UNKNOWN);
    });

    it('verify answers a wrong code for either number alike', async () => {
      const code = await smsCode(PHONE);
      expect((await start(UNKNOWN, 'sms')).statusCode).toBe(202);
      const known = await verify(PHONE, wrongCodeFor(code));
      const unknown = await verify(UNKNOWN, wrongCodeFor(code));
      expectError(known, 400, 'invalid_code');
      expect(unknown.statusCode).toBe(known.statusCode);
      expect(unknown.body).toBe(known.body);
    });

    it('start takes comparable time for both', async () => {
      const time = async (phone: string): Promise<number> => {
        const captcha = await t.captcha();
        const began = performance.now();
        const res = await startWith(phone, 'email', captcha);
        const elapsed = performance.now() - began;
        expect(res.statusCode).toBe(202);
        return elapsed;
      };
      await time(UNKNOWN);
      await time(PHONE);
      const unknown: number[] = [];
      const known: number[] = [];
      for (let i = 0; i < 9; i++) {
        unknown.push(await time(UNKNOWN));
        known.push(await time(PHONE));
      }
      await t.settle();
      const ratio = median(unknown) / median(known);
      expect(ratio).toBeGreaterThan(0.33);
      expect(ratio).toBeLessThan(3);
    });
  });

  describe('rate limits', () => {
    afterEach(async () => t?.close());

    it('one code a minute per number, with the wait in retry-after', async () => {
      await setUp();
      expect((await start(PHONE, 'sms')).statusCode).toBe(202);
      t.clock.advance(20_000);
      const limited = await start(PHONE, 'email');
      const error = expectError(limited, 429, 'rate_limited');
      expect(error.retryAfterSeconds).toBe(40);
      expect(limited.headers['retry-after']).toBe('40');
      t.clock.advance(40_000);
      expect((await start(PHONE, 'email')).statusCode).toBe(202);
    });

    it('five codes an hour per number, for numbers with or without an account', async () => {
      await setUp();
      for (const phone of [PHONE, UNKNOWN]) {
        const began = t.clock.now();
        for (let i = 0; i < 5; i++) {
          expect((await start(phone, 'sms')).statusCode).toBe(202);
          t.clock.advance(MINUTE_MS);
        }
        const error = expectError(await start(phone, 'sms'), 429, 'rate_limited');
        expect(error.retryAfterSeconds).toBe(55 * 60);
        t.clock.set(began + 60 * MINUTE_MS + 1);
        expect((await start(phone, 'sms')).statusCode).toBe(202);
      }
      await t.settle();
    });

    it('per client address, across numbers', async () => {
      await setUp({ recovery: { ...DEFAULT_RECOVERY_POLICY, perClientPerHour: 3 } });
      const phones = ['+12065550101', '+12065550102', '+12065550103', '+12065550104'];
      for (const phone of phones.slice(0, 3)) {
        expect((await start(phone, 'sms', '203.0.113.9')).statusCode).toBe(202);
      }
      expectError(await start(phones[3]!, 'sms', '203.0.113.9'), 429, 'rate_limited');
      expect((await start(phones[3]!, 'sms', '198.51.100.2')).statusCode).toBe(202);
    });

    it('the per-minute limit on /v1/auth/* covers the reset routes too', async () => {
      await setUp({ authRateLimit: 2 });
      await verify(PHONE, '123456');
      await verify(PHONE, '123456');
      expectError(await verify(PHONE, '123456'), 429, 'rate_limited');
    });
  });

  describe('delivery failures', () => {
    afterEach(async () => t?.close());

    it('a gateway that answers 500 is reported as delivery_failed on verify', async () => {
      await setUp();
      sms.status = 500;
      const started = await start(PHONE, 'sms');
      expect(started.statusCode).toBe(202);
      await t.settle();
      expect(sms.requests).toHaveLength(1);
      const error = expectError(await verify(PHONE, '000000'), 502, 'delivery_failed');
      expect(error.message).toMatch(/could not send the code by text message/);
      // A new code once the gateway recovers goes through.
      sms.status = 202;
      t.clock.advance(MINUTE_MS);
      expect((await verify(PHONE, await smsCode())).statusCode).toBe(200);
    });

    it('an SMTP server that refuses the message is reported as delivery_failed', async () => {
      await setUp();
      mail.refuse = true;
      expect((await start(PHONE, 'email')).statusCode).toBe(202);
      await t.settle();
      const error = expectError(await verify(PHONE, '000000'), 502, 'delivery_failed');
      expect(error.message).toMatch(/by e-mail/);
    });

    it('an SMTP server that cannot be reached is reported as delivery_failed', async () => {
      await setUp({
        delivery: {
          email: new SmtpSender('smtp://127.0.0.1:1', 'Airtime <reset@airtime.test>', 2_000),
          sms: null,
        },
      });
      expect((await start(PHONE, 'email')).statusCode).toBe(202);
      await t.settle();
      expectError(await verify(PHONE, '000000'), 502, 'delivery_failed');
    });

    it('a channel the server has no provider for is a 503 for every number', async () => {
      await setUp({ delivery: { email: null, sms: null } });
      const known = await start(PHONE, 'sms');
      const unknown = await start(UNKNOWN, 'sms');
      expectError(known, 503, 'service_unavailable');
      expect(unknown.body).toBe(known.body);
    });
  });

  describe('request bodies it refuses', () => {
    beforeAll(async () => setUp());
    afterAll(async () => t?.close());

    const cases: [string, unknown][] = [
      ['no channel', { phone: PHONE }],
      ['an unknown channel', { phone: PHONE, channel: 'fax' }],
      ['a bad phone', { phone: '555-0100', channel: 'sms' }],
      ['an extra field', { phone: PHONE, channel: 'sms', admin: true }],
    ];
    it.each(cases)('start with %s is a 400', async (_name, body) => {
      expectError(await t.post(START, body), 400, 'invalid_request');
    });

    it('appears in the OpenAPI document', async () => {
      const doc = (await t.get('/v1/openapi.json')).json() as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([START, VERIFY, COMPLETE]));
    });
  });

  describe('dev outbox', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-outbox-'));
    });
    afterEach(async () => {
      await t?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('in dev mode, codes go to the outbox file and GET /dev/outbox shows them', async () => {
      const outbox = new Outbox(path.join(dir, 'outbox.jsonl'), { now: () => t.clock.now() });
      await setUp({
        outbox,
        delivery: { sms: outbox.sender('sms'), email: outbox.sender('email') },
      });
      expect((await t.get('/dev/outbox')).json()).toEqual({ messages: [] });
      expect((await start(PHONE, 'email')).statusCode).toBe(202);
      await t.settle();
      const res = await t.get('/dev/outbox');
      expect(res.statusCode).toBe(200);
      const [message] = res.json().messages;
      expect(message).toMatchObject({ channel: 'email', to: 'pat@example.com', at: t.clock.now() });
      expect(fs.readFileSync(outbox.file, 'utf8').trim().split('\n')).toHaveLength(1);
      expect((await verify(PHONE, codeIn(message.text))).statusCode).toBe(200);
    });

    it('is not there unless the server runs in dev mode', async () => {
      await setUp();
      expectError(await t.get('/dev/outbox'), 404, 'not_found');
    });
  });
});
