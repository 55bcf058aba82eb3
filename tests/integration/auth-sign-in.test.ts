import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiErrorBody } from '../../contract/errors';
import { SignInResponse } from '../../contract/http/auth';
import { buildApp } from '../../server/src/app';
import { DEFAULT_LOCKOUT_POLICY } from '../../server/src/auth/lockout-policy';
import { HOUR_MS, MINUTE_MS } from '../../server/src/clock';
import { createTestApp, TEST_TOKEN_SECRET, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { TEST_CAPTCHA_MAX_NUMBER, TEST_CAPTCHA_MAX_NUMBER_CAP } from './support/captcha';

const SIGN_IN = '/v1/auth/sign-in';
const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';
const WRONG = 'Not-The-Password-1';
const SECOND_MS = 1_000;

/** Checks status and that the body is exactly an `ApiErrorBody` (no extra fields), and returns the error. */
function expectLocked(res: LightMyRequestResponse, seconds: number): void {
  const error = expectError(res, 423, 'account_locked');
  expect(error.retryAfterSeconds).toBe(seconds);
  expect(res.headers['retry-after']).toBe(String(seconds));
}

describeWithDb(`sign-in (${dbKind})`, () => {
  describe('a subscriber with the right password', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
      await t.addSubscriber({
        phone: PHONE,
        password: PASSWORD,
        name: 'Pat Lee',
        email: 'pat@example.com',
      });
    });
    afterAll(async () => t?.close());

    it.each(['(206) 555-0100', '206.555.0100', '+1 206 555 0100', '2065550100', '+12065550100'])(
      'signs in with the phone typed as %s',
      async (phone) => {
        const res = await t.post(SIGN_IN, { phone, password: PASSWORD });
        expect(res.statusCode, res.body).toBe(200);
        const body = SignInResponse.parse(res.json());
        expect(body).toEqual(res.json());
        expect(body.tokenType).toBe('Bearer');
        expect(body.expiresIn).toBe(600);
        expect(body.subscriber).toMatchObject({
          phone: PHONE,
          name: 'Pat Lee',
          email: 'pat@example.com',
        });

        const summary = await t.get('/v1/account/summary', body.accessToken);
        expect(summary.statusCode).toBe(200);
        expect(summary.json().subscriber.phone).toBe(PHONE);
      },
    );

    it('accepts a JSON content type that names its charset', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: SIGN_IN,
        payload: JSON.stringify({ phone: PHONE, password: PASSWORD }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(res.statusCode, res.body).toBe(200);
      SignInResponse.parse(res.json());
    });

    it('gives every sign-in its own refresh token', async () => {
      const a = SignInResponse.parse(
        (await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).json(),
      );
      const b = SignInResponse.parse(
        (await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).json(),
      );
      expect(a.refreshToken).not.toBe(b.refreshToken);
    });

    it('does not accept the password in another case', async () => {
      expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD.toUpperCase() }),
        401,
        'invalid_credentials',
      );
      // That failure must not linger: the right password still works.
      expect((await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).statusCode).toBe(200);
    });
  });

  describe('unknown phone versus wrong password', () => {
    let t: TestApp;
    beforeAll(async () => {
      // High failure limits so repeated wrong passwords keep taking the wrong-password path
      // (neither a lock nor a captcha request cuts them short).
      t = await createTestApp({
        lockout: { ...DEFAULT_LOCKOUT_POLICY, maxFailures: 1_000 },
        captcha: { afterFailures: 1_000 },
      });
      await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    });
    afterAll(async () => t?.close());

    it('answers both with the same status and byte-identical body', async () => {
      const unknown = await t.post(SIGN_IN, { phone: '(206) 555-0199', password: PASSWORD });
      const wrong = await t.post(SIGN_IN, { phone: PHONE, password: WRONG });
      expectError(unknown, 401, 'invalid_credentials');
      expectError(wrong, 401, 'invalid_credentials');
      expect(unknown.statusCode).toBe(wrong.statusCode);
      expect(unknown.body).toBe(wrong.body);
      expect(unknown.headers['content-type']).toBe(wrong.headers['content-type']);
      expect(unknown.headers['retry-after']).toBeUndefined();
      expect(wrong.headers['retry-after']).toBeUndefined();
    });

    it('takes comparable time for both', async () => {
      const time = async (phone: string): Promise<number> => {
        const started = performance.now();
        const res = await t.post(SIGN_IN, { phone, password: WRONG });
        const elapsed = performance.now() - started;
        expect(res.statusCode).toBe(401);
        return elapsed;
      };
      // Warm up both paths once (the unknown-number path prepares its comparison hash lazily).
      await time('(206) 555-0199');
      await time(PHONE);
      const unknown: number[] = [];
      const wrong: number[] = [];
      // Interleaved, so background load hits both series alike.
      for (let i = 0; i < 7; i++) {
        unknown.push(await time('(206) 555-0199'));
        wrong.push(await time(PHONE));
      }
      // The fastest of each series is its own cost; a slower one only says the machine was busy
      // (other suites share its cores), which the median still feels.
      const fastest = (times: number[]) => Math.min(...times);
      const ratio = fastest(unknown) / fastest(wrong);
      expect(
        ratio,
        `unknown ${fastest(unknown).toFixed(1)} ms, wrong ${fastest(wrong).toFixed(1)} ms`,
      ).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2.0);
    });
  });

  describe('account lockout', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await createTestApp();
      await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    });
    afterEach(async () => t?.close());

    // From the fourth failure on, sign-in wants a solved captcha; every attempt here brings one.
    const attempt = async (password: string, phone = '(206) 555-0100') =>
      t.post(SIGN_IN, { phone, password, captcha: await t.captcha() });
    const wrong = () => attempt(WRONG);
    const right = () => attempt(PASSWORD);

    async function failTimes(n: number): Promise<LightMyRequestResponse[]> {
      const out: LightMyRequestResponse[] = [];
      for (let i = 0; i < n; i++) out.push(await wrong());
      return out;
    }

    it('locks for 15 minutes on the fifth wrong password in a row', async () => {
      for (const res of await failTimes(4)) expectError(res, 401, 'invalid_credentials');
      expectLocked(await wrong(), 900);
    });

    it('refuses even the right password while locked, with the same body as a wrong one', async () => {
      await failTimes(5);
      const withRight = await right();
      const withWrong = await wrong();
      expectLocked(withRight, 900);
      expectLocked(withWrong, 900);
      expect(withRight.body).toBe(withWrong.body);
      expect(withRight.headers['retry-after']).toBe(withWrong.headers['retry-after']);
    });

    it('counts the wait down and does not extend the lock on further attempts', async () => {
      await failTimes(5);
      t.clock.advance(5 * MINUTE_MS);
      expectLocked(await wrong(), 600);
      t.clock.advance(10 * MINUTE_MS - SECOND_MS);
      expectLocked(await right(), 1);
    });

    it('lets the right password in once 15 minutes have passed', async () => {
      await failTimes(5);
      t.clock.advance(15 * MINUTE_MS);
      const res = await right();
      expect(res.statusCode, res.body).toBe(200);
      SignInResponse.parse(res.json());
    });

    it('after a lock ends, takes five new failures to lock again', async () => {
      await failTimes(5);
      t.clock.advance(15 * MINUTE_MS);
      for (const res of await failTimes(4)) expectError(res, 401, 'invalid_credentials');
      expect((await wrong()).statusCode).toBe(423);
    });

    it('doubles a repeat lock within 12 hours: 15, 30, 60 minutes, then stays at 60', async () => {
      await failTimes(4);
      expectLocked(await wrong(), 15 * 60);
      t.clock.advance(15 * MINUTE_MS);

      await failTimes(4);
      expectLocked(await wrong(), 30 * 60);
      t.clock.advance(30 * MINUTE_MS - SECOND_MS);
      expectLocked(await right(), 1);
      t.clock.advance(SECOND_MS);

      await failTimes(4);
      expectLocked(await wrong(), 60 * 60);
      t.clock.advance(60 * MINUTE_MS);

      await failTimes(4);
      expectLocked(await wrong(), 60 * 60);
      t.clock.advance(60 * MINUTE_MS - SECOND_MS);
      expectLocked(await right(), 1);
      t.clock.advance(SECOND_MS);
      expect((await right()).statusCode).toBe(200);
    });

    it('a lock within 12 hours of the last one counts as a repeat even after a successful sign-in', async () => {
      await failTimes(5);
      t.clock.advance(15 * MINUTE_MS);
      expect((await right()).statusCode).toBe(200);
      t.clock.advance(11 * HOUR_MS);
      await failTimes(4);
      expectLocked(await wrong(), 30 * 60);
    });

    it('starts again at 15 minutes when the last lock was more than 12 hours ago', async () => {
      await failTimes(5);
      t.clock.advance(15 * MINUTE_MS);
      await failTimes(5); // second lock: 30 minutes
      t.clock.advance(12 * HOUR_MS + MINUTE_MS);
      for (const res of await failTimes(4)) expectError(res, 401, 'invalid_credentials');
      expectLocked(await wrong(), 15 * 60);
    });

    it('resets the failure count on a successful sign-in', async () => {
      for (const res of await failTimes(4)) expectError(res, 401, 'invalid_credentials');
      expect((await right()).statusCode).toBe(200);
      for (const res of await failTimes(4)) expectError(res, 401, 'invalid_credentials');
      expectLocked(await wrong(), 900);
    });

    it('counts wrong passwords that arrive at the same time', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => wrong()));
      expect(results.map((r) => r.statusCode).sort()).toEqual([401, 401, 401, 401, 423]);
      expectLocked(await right(), 900);
    });

    it('locks a number without an account exactly as one with: statuses, bodies, Retry-After', async () => {
      const answers = async (phone: string) => {
        const out: Array<[number, string, unknown]> = [];
        for (let i = 0; i < 7; i++) {
          const res = await attempt(WRONG, phone);
          out.push([res.statusCode, res.body, res.headers['retry-after']]);
        }
        return out;
      };
      const unknown = await answers('(206) 555-0199');
      const known = await answers('(206) 555-0100');
      expect(unknown.map(([status]) => status)).toEqual([401, 401, 401, 401, 423, 423, 423]);
      expect(unknown).toEqual(known);
      // Other subscribers are unaffected.
      await t.addSubscriber({ phone: '+12065550101', password: PASSWORD });
      expect((await attempt(PASSWORD, '(206) 555-0101')).statusCode).toBe(200);
    });

    it('is shared by two app instances on the same database', async () => {
      const other: FastifyInstance = await buildApp({
        database: t.testDb.database,
        clock: t.clock,
        tokenSecret: TEST_TOKEN_SECRET,
        authRateLimit: 0,
        // A fleet shares one captcha policy: a solution is held to the work its instance asks.
        captcha: { maxNumber: TEST_CAPTCHA_MAX_NUMBER, maxNumberCap: TEST_CAPTCHA_MAX_NUMBER_CAP },
      });
      try {
        const onOther = async (password: string) =>
          other.inject({
            method: 'POST',
            url: SIGN_IN,
            payload: { phone: '(206) 555-0100', password, captcha: await t.captcha() },
            headers: { 'content-type': 'application/json' },
          });
        // Failures alternate between the instances and add up to one count.
        expectError(await wrong(), 401, 'invalid_credentials');
        expectError(await onOther(WRONG), 401, 'invalid_credentials');
        expectError(await wrong(), 401, 'invalid_credentials');
        expectError(await onOther(WRONG), 401, 'invalid_credentials');
        expectLocked(await onOther(WRONG), 900);
        // The lock set through one instance holds on the other.
        expectLocked(await right(), 900);
        expectLocked(await onOther(PASSWORD), 900);

        t.clock.advance(15 * MINUTE_MS);
        const signedIn = await onOther(PASSWORD);
        expect(signedIn.statusCode).toBe(200);
        // A session started on one instance is honoured by the other.
        const summary = await t.get('/v1/account/summary', signedIn.json().accessToken);
        expect(summary.statusCode).toBe(200);
      } finally {
        await other.close();
      }
    });
  });

  describe('per-client rate limit', () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it('answers the fourth request in a minute with 429 when the limit is 3', async () => {
      t = await createTestApp({ authRateLimit: 3 });
      await t.addSubscriber({ phone: PHONE, password: PASSWORD });
      for (let i = 0; i < 3; i++) {
        expectError(
          await t.post(SIGN_IN, { phone: PHONE, password: WRONG }),
          401,
          'invalid_credentials',
        );
      }
      // Even the right password is turned away once the client is over its limit.
      const limited = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
      const error = expectError(limited, 429, 'rate_limited');
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(limited.headers['retry-after']).toBe(String(error.retryAfterSeconds));

      // Another client is counted separately.
      // (The number has three failures now, so a captcha is due.)
      const elsewhere = await t.app.inject({
        method: 'POST',
        url: SIGN_IN,
        remoteAddress: '203.0.113.7',
        payload: { phone: PHONE, password: PASSWORD, captcha: await t.captcha() },
        headers: { 'content-type': 'application/json' },
      });
      expect(elsewhere.statusCode, elsewhere.body).toBe(200);
    });

    it('also limits refresh and sign-out', async () => {
      t = await createTestApp({ authRateLimit: 3 });
      const token = 'A'.repeat(43);
      for (const url of ['/v1/auth/refresh', '/v1/auth/sign-out']) {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++)
          statuses.push((await t.post(url, { refreshToken: token })).statusCode);
        expect(statuses.slice(0, 3)).not.toContain(429);
        const res = await t.post(url, { refreshToken: token });
        expectError(res, 429, 'rate_limited');
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
      }
    });

    it('is off with a limit of 0, and account lockout still applies', async () => {
      t = await createTestApp({ authRateLimit: 0 });
      await t.addSubscriber({ phone: PHONE, password: PASSWORD });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const captcha = await t.captcha();
        statuses.push(
          (await t.post(SIGN_IN, { phone: PHONE, password: WRONG, captcha })).statusCode,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 401, 423, 423, 423, 423, 423, 423, 423, 423]);
      // A number without an account locks the same way, so the answers tell nobody which is which.
      const unknown: number[] = [];
      for (let i = 0; i < 10; i++) {
        const captcha = await t.captcha();
        unknown.push(
          (await t.post(SIGN_IN, { phone: '(206) 555-0199', password: WRONG, captcha })).statusCode,
        );
      }
      expect(unknown).toEqual([401, 401, 401, 401, 423, 423, 423, 423, 423, 423]);
    });
  });

  describe('request bodies it refuses', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
      await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    });
    afterAll(async () => t?.close());

    const raw = (payload: string, contentType?: string) =>
      t.app.inject({
        method: 'POST',
        url: SIGN_IN,
        payload,
        headers: contentType === undefined ? {} : { 'content-type': contentType },
      });

    it.each(['555-0100', '(206) 555-01000', '+1 206 555', 'call me', '0000000000', ''])(
      'an invalid phone number %j is a 400 with an issue on body.phone',
      async (phone) => {
        const error = expectError(
          await t.post(SIGN_IN, { phone, password: PASSWORD }),
          400,
          'invalid_request',
        );
        expect(error.issues?.map((i) => i.path)).toContain('body.phone');
      },
    );

    it('a phone number that is not a string is a 400 on body.phone', async () => {
      const error = expectError(
        await t.post(SIGN_IN, { phone: 2065550100, password: PASSWORD }),
        400,
        'invalid_request',
      );
      expect(error.issues?.map((i) => i.path)).toContain('body.phone');
    });

    it('a missing password is a 400 with an issue on body.password', async () => {
      const error = expectError(await t.post(SIGN_IN, { phone: PHONE }), 400, 'invalid_request');
      expect(error.issues?.map((i) => i.path)).toContain('body.password');
    });

    it('an empty password is a 400 with an issue on body.password', async () => {
      const error = expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: '' }),
        400,
        'invalid_request',
      );
      expect(error.issues?.map((i) => i.path)).toContain('body.password');
    });

    it('an unknown extra field is a 400', async () => {
      const error = expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD, admin: true }),
        400,
        'invalid_request',
      );
      expect(error.issues?.length).toBeGreaterThan(0);
      expect(JSON.stringify(error)).toContain('admin');
    });

    it('a password over 128 characters is a 400, and one of exactly 128 is checked normally', async () => {
      const tooLong = expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: 'x'.repeat(129) }),
        400,
        'invalid_request',
      );
      expect(tooLong.issues?.map((i) => i.path)).toContain('body.password');
      expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: 'x'.repeat(128) }),
        401,
        'invalid_credentials',
      );
    });

    it.each(['{"phone": "2065550100", "password": ', 'phone=2065550100', "{'phone': 1}"])(
      'a body that is not JSON (%s) is a 400',
      async (payload) => {
        expectError(await raw(payload, 'application/json'), 400, 'malformed_json');
      },
    );

    it.each([
      ['text/plain', JSON.stringify({ phone: PHONE, password: PASSWORD })],
      ['text/plain; charset=utf-8', JSON.stringify({ phone: PHONE, password: PASSWORD })],
      [
        'application/x-www-form-urlencoded',
        `phone=${encodeURIComponent(PHONE)}&password=${PASSWORD}`,
      ],
      ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
      ['application/xml', '<signIn/>'],
    ])('a %s body is a 415', async (contentType, payload) => {
      expectError(await raw(payload, contentType), 415, 'unsupported_media_type');
    });

    it('a body over 16 KiB is a 413, one just under is read', async () => {
      const big = JSON.stringify({
        phone: PHONE,
        password: PASSWORD,
        padding: 'a'.repeat(16 * 1024),
      });
      expectError(await raw(big, 'application/json'), 413, 'payload_too_large');
      const fits = JSON.stringify({
        phone: PHONE,
        password: PASSWORD,
        padding: 'a'.repeat(15 * 1024),
      });
      // Under the limit the body is parsed and then refused for its unknown field, not its size.
      expectError(await raw(fits, 'application/json'), 400, 'invalid_request');
    });

    it('an empty body is a 400', async () => {
      expectError(await raw('', 'application/json'), 400, 'invalid_request');
    });

    it('no body and no content type is a 400', async () => {
      expect((await t.app.inject({ method: 'POST', url: SIGN_IN })).statusCode).toBe(400);
    });

    it.each([['[]'], ['null'], ['"2065550100"'], ['42']])(
      'a JSON body that is not an object (%s) is a 400',
      async (payload) => {
        expectError(await raw(payload, 'application/json'), 400, 'invalid_request');
      },
    );

    it('a body with a __proto__ or constructor key is a 400', async () => {
      for (const key of ['__proto__', 'constructor']) {
        const payload = `{"${key}":{"prototype":{"admin":true}},"phone":"${PHONE}","password":"${PASSWORD}"}`;
        const res = await raw(payload, 'application/json');
        expect(res.statusCode).toBe(400);
        expect(ApiErrorBody.parse(res.json())).toEqual(res.json());
      }
    });

    it('a refused body does not count as a failed sign-in', async () => {
      for (let i = 0; i < 6; i++) {
        await t.post(SIGN_IN, { phone: PHONE, password: 'x'.repeat(200) });
      }
      expect((await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).statusCode).toBe(200);
    });
  });
});
