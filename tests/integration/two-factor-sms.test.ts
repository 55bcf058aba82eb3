import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { SignInResponse } from '../../contract/http/auth';
import {
  SecondFactorResendResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
} from '../../contract/http/two-factor';
import { buildApp } from '../../server/src/app';
import { MINUTE_MS } from '../../server/src/clock';
import { HttpSmsSender } from '../../server/src/delivery';
import {
  createTestApp,
  TEST_TOKEN_SECRET,
  type TestApp,
  type TestAppOptions,
} from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { codeIn, startSmsReceiver, type SmsReceiver } from './support/receivers';

const SIGN_IN = '/v1/auth/sign-in';
const SECOND = '/v1/auth/second-factor';
const RESEND = '/v1/auth/second-factor/resend';
const ENROL = '/v1/account/two-factor/enrol';
const ENROL_RESEND = '/v1/account/two-factor/resend';
const CONFIRM = '/v1/account/two-factor/confirm';
const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';

function wrongCodeFor(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

describeWithDb(`2-step verification by text message (${dbKind})`, () => {
  let sms: SmsReceiver;
  let t: TestApp;
  let accessToken: string;

  beforeAll(async () => {
    sms = await startSmsReceiver();
  });
  afterAll(async () => sms?.close());

  async function setUp(options: TestAppOptions = {}): Promise<void> {
    sms.requests.length = 0;
    sms.status = 202;
    t = await createTestApp({
      pruneIntervalMs: 0,
      delivery: {
        sms: new HttpSmsSender({ url: sms.url, timeoutMs: 5_000 }),
        email: null,
      },
      ...options,
    });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    await freshToken();
  }
  afterEach(async () => t?.close());

  /** Signs in again (while 2-step is off): access tokens last 10 minutes of test-clock time. */
  async function freshToken(): Promise<void> {
    const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    accessToken = SignInResponse.parse(res.json()).accessToken;
  }

  const bearer = () => ({ authorization: `Bearer ${accessToken}` });

  /** The code in the newest text the gateway received, and where it went. */
  function lastText(): { to: string; code: string; text: string } {
    const last = sms.requests.at(-1);
    expect(last).toBeDefined();
    const body = last!.body as { to: string; text: string };
    return { to: body.to, code: codeIn(body.text), text: body.text };
  }

  async function enrolBySms(): Promise<string[]> {
    const res = await t.post(ENROL, { method: 'sms' }, bearer());
    expect(res.statusCode, res.body).toBe(200);
    const confirmed = await t.post(CONFIRM, { code: lastText().code }, bearer());
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    return TwoFactorConfirmResponse.parse(confirmed.json()).recoveryCodes;
  }

  /** Signs in with the password; returns the challenge of the texted second step. */
  async function challenge(): Promise<string> {
    const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
    const error = expectError(res, 401, 'second_factor_required');
    expect(error.secondFactor).toMatchObject({
      method: 'sms',
      destination: '•••-0100',
      resendAfterSeconds: 60,
      expiresIn: 300,
    });
    return error.secondFactor!.challenge;
  }

  describe('enrolment', () => {
    beforeEach(async () => setUp());

    it('texts a code to the line and turns 2-step on with it', async () => {
      const res = await t.post(ENROL, { method: 'sms' }, bearer());
      expect(res.statusCode, res.body).toBe(200);
      expect(TwoFactorEnrolResponse.parse(res.json())).toEqual({
        method: 'sms',
        destination: '•••-0100',
        resendAfterSeconds: 60,
      });
      expect(sms.requests).toHaveLength(1);
      const { to, code } = lastText();
      expect(to).toBe(PHONE);
      // Not on until confirmed.
      expect((await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).statusCode).toBe(200);

      const confirmed = await t.post(CONFIRM, { code }, bearer());
      expect(confirmed.statusCode, confirmed.body).toBe(200);
      const { recoveryCodes } = TwoFactorConfirmResponse.parse(confirmed.json());
      expect(new Set(recoveryCodes).size).toBe(10);

      const row = await t.testDb.database.db
        .selectFrom('two_factor')
        .select(['method', 'secret'])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ method: 'sms', secret: '' });
      // Codes are stored hashed only.
      const stored = await t.testDb.database.db.selectFrom('sms_codes').selectAll().execute();
      for (const r of stored) expect(JSON.stringify(r)).not.toContain(code);
    });

    it('a code is accepted once, and 2-step cannot be set up twice', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      const { code } = lastText();
      expect((await t.post(CONFIRM, { code }, bearer())).statusCode).toBe(200);
      expectError(await t.post(CONFIRM, { code }, bearer()), 409, 'two_factor_already_enabled');
      expectError(
        await t.post(ENROL, { method: 'sms' }, bearer()),
        409,
        'two_factor_already_enabled',
      );
      expectError(await t.post(ENROL_RESEND, {}, bearer()), 409, 'two_factor_already_enabled');
    });

    it('resending waits a minute, and only the newest code counts', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      const first = lastText().code;
      t.clock.advance(30_000);
      const early = expectError(await t.post(ENROL_RESEND, {}, bearer()), 429, 'rate_limited');
      expect(early.retryAfterSeconds).toBe(30);
      // Asking to enrol again is no way around the wait.
      expectError(await t.post(ENROL, { method: 'sms' }, bearer()), 429, 'rate_limited');
      expect(sms.requests).toHaveLength(1);

      t.clock.advance(30_000);
      const res = await t.post(ENROL_RESEND, {}, bearer());
      expect(res.statusCode, res.body).toBe(200);
      expect(SecondFactorResendResponse.parse(res.json())).toEqual({
        sent: true,
        destination: '•••-0100',
        resendAfterSeconds: 60,
      });
      expect(sms.requests).toHaveLength(2);
      const second = lastText().code;
      if (first !== second) {
        expectError(await t.post(CONFIRM, { code: first }, bearer()), 400, 'invalid_code');
      }
      expect((await t.post(CONFIRM, { code: second }, bearer())).statusCode).toBe(200);
    });

    it('resending works with no body at all', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      t.clock.advance(MINUTE_MS);
      const res = await t.app.inject({ method: 'POST', url: ENROL_RESEND, headers: bearer() });
      expect(res.statusCode, res.body).toBe(200);
      expect(sms.requests).toHaveLength(2);
    });

    it('a code expires after 10 minutes', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      const { code } = lastText();
      t.clock.advance(10 * MINUTE_MS);
      await freshToken();
      expectError(await t.post(CONFIRM, { code }, bearer()), 410, 'code_expired');
    });

    it('five wrong codes burn the code, even for the right one after', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      const { code } = lastText();
      const wrong = wrongCodeFor(code);
      for (const left of [4, 3, 2, 1]) {
        const error = expectError(
          await t.post(CONFIRM, { code: wrong }, bearer()),
          400,
          'invalid_code',
        );
        expect(error.attemptsLeft).toBe(left);
      }
      expectError(await t.post(CONFIRM, { code: wrong }, bearer()), 429, 'too_many_attempts');
      expectError(await t.post(CONFIRM, { code }, bearer()), 429, 'too_many_attempts');
      // A new code starts over.
      t.clock.advance(MINUTE_MS);
      expect((await t.post(ENROL_RESEND, {}, bearer())).statusCode).toBe(200);
      expect((await t.post(CONFIRM, { code: lastText().code }, bearer())).statusCode).toBe(200);
    });

    it('resending needs an enrolment by text under way', async () => {
      expectError(await t.post(ENROL_RESEND, {}, bearer()), 400, 'invalid_request');
      expect((await t.post(ENROL, { method: 'totp' }, bearer())).statusCode).toBe(200);
      expectError(await t.post(ENROL_RESEND, {}, bearer()), 400, 'invalid_request');
    });

    it('switching to an authenticator app retires the texted code', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      const { code } = lastText();
      const totp = TwoFactorEnrolResponse.parse((await t.post(ENROL, {}, bearer())).json());
      expect(totp.method).toBe('totp');
      expectError(await t.post(CONFIRM, { code }, bearer()), 400, 'invalid_code');
      if (totp.method !== 'totp') return;
      const appCode = await generate({
        secret: totp.secret,
        epoch: Math.floor(t.clock.now() / 1000),
      });
      expect((await t.post(CONFIRM, { code: appCode }, bearer())).statusCode).toBe(200);
    });

    it('at most ten texts an hour', async () => {
      await t.post(ENROL, { method: 'sms' }, bearer());
      for (let i = 1; i < 10; i++) {
        t.clock.advance(MINUTE_MS);
        if (i % 5 === 0) await freshToken();
        expect((await t.post(ENROL_RESEND, {}, bearer())).statusCode).toBe(200);
      }
      t.clock.advance(MINUTE_MS);
      const limited = expectError(await t.post(ENROL_RESEND, {}, bearer()), 429, 'rate_limited');
      // The first text leaves the hour 60 minutes after it was sent.
      expect(limited.retryAfterSeconds).toBe(50 * 60);
      expect(sms.requests).toHaveLength(10);
    });

    it('refuses an unknown method', async () => {
      expectError(await t.post(ENROL, { method: 'email' }, bearer()), 400, 'invalid_request');
      expectError(
        await t.post(ENROL, { method: 'sms', extra: 1 }, bearer()),
        400,
        'invalid_request',
      );
    });

    it('reports a text the gateway refused, and lets the subscriber ask again at once', async () => {
      sms.status = 500;
      expectError(await t.post(ENROL, { method: 'sms' }, bearer()), 502, 'delivery_failed');
      sms.status = 202;
      const res = await t.post(ENROL_RESEND, {}, bearer());
      expect(res.statusCode, res.body).toBe(200);
      expect((await t.post(CONFIRM, { code: lastText().code }, bearer())).statusCode).toBe(200);
    });
  });

  describe('without an SMS sender', () => {
    beforeEach(async () => setUp({ delivery: { sms: null, email: null } }));

    it('refuses to set up 2-step by text with a 503', async () => {
      const error = expectError(
        await t.post(ENROL, { method: 'sms' }, bearer()),
        503,
        'service_unavailable',
      );
      expect(error.message).toMatch(/text messages/);
      // An authenticator app still works.
      expect((await t.post(ENROL, {}, bearer())).statusCode).toBe(200);
    });
  });

  describe('sign-in', () => {
    let recoveryCodes: string[];

    beforeEach(async () => {
      await setUp();
      recoveryCodes = await enrolBySms();
    });

    it('texts a code bound to the challenge, and the code gives tokens', async () => {
      const before = sms.requests.length;
      const ch = await challenge();
      expect(sms.requests).toHaveLength(before + 1);
      const { to, code, text } = lastText();
      expect(to).toBe(PHONE);
      expect(text).toMatch(/sign-in code/);
      const res = await t.post(SECOND, { challenge: ch, code });
      expect(res.statusCode, res.body).toBe(200);
      const tokens = SignInResponse.parse(res.json());
      expect(tokens.deviceToken).toBeUndefined();
      expect((await t.get('/v1/account/summary', tokens.accessToken)).statusCode).toBe(200);
    });

    it('a code answers only its own sign-in', async () => {
      const first = await challenge();
      const firstCode = lastText().code;
      const second = await challenge();
      const secondCode = lastText().code;
      if (firstCode !== secondCode) {
        expectError(
          await t.post(SECOND, { challenge: second, code: firstCode }),
          401,
          'invalid_code',
        );
      }
      expect((await t.post(SECOND, { challenge: first, code: firstCode })).statusCode).toBe(200);
    });

    it('resending waits a minute per sign-in; the newest code counts', async () => {
      const ch = await challenge();
      const first = lastText().code;
      const early = expectError(await t.post(RESEND, { challenge: ch }), 429, 'rate_limited');
      expect(early.retryAfterSeconds).toBe(60);

      t.clock.advance(MINUTE_MS);
      const res = await t.post(RESEND, { challenge: ch });
      expect(res.statusCode, res.body).toBe(200);
      expect(SecondFactorResendResponse.parse(res.json())).toEqual({
        sent: true,
        destination: '•••-0100',
        resendAfterSeconds: 60,
      });
      const second = lastText().code;
      if (first !== second) {
        expectError(await t.post(SECOND, { challenge: ch, code: first }), 401, 'invalid_code');
      }
      expect((await t.post(SECOND, { challenge: ch, code: second })).statusCode).toBe(200);
    });

    it('a texted code dies with its challenge after 5 minutes', async () => {
      const ch = await challenge();
      const { code } = lastText();
      t.clock.advance(5 * MINUTE_MS);
      expectError(await t.post(SECOND, { challenge: ch, code }), 401, 'unauthorized');
      expectError(await t.post(RESEND, { challenge: ch }), 401, 'unauthorized');
    });

    it('five wrong codes burn the sign-in and lock the account, like wrong passwords', async () => {
      const ch = await challenge();
      const { code } = lastText();
      const wrong = wrongCodeFor(code);
      for (const left of [4, 3, 2, 1]) {
        const error = expectError(
          await t.post(SECOND, { challenge: ch, code: wrong }),
          401,
          'invalid_code',
        );
        expect(error.attemptsLeft).toBe(left);
      }
      expectError(await t.post(SECOND, { challenge: ch, code: wrong }), 423, 'account_locked');
      expectError(await t.post(SECOND, { challenge: ch, code }), 401, 'unauthorized');
    });

    it('recovery codes still work, once each', async () => {
      const first = recoveryCodes[0]!;
      expect((await t.post(SECOND, { challenge: await challenge(), code: first })).statusCode).toBe(
        200,
      );
      expectError(
        await t.post(SECOND, { challenge: await challenge(), code: first }),
        401,
        'invalid_code',
      );
    });

    it('a totp challenge has nothing to resend', async () => {
      // A second subscriber with an authenticator app.
      const other = await t.addSubscriber({ phone: '+12065550142', password: PASSWORD });
      const token = SignInResponse.parse(
        (await t.post(SIGN_IN, { phone: other.phone, password: PASSWORD })).json(),
      ).accessToken;
      const enrol = TwoFactorEnrolResponse.parse(
        (await t.post(ENROL, {}, { authorization: `Bearer ${token}` })).json(),
      );
      if (enrol.method !== 'totp') throw new Error('expected totp');
      const code = await generate({
        secret: enrol.secret,
        epoch: Math.floor(t.clock.now() / 1000),
      });
      expect(
        (await t.post(CONFIRM, { code }, { authorization: `Bearer ${token}` })).statusCode,
      ).toBe(200);
      const res = await t.post(SIGN_IN, { phone: other.phone, password: PASSWORD });
      const second = expectError(res, 401, 'second_factor_required').secondFactor!;
      expect(second.method).toBe('totp');
      expect(second.destination).toBeUndefined();
      expectError(await t.post(RESEND, { challenge: second.challenge }), 400, 'invalid_request');
    });

    it('refuses malformed and unknown challenges', async () => {
      expectError(await t.post(RESEND, {}), 400, 'invalid_request');
      expectError(await t.post(RESEND, { challenge: 'short' }), 400, 'invalid_request');
      expectError(await t.post(RESEND, { challenge: 'A'.repeat(43) }), 401, 'unauthorized');
    });

    it('when the text cannot be sent: the challenge still comes, a typed code gets 502, resend works', async () => {
      sms.status = 500;
      const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
      const error = expectError(res, 401, 'second_factor_required');
      expect(error.message).toMatch(/could not text/);
      expect(error.secondFactor).toMatchObject({
        method: 'sms',
        destination: '•••-0100',
        resendAfterSeconds: 0,
      });
      const ch = error.secondFactor!.challenge;
      expectError(await t.post(SECOND, { challenge: ch, code: '123456' }), 502, 'delivery_failed');
      // Still failing: the resend says so.
      expectError(await t.post(RESEND, { challenge: ch }), 502, 'delivery_failed');

      sms.status = 202;
      const again = await t.post(RESEND, { challenge: ch });
      expect(again.statusCode, again.body).toBe(200);
      const signedIn = await t.post(SECOND, { challenge: ch, code: lastText().code });
      expect(signedIn.statusCode, signedIn.body).toBe(200);
    });

    it('without an SMS sender any more, a recovery code still signs in', async () => {
      // The same database, served by an app that cannot send texts.
      const bare = await buildApp({
        database: t.testDb.database,
        clock: t.clock,
        tokenSecret: TEST_TOKEN_SECRET,
        authRateLimit: 0,
        pruneIntervalMs: 0,
      });
      try {
        const res = await bare.inject({
          method: 'POST',
          url: SIGN_IN,
          payload: { phone: PHONE, password: PASSWORD },
        });
        const error = expectError(res, 401, 'second_factor_required');
        expect(error.secondFactor?.resendAfterSeconds).toBe(0);
        const ch = error.secondFactor!.challenge;
        expectError(
          await bare.inject({ method: 'POST', url: RESEND, payload: { challenge: ch } }),
          503,
          'service_unavailable',
        );
        const ok = await bare.inject({
          method: 'POST',
          url: SECOND,
          payload: { challenge: ch, code: recoveryCodes[0] },
        });
        expect(ok.statusCode, ok.body).toBe(200);
      } finally {
        await bare.close();
      }
    });
  });
});
