import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { DeviceCookie, SignInResponse, type SignInRequest } from '../../contract/http/auth';
import { TwoFactorConfirmResponse, TwoFactorEnrolResponse } from '../../contract/http/two-factor';
import {
  DEFAULT_LOCKOUT_POLICY,
  DEFAULT_SIGN_IN_BUDGETS,
} from '../../server/src/auth/lockout-policy';
import { CaptchaChallenge } from '../../contract/errors';
import { solveCaptcha } from './support/captcha';
import { burst, fleetOf, postJson, statusCounts, type Fleet } from './support/burst';
import { expectError } from './support/expect-error';
import { sessionCount, signInLockoutOf } from './support/lockout';
import { createTestApp, type TestApp, type TestAppOptions } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

const SIGN_IN = '/v1/auth/sign-in';
const PHONE = '+12065550100';
const OTHER_PHONE = '+12065550101';
const UNKNOWN_PHONE = '+12065550199';
const PASSWORD = 'Correct-Horse-Battery-9';
const WRONG = 'Not-The-Password-1';
const LOCK_SECONDS = DEFAULT_LOCKOUT_POLICY.baseLockMs / 1000;
const PER_CLIENT = DEFAULT_LOCKOUT_POLICY.maxFailures;
const UNTRUSTED = DEFAULT_SIGN_IN_BUDGETS.untrustedFailures;
const PER_COOKIE = DEFAULT_SIGN_IN_BUDGETS.deviceFailures;

/** A client address; each is a different client to the API. */
const address = (n: number) => `198.51.100.${n}`;
/** The subscriber's own computer. */
const HOME = '203.0.113.7';

describeWithDb(`device cookies and sign-in budgets (${dbKind})`, () => {
  let t: TestApp;
  let subscriberId: string;

  async function start(options: TestAppOptions = {}) {
    t = await createTestApp({ pruneIntervalMs: 0, ...options });
    ({ id: subscriberId } = await t.addSubscriber({ phone: PHONE, password: PASSWORD }));
  }
  afterEach(async () => t?.close());

  const db = () => t.testDb.database.db;

  /** A sign-in request from `from`, with a fresh captcha (due once failures pile up). */
  async function signInRequest(
    from: string,
    body: Partial<SignInRequest> & { password: string },
  ): Promise<InjectOptions> {
    return {
      ...postJson(SIGN_IN, { phone: PHONE, captcha: await t.captcha(), ...body }),
      remoteAddress: from,
    };
  }
  /**
   * Signs in from `from`. When the number's failures ask for more work than the captcha carried
   * (a fresh client, a number many have guessed at), the API answers with a harder challenge,
   * which is solved and the request sent again, as the app does.
   */
  async function signIn(
    from: string,
    body: Partial<SignInRequest> & { password: string },
  ): Promise<LightMyRequestResponse> {
    const request = await signInRequest(from, body);
    const res = await t.app.inject(request);
    const asked =
      res.statusCode === 400 || res.statusCode === 428
        ? (res.json() as { error?: { captcha?: unknown } }).error?.captcha
        : undefined;
    if (!asked) return res;
    const captcha = await solveCaptcha(CaptchaChallenge.parse(asked));
    return t.app.inject({ ...request, payload: { ...(request.payload as object), captcha } });
  }

  /** Signs in at home and returns the device cookie the API issued. */
  async function cookieAtHome(): Promise<string> {
    const res = await signIn(HOME, { password: PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    const cookie = SignInResponse.parse(res.json()).deviceCookie;
    expect(DeviceCookie.safeParse(cookie).success).toBe(true);
    return cookie!;
  }

  /** Each of `clients` addresses types `each` wrong passwords at `phone`; returns the statuses. */
  async function strangers(clients: number, each: number, phone = PHONE): Promise<number[]> {
    const statuses: number[] = [];
    for (let c = 1; c <= clients; c++) {
      for (let i = 0; i < each; i++) {
        statuses.push((await signIn(address(c), { phone, password: WRONG })).statusCode);
      }
    }
    return statuses;
  }

  describe('the cookie', () => {
    beforeEach(async () => start());

    it('comes with every sign-in, bound to the account; the next sign-in replaces it', async () => {
      const first = await cookieAtHome();
      const again = await signIn(HOME, { password: PASSWORD, deviceCookie: first });
      expect(again.statusCode).toBe(200);
      const second = SignInResponse.parse(again.json()).deviceCookie!;
      expect(second).not.toBe(first);
      // One row per computer: the cookie sent was replaced by the new one.
      const rows = await db()
        .selectFrom('device_cookies')
        .select('subscriber_id')
        .where('subscriber_id', '=', subscriberId)
        .execute();
      expect(rows).toHaveLength(1);
      // Never with a refresh.
      const refreshed = await t.post('/v1/auth/refresh', {
        refreshToken: SignInResponse.parse(again.json()).refreshToken,
      });
      expect(refreshed.statusCode).toBe(200);
      expect(SignInResponse.parse(refreshed.json()).deviceCookie).toBeUndefined();
    });

    it('keeps the subscriber signing in while strangers have locked the number', async () => {
      const cookie = await cookieAtHome();
      // Five strangers, five wrong passwords each: each is locked out after its fifth, and the
      // twentieth of them all locks the number for every client without a cookie.
      const statuses = await strangers(UNTRUSTED / PER_CLIENT + 1, PER_CLIENT);
      const told = statuses.filter((s) => s === 401).length;
      expect(told).toBe((UNTRUSTED / PER_CLIENT) * (PER_CLIENT - 1));
      expect(statuses.length - told).toBe(UNTRUSTED / PER_CLIENT + PER_CLIENT);
      // A new client, even with the right password, is refused: the number is locked…
      const fresh = await signIn(address(99), { password: PASSWORD });
      expect(expectError(fresh, 423, 'account_locked').retryAfterSeconds).toBe(LOCK_SECONDS);
      // …but not for the computer the subscriber signed in on before.
      const home = await signIn(HOME, { password: PASSWORD, deviceCookie: cookie });
      expect(home.statusCode, home.body).toBe(200);
      expect(await sessionCount(db())).toBe(2);
    });

    it('has its own budget: five wrong tries spend it, then it earns nothing', async () => {
      const cookie = await cookieAtHome();
      // Its own five wrong tries are told so, never locked: a lock would be everyone's.
      for (let i = 0; i < PER_COOKIE; i++) {
        expectError(
          await signIn(HOME, { password: WRONG, deviceCookie: cookie }),
          401,
          'invalid_credentials',
        );
      }
      const row = await db()
        .selectFrom('device_cookies')
        .select(['failures', 'untrusted_at'])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ failures: PER_COOKIE, untrusted_at: t.clock.now() });
      // Spent, its holder is an untrusted client like any other: locked out with the number.
      await strangers(UNTRUSTED / PER_CLIENT, PER_CLIENT);
      expectError(
        await signIn(HOME, { password: PASSWORD, deviceCookie: cookie }),
        423,
        'account_locked',
      );
    });

    it('a right password starts its count again', async () => {
      const cookie = await cookieAtHome();
      for (let i = 0; i < PER_COOKIE - 1; i++) {
        await signIn(HOME, { password: WRONG, deviceCookie: cookie });
      }
      const ok = await signIn(HOME, { password: PASSWORD, deviceCookie: cookie });
      expect(ok.statusCode).toBe(200);
      const next = SignInResponse.parse(ok.json()).deviceCookie!;
      for (let i = 0; i < PER_COOKIE - 1; i++) {
        await signIn(HOME, { password: WRONG, deviceCookie: next });
      }
      expect((await signIn(HOME, { password: PASSWORD, deviceCookie: next })).statusCode).toBe(200);
    });

    it('is worth nothing at another account, forged, or tampered with', async () => {
      const cookie = await cookieAtHome();
      await t.addSubscriber({ phone: OTHER_PHONE, password: PASSWORD });
      await strangers(UNTRUSTED / PER_CLIENT, PER_CLIENT, OTHER_PHONE);
      await strangers(UNTRUSTED / PER_CLIENT, PER_CLIENT, PHONE);
      const [nonce, signature] = cookie.split('.') as [string, string];
      const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
      const attempts: Array<[string, string]> = [
        [OTHER_PHONE, cookie],
        [PHONE, `${nonce}.${flipped}`],
        [PHONE, `${'A'.repeat(43)}.${signature}`],
      ];
      for (const [phone, deviceCookie] of attempts) {
        expectError(
          await signIn(HOME, { phone, password: PASSWORD, deviceCookie }),
          423,
          'account_locked',
        );
      }
      // A malformed one is refused as such.
      expectError(
        await signIn(HOME, { password: PASSWORD, deviceCookie: 'not-a-cookie' }),
        400,
        'invalid_request',
      );
    });

    it('lets the subscriber finish 2-step on its budget while strangers hold the number', async () => {
      const cookie = await cookieAtHome();
      const session = SignInResponse.parse(
        (await signIn(HOME, { password: PASSWORD, deviceCookie: cookie })).json(),
      );
      const bearer = { authorization: `Bearer ${session.accessToken}` };
      const enrolled = TwoFactorEnrolResponse.parse(
        (await t.post('/v1/account/two-factor/enrol', {}, bearer)).json(),
      );
      if (enrolled.method !== 'totp') throw new Error('expected totp');
      const totp = (offset = 0) =>
        generate({ secret: enrolled.secret, epoch: Math.floor(t.clock.now() / 1000) + offset });
      const confirmed = await t.post(
        '/v1/account/two-factor/confirm',
        { code: await totp() },
        bearer,
      );
      TwoFactorConfirmResponse.parse(confirmed.json());
      t.clock.advance(30_000);
      const latest = session.deviceCookie!;

      await strangers(UNTRUSTED / PER_CLIENT, PER_CLIENT);
      const step = await signIn(HOME, { password: PASSWORD, deviceCookie: latest });
      const challenge = expectError(step, 401, 'second_factor_required').secondFactor!.challenge;
      // A wrong code spends the cookie's budget, not a lock.
      expectError(
        await t.app.inject({
          ...postJson('/v1/auth/second-factor', { challenge, code: await totp(3600) }),
          remoteAddress: HOME,
        }),
        401,
        'invalid_code',
      );
      const done = await t.app.inject({
        ...postJson('/v1/auth/second-factor', { challenge, code: await totp() }),
        remoteAddress: HOME,
      });
      expect(done.statusCode, done.body).toBe(200);
      expect(DeviceCookie.safeParse(SignInResponse.parse(done.json()).deviceCookie).success).toBe(
        true,
      );
    });
  });

  describe('clients without a cookie', () => {
    beforeEach(async () => start());

    it('five wrong tries lock that client out of that number, and no other client', async () => {
      const statuses = await strangers(1, PER_CLIENT + 1);
      expect(statuses).toEqual([401, 401, 401, 401, 423, 423]);
      // Another address is a new client: the subscriber on it signs in.
      expect((await signIn(address(2), { password: PASSWORD })).statusCode).toBe(200);
      // The locked client is locked at this number only.
      await t.addSubscriber({ phone: OTHER_PHONE, password: PASSWORD });
      expect(
        (await signIn(address(1), { phone: OTHER_PHONE, password: PASSWORD })).statusCode,
      ).toBe(200);
    });

    it('a number without an account answers every try exactly as one with', async () => {
      const answers = async (phone: string) => {
        const out: Array<[number, string, unknown]> = [];
        for (let c = 1; c <= UNTRUSTED / PER_CLIENT + 1; c++) {
          for (let i = 0; i < PER_CLIENT; i++) {
            const res = await signIn(address(c), { phone, password: WRONG });
            out.push([res.statusCode, res.body, res.headers['retry-after']]);
          }
        }
        return out;
      };
      const unknown = await answers(UNKNOWN_PHONE);
      const known = await answers(PHONE);
      expect(unknown).toEqual(known);
      expect(new Set(unknown.map(([status]) => status))).toEqual(new Set([401, 423]));
      // …the right password included, once the number is locked.
      const right = await signIn(address(99), { password: PASSWORD });
      const none = await signIn(address(99), { phone: UNKNOWN_PHONE, password: PASSWORD });
      expect([none.statusCode, none.body, none.headers['retry-after']]).toEqual([
        right.statusCode,
        right.body,
        right.headers['retry-after'],
      ]);
    });

    it('the lock ends on time, and an operator or a password reset lifts it', async () => {
      await strangers(UNTRUSTED / PER_CLIENT, PER_CLIENT);
      expectError(await signIn(address(99), { password: PASSWORD }), 423, 'account_locked');
      t.clock.advance(DEFAULT_LOCKOUT_POLICY.baseLockMs);
      expect((await signIn(address(99), { password: PASSWORD })).statusCode).toBe(200);

      await strangers(UNTRUSTED / PER_CLIENT, PER_CLIENT);
      const listed = (await t.admin.list()).find((s) => s.phone === PHONE)!;
      expect(listed.lockedUntil).toBeGreaterThan(t.clock.now());
      await t.admin.unlock(PHONE);
      expect((await signIn(address(1), { password: PASSWORD })).statusCode).toBe(200);
    });
  });

  describe('configured budgets', () => {
    it('follow the operator’s numbers', async () => {
      await start({
        lockout: { ...DEFAULT_LOCKOUT_POLICY, maxFailures: 2 },
        signInBudgets: { untrustedFailures: 4, deviceFailures: 1 },
      });
      const cookie = await cookieAtHome();
      expect(await strangers(1, 3)).toEqual([401, 423, 423]);
      expect(await strangers(2, 2).then((s) => s.slice(2))).toEqual([401, 423]);
      expectError(await signIn(address(99), { password: PASSWORD }), 423, 'account_locked');
      // The OpenAPI document publishes this server's numbers.
      const doc = (await t.get('/v1/openapi.json')).json() as {
        paths: Record<string, { post?: { description?: string } }>;
      };
      const published = doc.paths['/v1/auth/sign-in']!.post!.description!;
      expect(published).toContain('its own budget of 1 wrong tries in a row');
      expect(published).toContain('2 wrong tries within 60 minutes lock that client');
      expect(published).toContain('and 4 from all of them together lock the number');
      expect(published).toContain('A lock lasts 15 minutes');
      // One wrong try spends this cookie.
      await signIn(HOME, { password: WRONG, deviceCookie: cookie });
      expectError(
        await signIn(HOME, { password: PASSWORD, deviceCookie: cookie }),
        423,
        'account_locked',
      );
    });
  });

  describe('bursts', () => {
    let fleet: Fleet;
    beforeEach(async () => {
      await start();
      fleet = await fleetOf(t, { pruneIntervalMs: 0 });
    });
    afterEach(async () => fleet?.close());

    it('40 tries at once with one cookie, the right one last: no sign-in once both budgets are spent', async () => {
      const cookie = await cookieAtHome();
      const before = await sessionCount(db());
      const requests: InjectOptions[] = [];
      for (let i = 0; i < 40; i++) {
        requests.push(
          await signInRequest(HOME, {
            password: i === 39 ? PASSWORD : WRONG,
            deviceCookie: cookie,
          }),
        );
      }
      const responses = await burst(fleet, requests);
      const counts = statusCounts(responses);
      const signedIn = counts[200] ?? 0;
      const told = counts[401] ?? 0;
      // Each try is decided when its argon2 work ends, in whatever order the two instances
      // finish them, so the right password written last is not always decided last.
      expect(await sessionCount(db())).toBe(before + signedIn);
      if (signedIn) {
        // Decided while a budget was left: it started that budget's count again, so more wrong
        // ones were told so before the lock, but never more than both budgets hold twice over.
        expect(responses[39]!.statusCode).toBe(200);
        expect(told).toBeGreaterThanOrEqual(PER_COOKIE + PER_CLIENT - 1);
        expect(told).toBeLessThanOrEqual(2 * (PER_COOKIE + PER_CLIENT - 1));
      } else {
        // Five on the cookie, then five on its client, which locks it out; every try decided
        // after that, the right one included, is refused.
        expect(counts).toEqual({ 401: PER_COOKIE + PER_CLIENT - 1, 423: 40 - 9 });
        expectError(responses[39]!, 423, 'account_locked');
      }
      expect(counts[401]! + (counts[423] ?? 0) + signedIn).toBe(40);
      // Either way the cookie's budget ends spent and the client locked out.
      const row = await db()
        .selectFrom('device_cookies')
        .select(['failures', 'untrusted_at'])
        .executeTakeFirstOrThrow();
      expect(row.failures).toBe(PER_COOKIE);
      expect(row.untrusted_at).not.toBeNull();
      const client = await signInLockoutOf(db(), PHONE);
      expect(client.locked_until).toBeGreaterThan(t.clock.now());
    });

    it('40 strangers at once lock the number after exactly 20, and the cookie still signs in', async () => {
      const cookie = await cookieAtHome();
      const requests: InjectOptions[] = [];
      for (let i = 0; i < 40; i++) {
        requests.push(await signInRequest(address(i + 1), { password: WRONG }));
      }
      const responses = await burst(fleet, requests);
      expect(statusCounts(responses)).toEqual({ 401: UNTRUSTED - 1, 423: 40 - UNTRUSTED + 1 });
      const home = await signIn(HOME, { password: PASSWORD, deviceCookie: cookie });
      expect(home.statusCode, home.body).toBe(200);
    });
  });
});
