import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptchaChallenge } from '../../contract/errors';
import { SignInResponse } from '../../contract/http/auth';
import { HOUR_MS, MINUTE_MS } from '../../server/src/clock';
import { buildApp } from '../../server/src/app';
import { createTestApp, TEST_TOKEN_SECRET, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { solveCaptcha, TEST_CAPTCHA_MAX_NUMBER } from './support/captcha';

const SIGN_IN = '/v1/auth/sign-in';
const CHALLENGE = '/v1/captcha/challenge';
const PHONE = '+12065550100';
const UNKNOWN = '+12065550199';
const PASSWORD = 'Correct-Horse-Battery-9';
const WRONG = 'Not-The-Password-1';

describeWithDb(`captcha (${dbKind})`, () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
  });
  afterEach(async () => t?.close());

  const signIn = (
    password: string,
    options: { phone?: string; captcha?: string; ip?: string } = {},
  ): Promise<LightMyRequestResponse> =>
    t.app.inject({
      method: 'POST',
      url: SIGN_IN,
      payload: {
        phone: options.phone ?? PHONE,
        password,
        ...(options.captcha === undefined ? {} : { captcha: options.captcha }),
      },
      headers: { 'content-type': 'application/json' },
      ...(options.ip ? { remoteAddress: options.ip } : {}),
    });

  async function fail(times: number, options: { phone?: string; ip?: string } = {}) {
    for (let i = 0; i < times; i++) {
      expectError(await signIn(WRONG, options), 401, 'invalid_credentials');
    }
  }

  /** Asserts a 428 with a challenge that can be solved, and returns the solution. */
  async function expectCaptchaRequired(res: LightMyRequestResponse): Promise<string> {
    const error = expectError(res, 428, 'captcha_required');
    expect(error.captcha).toBeDefined();
    return solveCaptcha(error.captcha!);
  }

  describe('challenges', () => {
    it('GET /v1/captcha/challenge hands out a signed, expiring SHA-256 challenge', async () => {
      const res = await t.get(CHALLENGE);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const challenge = CaptchaChallenge.parse(res.json());
      expect(challenge).toEqual(res.json());
      expect(challenge.algorithm).toBe('SHA-256');
      expect(challenge.maxnumber).toBe(TEST_CAPTCHA_MAX_NUMBER);
      expect(challenge.challenge).toMatch(/^[0-9a-f]{64}$/);
      expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
      const expires = Number(new URLSearchParams(challenge.salt.split('?')[1]).get('expires'));
      expect(expires * 1000).toBe(t.clock.now() + 5 * MINUTE_MS);
      // Every challenge is new.
      expect(CaptchaChallenge.parse((await t.get(CHALLENGE)).json()).salt).not.toBe(challenge.salt);
    });

    it('appears in the OpenAPI document', async () => {
      const doc = (await t.get('/v1/openapi.json')).json() as { paths: Record<string, unknown> };
      expect(doc.paths).toHaveProperty([CHALLENGE]);
    });
  });

  describe('sign-in', () => {
    it('is not asked for before 3 failures', async () => {
      await fail(2);
      expect((await signIn(PASSWORD)).statusCode).toBe(200);
    });

    it('is required after 3 failed sign-ins on a number, even with the right password', async () => {
      await fail(3, { ip: '198.51.100.1' });
      // From another client too: the count belongs to the number.
      const right = await signIn(PASSWORD, { ip: '198.51.100.2' });
      const wrong = await signIn(WRONG, { ip: '198.51.100.2' });
      await expectCaptchaRequired(right);
      await expectCaptchaRequired(wrong);
      // Same answer for the right and a wrong password: no oracle.
      expect(right.json().error.message).toBe(wrong.json().error.message);
      expect(right.headers['content-type']).toBe(wrong.headers['content-type']);

      const solved = await expectCaptchaRequired(await signIn(PASSWORD, { ip: '198.51.100.2' }));
      const res = await signIn(PASSWORD, { ip: '198.51.100.2', captcha: solved });
      expect(res.statusCode, res.body).toBe(200);
      SignInResponse.parse(res.json());
    });

    it('is required after 3 failures from one client address, across numbers', async () => {
      const ip = '203.0.113.50';
      await fail(1, { phone: '+12065550101', ip });
      await fail(1, { phone: '+12065550102', ip });
      await fail(1, { phone: '+12065550103', ip });
      await expectCaptchaRequired(await signIn(PASSWORD, { ip }));
      // Another client is not affected.
      expect((await signIn(PASSWORD, { ip: '203.0.113.51' })).statusCode).toBe(200);
    });

    it('treats a number without an account exactly like one with an account', async () => {
      await fail(3, { phone: UNKNOWN, ip: '198.51.100.7' });
      await fail(3, { phone: PHONE, ip: '198.51.100.8' });
      const unknown = await signIn(WRONG, { phone: UNKNOWN, ip: '198.51.100.9' });
      const known = await signIn(WRONG, { phone: PHONE, ip: '198.51.100.10' });
      await expectCaptchaRequired(unknown);
      await expectCaptchaRequired(known);
      expect(unknown.json().error.message).toBe(known.json().error.message);
    });

    it('wrong passwords with a solved captcha still count toward the lockout', async () => {
      await fail(3);
      expectError(await signIn(WRONG, { captcha: await t.captcha() }), 401, 'invalid_credentials');
      expectError(await signIn(WRONG, { captcha: await t.captcha() }), 423, 'account_locked');
    });

    it('a successful sign-in clears the count for the number', async () => {
      await fail(3, { ip: '198.51.100.20' });
      const captcha = await t.captcha();
      expect((await signIn(PASSWORD, { ip: '198.51.100.21', captcha })).statusCode).toBe(200);
      expect((await signIn(PASSWORD, { ip: '198.51.100.22' })).statusCode).toBe(200);
    });

    it('the count fades after an hour', async () => {
      await fail(3);
      await expectCaptchaRequired(await signIn(PASSWORD));
      t.clock.advance(HOUR_MS);
      expect((await signIn(PASSWORD)).statusCode).toBe(200);
    });

    it('a captcha sent when none is needed is ignored', async () => {
      expect((await signIn(PASSWORD, { captcha: 'bm90IGEgc29sdXRpb24=' })).statusCode).toBe(200);
    });
  });

  describe('solutions it refuses', () => {
    beforeEach(async () => fail(3));

    async function expectInvalid(captcha: string): Promise<void> {
      const error = expectError(await signIn(PASSWORD, { captcha }), 400, 'captcha_invalid');
      // A fresh challenge comes with the refusal, so the app can try again at once.
      expect(CaptchaChallenge.safeParse(error.captcha).success).toBe(true);
    }

    it('a replayed solution', async () => {
      const captcha = await t.captcha();
      expectError(await signIn(WRONG, { captcha }), 401, 'invalid_credentials');
      await expectInvalid(captcha);
    });

    it('the same solution sent twice at once works only once', async () => {
      const captcha = await t.captcha();
      const results = await Promise.all([
        signIn(WRONG, { captcha }),
        signIn(WRONG, { captcha }),
        signIn(WRONG, { captcha }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([400, 400, 401]);
    });

    it('an expired challenge (5 minutes)', async () => {
      const captcha = await t.captcha();
      t.clock.advance(5 * MINUTE_MS);
      await expectInvalid(captcha);
    });

    it('a solution just inside 5 minutes is accepted', async () => {
      const captcha = await t.captcha();
      t.clock.advance(5 * MINUTE_MS - 1_000);
      expect((await signIn(PASSWORD, { captcha })).statusCode).toBe(200);
    });

    it('a forged signature', async () => {
      const payload = JSON.parse(Buffer.from(await t.captcha(), 'base64').toString('utf8'));
      payload.signature = payload.signature.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
      await expectInvalid(Buffer.from(JSON.stringify(payload)).toString('base64'));
    });

    it('a challenge signed with another key', async () => {
      const other = await buildApp({
        database: t.testDb.database,
        clock: t.clock,
        tokenSecret: TEST_TOKEN_SECRET,
        captchaKey: 'another-captcha-key-that-is-long-enough-000',
        captcha: { maxNumber: TEST_CAPTCHA_MAX_NUMBER },
        authRateLimit: 0,
      });
      try {
        const res = await other.inject({ method: 'GET', url: CHALLENGE });
        await expectInvalid(await solveCaptcha(CaptchaChallenge.parse(res.json())));
      } finally {
        await other.close();
      }
    });

    it('a wrong number', async () => {
      const payload = JSON.parse(Buffer.from(await t.captcha(), 'base64').toString('utf8'));
      payload.number = (payload.number + 1) % TEST_CAPTCHA_MAX_NUMBER;
      await expectInvalid(Buffer.from(JSON.stringify(payload)).toString('base64'));
    });

    it('an extended expiry (the salt is signed)', async () => {
      const payload = JSON.parse(Buffer.from(await t.captcha(), 'base64').toString('utf8'));
      payload.salt = payload.salt.replace(/expires=\d+/, 'expires=9999999999');
      await expectInvalid(Buffer.from(JSON.stringify(payload)).toString('base64'));
    });

    it.each(['bm90IGpzb24=', 'not base64 at all!', Buffer.from('{"a":1}').toString('base64')])(
      'a payload that is not a solution (%s)',
      async (captcha) => {
        await expectInvalid(captcha);
      },
    );

    it('a solution accepted by one instance is spent for every instance on the database', async () => {
      const other = await buildApp({
        database: t.testDb.database,
        clock: t.clock,
        tokenSecret: TEST_TOKEN_SECRET,
        captcha: { maxNumber: TEST_CAPTCHA_MAX_NUMBER },
        authRateLimit: 0,
      });
      try {
        const captcha = await t.captcha();
        const onOther = await other.inject({
          method: 'POST',
          url: SIGN_IN,
          payload: { phone: PHONE, password: WRONG, captcha },
          headers: { 'content-type': 'application/json' },
        });
        expectError(onOther, 401, 'invalid_credentials');
        await expectInvalid(captcha);
      } finally {
        await other.close();
      }
    });
  });

  describe('password reset', () => {
    const start = (captcha?: string) =>
      t.post('/v1/auth/reset/start', {
        phone: PHONE,
        channel: 'email',
        ...(captcha === undefined ? {} : { captcha }),
      });

    beforeEach(async () => {
      await t.close();
      t = await createTestApp({
        delivery: {
          email: { channel: 'email', description: 'none', send: async () => {} },
          sms: null,
        },
      });
    });

    it('every start needs a solved captcha, even the first', async () => {
      const solution = await expectCaptchaRequired(await start());
      expect((await start(solution)).statusCode).toBe(202);
    });

    it('a replayed or junk captcha is captcha_invalid', async () => {
      const captcha = await t.captcha();
      expect((await start(captcha)).statusCode).toBe(202);
      t.clock.advance(MINUTE_MS);
      expectError(await start(captcha), 400, 'captcha_invalid');
      expectError(await start('junk'), 400, 'captcha_invalid');
    });
  });
});
