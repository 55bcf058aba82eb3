import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { SignInResponse } from '../../contract/http/auth';
import { TwoFactorConfirmResponse, TwoFactorEnrolResponse } from '../../contract/http/two-factor';
import { MINUTE_MS } from '../../server/src/clock';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

const SIGN_IN = '/v1/auth/sign-in';
const SECOND = '/v1/auth/second-factor';
const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';

describeWithDb(`2-step verification (${dbKind})`, () => {
  let t: TestApp;
  let accessToken: string;

  beforeEach(async () => {
    t = await createTestApp();
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    accessToken = SignInResponse.parse(
      (await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).json(),
    ).accessToken;
  });
  afterEach(async () => t?.close());

  const bearer = () => ({ authorization: `Bearer ${accessToken}` });
  /** The TOTP code an authenticator app would show at the test clock's time. */
  const totp = (secret: string, offsetSeconds = 0) =>
    generate({ secret, epoch: Math.floor(t.clock.now() / 1000) + offsetSeconds });

  async function enrol(): Promise<{ secret: string; recoveryCodes: string[] }> {
    const res = await t.post('/v1/account/two-factor/enrol', {}, bearer());
    expect(res.statusCode, res.body).toBe(200);
    const { secret } = TwoFactorEnrolResponse.parse(res.json());
    const confirmed = await t.post(
      '/v1/account/two-factor/confirm',
      { code: await totp(secret) },
      bearer(),
    );
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const { recoveryCodes } = TwoFactorConfirmResponse.parse(confirmed.json());
    // The code used to confirm cannot be used again: move to the next 30-second step.
    t.clock.advance(30_000);
    return { secret, recoveryCodes };
  }

  /** Signs in with the password and returns the second-factor challenge. */
  async function challenge(): Promise<string> {
    const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
    const error = expectError(res, 401, 'second_factor_required');
    expect(error.secondFactor?.expiresIn).toBe(300);
    return error.secondFactor!.challenge;
  }

  describe('enrolment', () => {
    it('gives a secret and an otpauth URI for the app to show as a QR code', async () => {
      const res = await t.post('/v1/account/two-factor/enrol', {}, bearer());
      const body = TwoFactorEnrolResponse.parse(res.json());
      expect(body.secret).toMatch(/^[A-Z2-7]{16,}$/);
      expect(body.otpauthUri).toBe(
        `otpauth://totp/Airtime:%2B12065550100?secret=${body.secret}&issuer=Airtime`,
      );
    });

    it('needs a bearer token', async () => {
      expectError(await t.post('/v1/account/two-factor/enrol', {}), 401, 'unauthorized');
    });

    it('is not on until confirmed with a code', async () => {
      await t.post('/v1/account/two-factor/enrol', {}, bearer());
      expect((await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).statusCode).toBe(200);
    });

    it('refuses a wrong confirmation code', async () => {
      const { secret } = TwoFactorEnrolResponse.parse(
        (await t.post('/v1/account/two-factor/enrol', {}, bearer())).json(),
      );
      const wrong = (await totp(secret, 600)) as string;
      expectError(
        await t.post('/v1/account/two-factor/confirm', { code: wrong }, bearer()),
        400,
        'invalid_code',
      );
    });

    it('hands out ten distinct recovery codes and refuses a second enrolment', async () => {
      const { recoveryCodes } = await enrol();
      expect(new Set(recoveryCodes).size).toBe(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-f]{5}-[0-9a-f]{5}$/);
      expect((await t.post('/v1/account/two-factor/enrol', {}, bearer())).statusCode).toBe(409);
    });
  });

  describe('sign-in', () => {
    it('answers the right password with second_factor_required, then the code gives tokens', async () => {
      const { secret } = await enrol();
      const res = await t.post(SECOND, { challenge: await challenge(), code: await totp(secret) });
      expect(res.statusCode, res.body).toBe(200);
      const tokens = SignInResponse.parse(res.json());
      expect((await t.get('/v1/account/summary', tokens.accessToken)).statusCode).toBe(200);
    });

    it('accepts a code one step old (phone clock drift) but not one two minutes old', async () => {
      const { secret } = await enrol();
      // One more step, so the step before now is not the one used to confirm.
      t.clock.advance(30_000);
      const ch = await challenge();
      expectError(
        await t.post(SECOND, { challenge: ch, code: await totp(secret, -120) }),
        401,
        'invalid_code',
      );
      expect(
        (await t.post(SECOND, { challenge: ch, code: await totp(secret, -30) })).statusCode,
      ).toBe(200);
    });

    it('a wrong password is still invalid_credentials (no hint that 2-step is on)', async () => {
      await enrol();
      expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: 'Not-The-Password-1' }),
        401,
        'invalid_credentials',
      );
    });

    it('a challenge works once and expires after 5 minutes', async () => {
      const { secret } = await enrol();
      const ch = await challenge();
      expect((await t.post(SECOND, { challenge: ch, code: await totp(secret) })).statusCode).toBe(
        200,
      );
      t.clock.advance(30_000);
      expectError(
        await t.post(SECOND, { challenge: ch, code: await totp(secret) }),
        401,
        'unauthorized',
      );

      const later = await challenge();
      t.clock.advance(5 * MINUTE_MS);
      expectError(
        await t.post(SECOND, { challenge: later, code: await totp(secret) }),
        401,
        'unauthorized',
      );
    });

    it('a TOTP code is accepted once', async () => {
      const { secret } = await enrol();
      const code = await totp(secret);
      expect((await t.post(SECOND, { challenge: await challenge(), code })).statusCode).toBe(200);
      expectError(
        await t.post(SECOND, { challenge: await challenge(), code }),
        401,
        'invalid_code',
      );
    });

    it('recovery codes work once each, typed in any case and without the dash', async () => {
      const { recoveryCodes } = await enrol();
      const [first, second] = recoveryCodes as [string, string];
      expect((await t.post(SECOND, { challenge: await challenge(), code: first })).statusCode).toBe(
        200,
      );
      expectError(
        await t.post(SECOND, { challenge: await challenge(), code: first }),
        401,
        'invalid_code',
      );
      const typed = second.replace('-', '').toUpperCase();
      expect((await t.post(SECOND, { challenge: await challenge(), code: typed })).statusCode).toBe(
        200,
      );
    });

    it('wrong codes count toward the lockout and five lock the account', async () => {
      const { secret } = await enrol();
      const wrong = (await totp(secret, 3600)) as string;
      const ch = await challenge();
      for (const left of [4, 3, 2, 1]) {
        const error = expectError(
          await t.post(SECOND, { challenge: ch, code: wrong }),
          401,
          'invalid_code',
        );
        expect(error.attemptsLeft).toBe(left);
      }
      const locked = expectError(
        await t.post(SECOND, { challenge: ch, code: wrong }),
        423,
        'account_locked',
      );
      expect(locked.retryAfterSeconds).toBe(900);
      // Locked: even the password (with a captcha, now due) is refused.
      const res = await t.post(SIGN_IN, {
        phone: PHONE,
        password: PASSWORD,
        captcha: await t.captcha(),
      });
      expectError(res, 423, 'account_locked');
    });

    it('a correct password does not reset the count of wrong codes', async () => {
      const { secret } = await enrol();
      const wrong = (await totp(secret, 3600)) as string;
      for (let i = 0; i < 2; i++) {
        expectError(
          await t.post(SECOND, { challenge: await challenge(), code: wrong }),
          401,
          'invalid_code',
        );
      }
      for (let i = 0; i < 2; i++) {
        const res = await t.post(SIGN_IN, {
          phone: PHONE,
          password: PASSWORD,
          captcha: await t.captcha(),
        });
        const ch = expectError(res, 401, 'second_factor_required').secondFactor!.challenge;
        expectError(await t.post(SECOND, { challenge: ch, code: wrong }), 401, 'invalid_code');
      }
      const res = await t.post(SIGN_IN, {
        phone: PHONE,
        password: PASSWORD,
        captcha: await t.captcha(),
      });
      const ch = expectError(res, 401, 'second_factor_required').secondFactor!.challenge;
      expectError(await t.post(SECOND, { challenge: ch, code: wrong }), 423, 'account_locked');
    });

    it('refuses malformed bodies', async () => {
      expectError(await t.post(SECOND, { challenge: 'x', code: '123456' }), 400, 'invalid_request');
      expectError(
        await t.post(SECOND, { challenge: 'A'.repeat(43), code: '12' }),
        400,
        'invalid_request',
      );
      expectError(
        await t.post(SECOND, { challenge: 'A'.repeat(43), code: '123456' }),
        401,
        'unauthorized',
      );
    });
  });
});
