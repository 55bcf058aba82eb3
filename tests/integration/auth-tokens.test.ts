import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefreshResponse, SignInResponse } from '../../contract/http/auth';
import { DAY_MS, MINUTE_MS } from '../../server/src/clock';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

const SECOND_MS = 1_000;
const PHONE = '+12065550111';
const PASSWORD = 'Correct-Horse-Battery-9';

describeWithDb(`tokens (${dbKind})`, () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
  });
  afterEach(async () => t?.close());

  async function signIn(): Promise<SignInResponse> {
    const res = await t.post('/v1/auth/sign-in', { phone: PHONE, password: PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    return SignInResponse.parse(res.json());
  }

  const refresh = (refreshToken: string) => t.post('/v1/auth/refresh', { refreshToken });
  const signOut = (refreshToken: string) => t.post('/v1/auth/sign-out', { refreshToken });

  async function refreshOk(refreshToken: string): Promise<RefreshResponse> {
    const res = await refresh(refreshToken);
    expect(res.statusCode, res.body).toBe(200);
    return RefreshResponse.parse(res.json());
  }

  /** Whether an access token still opens the account. */
  async function accountStatus(accessToken: string): Promise<number> {
    return (await t.get('/v1/account/plan', accessToken)).statusCode;
  }

  describe('refresh', () => {
    it('returns a new token pair that works, for the same subscriber', async () => {
      const first = await signIn();
      t.clock.advance(MINUTE_MS);
      const res = await refresh(first.refreshToken);
      expect(res.statusCode, res.body).toBe(200);
      const next = RefreshResponse.parse(res.json());
      expect(next).toEqual(res.json());
      expect(next.refreshToken).not.toBe(first.refreshToken);
      expect(next.accessToken).not.toBe(first.accessToken);
      expect(next.tokenType).toBe('Bearer');
      expect(next.expiresIn).toBe(600);
      expect(next.subscriber).toEqual(first.subscriber);
      expect(await accountStatus(next.accessToken)).toBe(200);
      // And the new refresh token can itself be rotated.
      await refreshOk(next.refreshToken);
    });

    it('rejects an unknown, well-formed refresh token', async () => {
      expectError(await refresh('A'.repeat(43)), 401, 'invalid_refresh_token');
    });

    it('treats a used refresh token as stolen: 401 refresh_token_reused and the whole session ends', async () => {
      const first = await signIn();
      t.clock.advance(MINUTE_MS);
      const second = await refreshOk(first.refreshToken);
      t.clock.advance(MINUTE_MS);
      const third = await refreshOk(second.refreshToken);
      expect(await accountStatus(third.accessToken)).toBe(200);

      expectError(await refresh(first.refreshToken), 401, 'refresh_token_reused');

      // The newest refresh token of that family is dead...
      expectError(await refresh(third.refreshToken), 401, 'invalid_refresh_token');
      // ...and so is every access token issued to the session, though none has expired yet.
      for (const accessToken of [first.accessToken, second.accessToken, third.accessToken]) {
        expectError(await t.get('/v1/account/summary', accessToken), 401, 'unauthorized');
      }
    });

    it('presenting the used token right after rotation revokes the pair just issued', async () => {
      const first = await signIn();
      const second = await refreshOk(first.refreshToken);
      expectError(await refresh(first.refreshToken), 401, 'refresh_token_reused');
      expectError(await refresh(second.refreshToken), 401, 'invalid_refresh_token');
      expectError(await t.get('/v1/account/plan', second.accessToken), 401, 'unauthorized');
    });

    it('a reuse ends only that session, not the subscriber’s other sessions', async () => {
      const stolen = await signIn();
      const laptop = await signIn();
      await refreshOk(stolen.refreshToken);
      expectError(await refresh(stolen.refreshToken), 401, 'refresh_token_reused');
      expect(await accountStatus(laptop.accessToken)).toBe(200);
      const rotated = await refreshOk(laptop.refreshToken);
      expect(await accountStatus(rotated.accessToken)).toBe(200);
    });

    it('two simultaneous refreshes with one token: at most one gets a new pair', async () => {
      const first = await signIn();
      const [a, b] = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
      const statuses = [a.statusCode, b.statusCode].sort();
      expect(statuses).toEqual([200, 401]);
      const loser = a.statusCode === 401 ? a : b;
      expectError(loser, 401, 'refresh_token_reused');
    });
  });

  describe('refresh token and session expiry', () => {
    it('a refresh token unused for 15 days expires', async () => {
      const first = await signIn();
      t.clock.advance(15 * DAY_MS);
      expectError(await refresh(first.refreshToken), 401, 'invalid_refresh_token');
    });

    it('a refresh token used just before 15 days works, and its successor gets a fresh 15 days', async () => {
      const first = await signIn();
      t.clock.advance(15 * DAY_MS - MINUTE_MS);
      const second = await refreshOk(first.refreshToken);
      t.clock.advance(15 * DAY_MS - MINUTE_MS);
      const third = await refreshOk(second.refreshToken);
      expect(await accountStatus(third.accessToken)).toBe(200);
      t.clock.advance(15 * DAY_MS);
      expectError(await refresh(third.refreshToken), 401, 'invalid_refresh_token');
    });

    it('a session ends 30 days after sign-in however often it is refreshed', async () => {
      let current: SignInResponse = await signIn();
      // Refresh every 5 days up to day 25, then just before day 30.
      for (let day = 5; day <= 25; day += 5) {
        t.clock.advance(5 * DAY_MS);
        current = await refreshOk(current.refreshToken);
      }
      t.clock.advance(5 * DAY_MS - 2 * MINUTE_MS);
      current = await refreshOk(current.refreshToken);
      expect(await accountStatus(current.accessToken)).toBe(200);

      t.clock.advance(2 * MINUTE_MS);
      // The access token is less than 10 minutes old, but its session is over.
      expectError(await t.get('/v1/account/plan', current.accessToken), 401, 'unauthorized');
      expectError(await refresh(current.refreshToken), 401, 'invalid_refresh_token');

      // Signing in again starts a new session.
      const again = await signIn();
      expect(await accountStatus(again.accessToken)).toBe(200);
    });
  });

  describe('access token expiry', () => {
    it('expires 10 minutes after it is issued with token_expired, and a refresh gives a working one', async () => {
      const session = await signIn();
      t.clock.advance(10 * MINUTE_MS - SECOND_MS);
      expect(await accountStatus(session.accessToken)).toBe(200);
      t.clock.advance(SECOND_MS);
      for (const route of ['/v1/account/summary', '/v1/account/plan', '/v1/account/payments']) {
        expectError(await t.get(route, session.accessToken), 401, 'token_expired');
      }
      const next = await refreshOk(session.refreshToken);
      expect(await accountStatus(next.accessToken)).toBe(200);
    });
  });

  describe('sign-out', () => {
    it('returns 204 and ends that session: its refresh and access tokens stop working', async () => {
      const session = await signIn();
      const res = await signOut(session.refreshToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectError(await refresh(session.refreshToken), 401, 'invalid_refresh_token');
      expectError(await t.get('/v1/account/summary', session.accessToken), 401, 'unauthorized');
    });

    it('ends a refreshed session too, including the access tokens issued before the refresh', async () => {
      const first = await signIn();
      t.clock.advance(MINUTE_MS);
      const second = await refreshOk(first.refreshToken);
      expect((await signOut(second.refreshToken)).statusCode).toBe(204);
      expectError(await t.get('/v1/account/plan', first.accessToken), 401, 'unauthorized');
      expectError(await t.get('/v1/account/plan', second.accessToken), 401, 'unauthorized');
      expectError(await refresh(second.refreshToken), 401, 'invalid_refresh_token');
    });

    it('leaves the subscriber’s other sessions signed in', async () => {
      const phone = await signIn();
      const laptop = await signIn();
      expect((await signOut(phone.refreshToken)).statusCode).toBe(204);
      expect(await accountStatus(laptop.accessToken)).toBe(200);
      const rotated = await refreshOk(laptop.refreshToken);
      expect(await accountStatus(rotated.accessToken)).toBe(200);
    });

    it('answers 204 for an unknown well-formed token and for signing out twice', async () => {
      const unknown = await signOut('Z'.repeat(43));
      expect(unknown.statusCode).toBe(204);
      expect(unknown.body).toBe('');
      const session = await signIn();
      expect((await signOut(session.refreshToken)).statusCode).toBe(204);
      expect((await signOut(session.refreshToken)).statusCode).toBe(204);
    });
  });

  describe('malformed refresh tokens', () => {
    const malformed: [string, unknown][] = [
      ['too short', 'abc'],
      ['too long', 'A'.repeat(44)],
      ['not base64url', '+'.repeat(43)],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
      ['empty', ''],
      ['a number', 42],
      ['null', null],
    ];

    for (const route of ['/v1/auth/refresh', '/v1/auth/sign-out']) {
      it.each(malformed)(
        `${route} with a refresh token that is %s is a 400 on body.refreshToken`,
        async (_label, token) => {
          const error = expectError(
            await t.post(route, { refreshToken: token }),
            400,
            'invalid_request',
          );
          expect(error.issues?.map((i) => i.path)).toContain('body.refreshToken');
        },
      );

      it(`${route} without a refresh token, or with extra fields, is a 400`, async () => {
        const missing = expectError(await t.post(route, {}), 400, 'invalid_request');
        expect(missing.issues?.map((i) => i.path)).toContain('body.refreshToken');
        expectError(
          await t.post(route, { refreshToken: 'A'.repeat(43), all: true }),
          400,
          'invalid_request',
        );
      });
    }

    it('a malformed token does not end a session', async () => {
      const session = await signIn();
      expect((await signOut(session.refreshToken.slice(0, 42))).statusCode).toBe(400);
      expect(await accountStatus(session.accessToken)).toBe(200);
      await refreshOk(session.refreshToken);
    });
  });
});
