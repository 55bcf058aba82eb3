import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { SignInResponse, type DeviceInfo } from '../../contract/http/auth';
import {
  RecoveryCodesResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
} from '../../contract/http/two-factor';
import { buildApp } from '../../server/src/app';
import { MINUTE_MS } from '../../server/src/clock';
import { AccessTokens } from '../../server/src/auth/tokens';
import { DEFAULT_LOCKOUT_POLICY } from '../../server/src/auth/lockout-policy';
import { AuthService, DEFAULT_SESSION_POLICY } from '../../server/src/auth/auth-service';
import { TwoFactorService } from '../../server/src/auth/two-factor-service';
import type { ClientInfo, SecurityLog } from '../../server/src/security/security-log';
import { ApiHttpError } from '../../server/src/errors';
import { createTestApp, TEST_TOKEN_SECRET, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { signInLockoutOf } from './support/lockout';

const SIGN_IN = '/v1/auth/sign-in';
const SECOND = '/v1/auth/second-factor';
const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';

describeWithDb(`2-step verification (${dbKind})`, () => {
  let t: TestApp;
  let accessToken: string;
  let refreshToken: string;

  beforeEach(async () => {
    t = await createTestApp({ pruneIntervalMs: 0 });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    ({ accessToken, refreshToken } = SignInResponse.parse(
      (await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).json(),
    ));
  });
  afterEach(async () => t?.close());

  const bearer = () => ({ authorization: `Bearer ${accessToken}` });
  /** The TOTP code an authenticator app would show at the test clock's time. */
  const totp = (secret: string, offsetSeconds = 0) =>
    generate({ secret, epoch: Math.floor(t.clock.now() / 1000) + offsetSeconds });

  async function enrol(): Promise<{ secret: string; recoveryCodes: string[] }> {
    const res = await t.post('/v1/account/two-factor/enrol', {}, bearer());
    expect(res.statusCode, res.body).toBe(200);
    const enrolled = TwoFactorEnrolResponse.parse(res.json());
    if (enrolled.method !== 'totp') throw new Error('expected totp');
    const { secret } = enrolled;
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
      if (body.method !== 'totp') throw new Error('expected totp');
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

    it('takes "totp" by name, or no body at all', async () => {
      const named = TwoFactorEnrolResponse.parse(
        (await t.post('/v1/account/two-factor/enrol', { method: 'totp' }, bearer())).json(),
      );
      expect(named.method).toBe('totp');
      const bare = await t.app.inject({
        method: 'POST',
        url: '/v1/account/two-factor/enrol',
        headers: bearer(),
      });
      expect(bare.statusCode, bare.body).toBe(200);
      expect(TwoFactorEnrolResponse.parse(bare.json()).method).toBe('totp');
    });

    it('refuses a wrong confirmation code', async () => {
      const enrolled = TwoFactorEnrolResponse.parse(
        (await t.post('/v1/account/two-factor/enrol', {}, bearer())).json(),
      );
      if (enrolled.method !== 'totp') throw new Error('expected totp');
      const { secret } = enrolled;
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
      expectError(
        await t.post('/v1/account/two-factor/enrol', {}, bearer()),
        409,
        'two_factor_already_enabled',
      );
    });

    it('keeps the secret encrypted at rest', async () => {
      const { secret } = await enrol();
      const row = await t.testDb.database.db
        .selectFrom('two_factor')
        .select(['secret', 'method'])
        .executeTakeFirstOrThrow();
      expect(row.method).toBe('totp');
      expect(row.secret).toMatch(/^v1\./);
      expect(row.secret).not.toContain(secret);
    });

    it('encrypts a secret stored in plain text when the server starts, and it keeps working', async () => {
      const { secret } = await enrol();
      await t.testDb.database.db.updateTable('two_factor').set({ secret }).execute();
      // A second instance on the same database, as after an upgrade.
      const upgraded = await buildApp({
        database: t.testDb.database,
        clock: t.clock,
        tokenSecret: TEST_TOKEN_SECRET,
        authRateLimit: 0,
        pruneIntervalMs: 0,
      });
      await upgraded.close();
      const row = await t.testDb.database.db
        .selectFrom('two_factor')
        .select('secret')
        .executeTakeFirstOrThrow();
      expect(row.secret).toMatch(/^v1\./);
      const res = await t.post(SECOND, { challenge: await challenge(), code: await totp(secret) });
      expect(res.statusCode, res.body).toBe(200);
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

  describe('turning it off', () => {
    const DISABLE = '/v1/account/two-factor/disable';

    it('counts a wrong password toward the lockout: five lock the account, and stay off', async () => {
      await enrol();
      for (let i = 0; i < 4; i++) {
        expectError(
          await t.post(DISABLE, { password: 'Not-The-Password-1' }, bearer()),
          401,
          'wrong_password',
        );
      }
      const locked = expectError(
        await t.post(DISABLE, { password: 'Not-The-Password-1' }, bearer()),
        423,
        'account_locked',
      );
      expect(locked.retryAfterSeconds).toBe(900);
      const db = t.testDb.database.db;
      // The client that typed them is locked out of the number, as after wrong ones at sign-in.
      const row = await signInLockoutOf(db, PHONE);
      expect(row).toMatchObject({
        failed_attempts: 0,
        locked_until: t.clock.now() + 15 * MINUTE_MS,
      });
      const kinds = await db
        .selectFrom('security_events')
        .select('kind')
        .where('kind', 'in', ['wrong_password', 'locked'])
        .orderBy('at')
        .orderBy('id')
        .execute();
      expect(kinds.map((k) => k.kind)).toEqual([
        'wrong_password',
        'wrong_password',
        'wrong_password',
        'wrong_password',
        'locked',
      ]);
      // The lock is the sign-in's lock too.
      expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD }),
        423,
        'account_locked',
      );
      expect(await db.selectFrom('two_factor').select('enabled_at').execute()).toEqual([
        { enabled_at: expect.any(Number) },
      ]);
    });

    it('while the account is locked, even the right password is refused', async () => {
      await enrol();
      for (let i = 0; i < 5; i++) {
        await t.post(DISABLE, { password: 'Not-The-Password-1' }, bearer());
      }
      t.clock.advance(5 * MINUTE_MS);
      const locked = expectError(
        await t.post(DISABLE, { password: PASSWORD }, bearer()),
        423,
        'account_locked',
      );
      expect(locked.retryAfterSeconds).toBe(600);
      const db = t.testDb.database.db;
      expect(await db.selectFrom('two_factor').select('enabled_at').execute()).toHaveLength(1);
      // Once the lock is over (and the access token renewed), the right password works.
      t.clock.advance(10 * MINUTE_MS);
      const refreshed = await t.post('/v1/auth/refresh', { refreshToken });
      accessToken = SignInResponse.parse(refreshed.json()).accessToken;
      expect((await t.post(DISABLE, { password: PASSWORD }, bearer())).statusCode).toBe(204);
      expect(await db.selectFrom('two_factor').selectAll().execute()).toHaveLength(0);
    });

    it('with the password: off, codes gone, the password alone signs in again', async () => {
      const { recoveryCodes } = await enrol();
      const pending = await challenge();
      const res = await t.post(DISABLE, { password: PASSWORD }, bearer());
      expect(res.statusCode, res.body).toBe(204);
      expect(res.body).toBe('');

      const db = t.testDb.database.db;
      expect(await db.selectFrom('two_factor').selectAll().execute()).toHaveLength(0);
      expect(await db.selectFrom('recovery_codes').selectAll().execute()).toHaveLength(0);
      // A sign-in that was waiting for its second step cannot finish any more.
      expectError(
        await t.post(SECOND, { challenge: pending, code: recoveryCodes[0]! }),
        401,
        'unauthorized',
      );
      expect((await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD })).statusCode).toBe(200);
      expectError(
        await t.post(DISABLE, { password: PASSWORD }, bearer()),
        409,
        'two_factor_not_enabled',
      );
    });

    it('is 409 when 2-step was never on, and refuses malformed bodies', async () => {
      expectError(
        await t.post(DISABLE, { password: PASSWORD }, bearer()),
        409,
        'two_factor_not_enabled',
      );
      expectError(await t.post(DISABLE, {}, bearer()), 400, 'invalid_request');
      expectError(await t.post(DISABLE, { password: '' }, bearer()), 400, 'invalid_request');
      expectError(
        await t.post(DISABLE, { password: 'x'.repeat(129) }, bearer()),
        400,
        'invalid_request',
      );
      expectError(await t.post(DISABLE, { password: PASSWORD }), 401, 'unauthorized');
    });
  });

  describe('new recovery codes', () => {
    const REPLACE = '/v1/account/two-factor/recovery-codes';

    it('replace every older code', async () => {
      const { recoveryCodes: old } = await enrol();
      // One old code used, one not: both stop working.
      expect(
        (await t.post(SECOND, { challenge: await challenge(), code: old[0]! })).statusCode,
      ).toBe(200);
      const res = await t.post(REPLACE, { password: PASSWORD }, bearer());
      expect(res.statusCode, res.body).toBe(200);
      const { recoveryCodes } = RecoveryCodesResponse.parse(res.json());
      expect(new Set(recoveryCodes).size).toBe(10);
      expect(recoveryCodes.filter((c) => old.includes(c))).toEqual([]);

      expectError(
        await t.post(SECOND, { challenge: await challenge(), code: old[1]! }),
        401,
        'invalid_code',
      );
      expect(
        (await t.post(SECOND, { challenge: await challenge(), code: recoveryCodes[0]! }))
          .statusCode,
      ).toBe(200);
      const unused = await t.testDb.database.db
        .selectFrom('recovery_codes')
        .select('code_hash')
        .where('used_at', 'is', null)
        .execute();
      expect(unused).toHaveLength(9);
    });

    it('need the password, and 2-step on', async () => {
      expectError(
        await t.post(REPLACE, { password: PASSWORD }, bearer()),
        409,
        'two_factor_not_enabled',
      );
      await enrol();
      expectError(
        await t.post(REPLACE, { password: 'Not-The-Password-1' }, bearer()),
        401,
        'wrong_password',
      );
    });

    it('count a wrong password toward the same lockout as sign-in', async () => {
      await enrol();
      for (let i = 0; i < 4; i++) {
        expectError(
          await t.post(REPLACE, { password: 'Not-The-Password-1' }, bearer()),
          401,
          'wrong_password',
        );
      }
      expectError(
        await t.post(SIGN_IN, { phone: PHONE, password: 'Not-The-Password-1' }),
        423,
        'account_locked',
      );
      expectError(await t.post(REPLACE, { password: PASSWORD }, bearer()), 423, 'account_locked');
    });
  });

  describe('security history', () => {
    /** The services as the app builds them, reporting to `events`. */
    const services = (events: SecurityLog) => {
      const twoFactor = new TwoFactorService(t.testDb.database.db, t.clock, { events });
      const auth = new AuthService(
        t.testDb.database.db,
        t.clock,
        new AccessTokens(TEST_TOKEN_SECRET),
        DEFAULT_LOCKOUT_POLICY,
        DEFAULT_SESSION_POLICY,
        undefined,
        twoFactor,
        events,
      );
      return { twoFactor, auth };
    };

    const DEVICE: DeviceInfo = {
      id: '0b7a2b9e-4c3d-4e1f-8a6b-2d9c8e7f6a5b',
      name: 'Kitchen laptop',
      appVersion: '2.0.1',
    };

    it('reports sign-ins, failures, the lock and 2-step changes to the security log', async () => {
      const calls: [string, string, ClientInfo][] = [];
      const events: SecurityLog = {
        signedIn: async (id, client) => {
          calls.push(['signed_in', id, client]);
          return { newDevice: false };
        },
        record: async (id, kind, client) => {
          calls.push([kind, id, client]);
        },
      };
      const db = t.testDb.database.db;
      const { twoFactor, auth } = services(events);
      const { id } = await db
        .selectFrom('subscribers')
        .select('id')
        .where('phone', '=', PHONE)
        .executeTakeFirstOrThrow();
      const client: ClientInfo = {
        ip: '203.0.113.7',
        userAgent: 'Airtime-Desktop/2.0.1',
        device: DEVICE,
      };
      const fails = (promise: Promise<unknown>) =>
        promise.then(
          () => {
            throw new Error('expected a refusal');
          },
          (error: unknown) => {
            if (!(error instanceof ApiHttpError)) throw error;
            return error;
          },
        );

      // Unknown numbers leave no history.
      await fails(auth.signIn('+12065550199', 'Not-The-Password-1', client));
      expect(calls).toEqual([]);

      await fails(auth.signIn(PHONE, 'Not-The-Password-1', client));
      await auth.signIn(PHONE, PASSWORD, client);

      const enrolled = await twoFactor.enrol(id);
      if (enrolled.method !== 'totp') throw new Error('expected totp');
      await twoFactor.confirm(id, await totp(enrolled.secret), client);
      t.clock.advance(30_000);

      const required = await fails(auth.signIn(PHONE, PASSWORD, client));
      const ch = required.extra.secondFactor!.challenge;
      await fails(auth.secondFactor(ch, (await totp(enrolled.secret, 3600)) as string, client));
      await auth.secondFactor(ch, await totp(enrolled.secret), client);

      await twoFactor.replaceRecoveryCodes(id, PASSWORD, client);
      await twoFactor.disable(id, PASSWORD, client);
      // A wrong password for these is a guess like one at sign-in, and counts toward its lock.
      await fails(twoFactor.disable(id, 'Not-The-Password-1', client));

      for (let i = 0; i < 4; i++) await fails(auth.signIn(PHONE, 'Not-The-Password-1', client));

      expect(calls.map(([kind, who]) => [kind, who])).toEqual([
        ['wrong_password', id],
        ['signed_in', id],
        ['two_factor_enabled', id],
        ['second_factor_failed', id],
        ['signed_in', id],
        ['recovery_codes_replaced', id],
        ['two_factor_disabled', id],
        ['wrong_password', id],
        ['wrong_password', id],
        ['wrong_password', id],
        ['wrong_password', id],
        ['locked', id],
      ]);
      for (const [, , seen] of calls) expect(seen).toEqual(client);
    });

    it('a wrong code that locks the account is recorded as the lock', async () => {
      const kinds: string[] = [];
      const events: SecurityLog = {
        signedIn: async () => ({ newDevice: false }),
        record: async (_id, kind) => {
          kinds.push(kind);
        },
      };
      const { auth } = services(events);
      const { secret } = await enrol();
      const wrong = (await totp(secret, 3600)) as string;
      const ch = await challenge();
      for (let i = 0; i < 5; i++) {
        await auth.secondFactor(ch, wrong).catch((error: unknown) => {
          if (!(error instanceof ApiHttpError)) throw error;
        });
      }
      expect(kinds).toEqual([
        'second_factor_failed',
        'second_factor_failed',
        'second_factor_failed',
        'second_factor_failed',
        'locked',
      ]);
    });
  });
});
