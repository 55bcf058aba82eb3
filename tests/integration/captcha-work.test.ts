import { createChallenge } from 'altcha-lib/v1';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptchaChallenge } from '../../contract/errors';
import { Captcha, DEFAULT_CAPTCHA_POLICY, requiredMaxNumber } from '../../server/src/auth/captcha';
import { DEFAULT_LOCKOUT_POLICY } from '../../server/src/auth/lockout-policy';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import {
  solveCaptcha,
  TEST_CAPTCHA_MAX_NUMBER,
  TEST_CAPTCHA_MAX_NUMBER_CAP,
} from './support/captcha';

const CHALLENGE = '/v1/captcha/challenge';
/** No account; the lock budgets are raised below, so only the captcha counters move. */
const PHONE = '+12065550199';
const WRONG = 'Not-The-Password-1';
const KEY = 'captcha-work-test-key-0123456789abcdef';
const ATTACKER = '203.0.113.7';
const FRESH_CLIENT = '198.51.100.9';

describe('requiredMaxNumber', () => {
  const policy = { ...DEFAULT_CAPTCHA_POLICY, maxNumber: 1_000, maxNumberCap: 5_000 };
  it('is the base up to the first required challenge, then doubles per failure, capped', () => {
    expect([0, 3, 4, 5, 6, 7, 5_000].map((f) => requiredMaxNumber(policy, f))).toEqual([
      1_000, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000,
    ]);
  });

  it('never asks less than the base, whatever the cap', () => {
    expect(requiredMaxNumber({ ...policy, maxNumberCap: 10 }, 9)).toBe(1_000);
  });

  it('defaults to one step, from 850 000 to 1 500 000', () => {
    expect([3, 4, 5].map((f) => requiredMaxNumber(DEFAULT_CAPTCHA_POLICY, f))).toEqual([
      850_000, 1_500_000, 1_500_000,
    ]);
  });
});

describeWithDb(`captcha work grows with failures (${dbKind})`, () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({
      lockout: { ...DEFAULT_LOCKOUT_POLICY, maxFailures: 1_000 },
      signInBudgets: { untrustedFailures: 1_000 },
    });
  });
  afterEach(async () => t?.close());

  const request = (
    method: 'GET' | 'POST',
    url: string,
    ip: string,
    payload?: object,
  ): Promise<LightMyRequestResponse> =>
    t.app.inject({
      method,
      url,
      remoteAddress: ip,
      ...(payload ? { payload, headers: { 'content-type': 'application/json' } } : { headers: {} }),
    });

  const challengeFor = async (ip: string): Promise<CaptchaChallenge> =>
    CaptchaChallenge.parse((await request('GET', CHALLENGE, ip)).json());

  /** A failed sign-in from `ip`, solving the captcha once one is asked for. */
  async function failOnce(ip: string): Promise<void> {
    let res = await request('POST', '/v1/auth/sign-in', ip, { phone: PHONE, password: WRONG });
    if (res.statusCode === 428) {
      const captcha = await solveCaptcha(expectError(res, 428, 'captcha_required').captcha!);
      res = await request('POST', '/v1/auth/sign-in', ip, {
        phone: PHONE,
        password: WRONG,
        captcha,
      });
    }
    expectError(res, 401, 'invalid_credentials');
  }

  it('GET /v1/captcha/challenge doubles per failure of the client past the third, up to the cap', async () => {
    const seen: number[] = [];
    for (let failures = 0; failures <= 7; failures++) {
      const challenge = await challengeFor(ATTACKER);
      seen.push(challenge.maxnumber!);
      // The work is in the signed salt too, where the server reads it back.
      const params = new URLSearchParams(challenge.salt.split('?')[1]);
      expect(Number(params.get('maxnumber'))).toBe(challenge.maxnumber);
      await failOnce(ATTACKER);
    }
    const base = TEST_CAPTCHA_MAX_NUMBER;
    expect(seen).toEqual([base, base, base, base, 2 * base, 4 * base, 8 * base, 8 * base]);
    // Another client starts at the base again.
    expect((await challengeFor(FRESH_CLIENT)).maxnumber).toBe(base);
  });

  it('a reset refuses a challenge easier than its number needs, and hands out one that is not', async () => {
    await t.close();
    t = await createTestApp({
      lockout: { ...DEFAULT_LOCKOUT_POLICY, maxFailures: 1_000 },
      delivery: {
        email: { channel: 'email', description: 'none', send: async () => {} },
        sms: null,
      },
    });
    for (let i = 0; i < 5; i++) await failOnce(ATTACKER);
    // From a client with no failures, the challenge is the easy one; the number has 5.
    const easy = await challengeFor(FRESH_CLIENT);
    expect(easy.maxnumber).toBe(TEST_CAPTCHA_MAX_NUMBER);
    const start = (captcha: string) =>
      request('POST', '/v1/auth/reset/start', FRESH_CLIENT, {
        phone: PHONE,
        channel: 'email',
        captcha,
      });
    const refused = expectError(await start(await solveCaptcha(easy)), 400, 'captcha_invalid');
    expect(refused.captcha?.maxnumber).toBe(4 * TEST_CAPTCHA_MAX_NUMBER);
    expect((await start(await solveCaptcha(refused.captcha!))).statusCode).toBe(202);
  });

  // Sign-in passes the failure count on to `Captcha.require`, so its work grows like reset's.
  describe('sign-in', () => {
    const signIn = (ip: string, captcha?: string) =>
      request('POST', '/v1/auth/sign-in', ip, {
        phone: PHONE,
        password: WRONG,
        ...(captcha === undefined ? {} : { captcha }),
      });

    it('asks for a challenge sized for the count', async () => {
      for (let i = 0; i < 4; i++) await failOnce(ATTACKER);
      const required = expectError(await signIn(FRESH_CLIENT), 428, 'captcha_required');
      expect(required.captcha?.maxnumber).toBe(2 * TEST_CAPTCHA_MAX_NUMBER);
    });

    it('refuses a solution to an easier challenge, unspent, and hands out one that is not', async () => {
      for (let i = 0; i < 5; i++) await failOnce(ATTACKER);
      const easy = await challengeFor(FRESH_CLIENT);
      expect(easy.maxnumber).toBe(TEST_CAPTCHA_MAX_NUMBER);
      const refused = expectError(
        await signIn(FRESH_CLIENT, await solveCaptcha(easy)),
        400,
        'captcha_invalid',
      );
      expect(refused.captcha?.maxnumber).toBe(4 * TEST_CAPTCHA_MAX_NUMBER);
      expectError(
        await signIn(FRESH_CLIENT, await solveCaptcha(refused.captcha!)),
        401,
        'invalid_credentials',
      );
    });
  });

  it('a solution is held to the work the current count requires, and is not spent when refused', async () => {
    const captcha = new Captcha(t.testDb.database.db, t.clock, KEY, {
      ...DEFAULT_CAPTCHA_POLICY,
      maxNumber: TEST_CAPTCHA_MAX_NUMBER,
      maxNumberCap: TEST_CAPTCHA_MAX_NUMBER_CAP,
    });
    const easy = await solveCaptcha(await captcha.challenge(3));
    await expect(captcha.require(easy, undefined, 4)).rejects.toMatchObject({
      code: 'captcha_invalid',
    });
    // Refused for its work, not spent: it still passes where the base is enough.
    await expect(captcha.require(easy, undefined, 3)).resolves.toBeUndefined();
    const hard = await solveCaptcha(await captcha.challenge(4));
    await expect(captcha.require(hard, undefined, 4)).resolves.toBeUndefined();
  });

  it('a signed challenge without the work in its salt counts as no work', async () => {
    const captcha = new Captcha(t.testDb.database.db, t.clock, KEY, {
      ...DEFAULT_CAPTCHA_POLICY,
      maxNumber: TEST_CAPTCHA_MAX_NUMBER,
    });
    const bare = await createChallenge({
      hmacKey: KEY,
      maxnumber: 10,
      expires: new Date(t.clock.now() + 60_000),
    });
    await expect(captcha.require(await solveCaptcha(bare))).rejects.toMatchObject({
      code: 'captcha_invalid',
    });
  });

  it("the app's solver solves a challenge of the default size", async () => {
    const captcha = new Captcha(t.testDb.database.db, t.clock, KEY);
    const challenge = await captcha.challenge();
    expect(challenge.maxnumber).toBe(DEFAULT_CAPTCHA_POLICY.maxNumber);
    expect(await captcha.verify(await solveCaptcha(challenge))).toBe(true);
  }, 30_000);
});
