import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { SignInResponse, type DeviceInfo } from '../../contract/http/auth';
import {
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionList,
  SignOutOthersResponse,
  type SecurityEvent,
} from '../../contract/http/security';
import { DAY_MS, MINUTE_MS } from '../../server/src/clock';
import { SmtpSender } from '../../server/src/delivery';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { startMailReceiver, type MailReceiver } from './support/receivers';
import { readMail } from './support/mail-text';

const SIGN_IN = '/v1/auth/sign-in';
const REFRESH = '/v1/auth/refresh';
const SECURITY = '/v1/account/security';
const PASSWORD_ROUTE = '/v1/account/password';
const CONTACT = '/v1/account/contact';
const SESSIONS = '/v1/account/sessions';
const SIGN_OUT_OTHERS = '/v1/account/sessions/sign-out-others';
const EVENTS = '/v1/account/security-events';

const PHONE = '+12065550100';
const EMAIL = 'pat@example.com';
const PASSWORD = 'Correct-Horse-Battery-9';
const NEW_PASSWORD = 'Lighthouse-Pelican-Drift-71';

const LAPTOP: DeviceInfo = { id: randomUUID(), name: "Pat's laptop", appVersion: '1.2.0' };
const DESKTOP: DeviceInfo = { id: randomUUID(), name: 'Front desk PC', appVersion: '1.1.0' };

const signOutUrl = (id: string) => `/v1/account/sessions/${id}/sign-out`;

/** The session id an access token names (its `sid` claim). */
function sessionIdOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
  return (payload as { sid: string }).sid;
}

describeWithDb(`security center (${dbKind})`, () => {
  let mail: MailReceiver;
  let t: TestApp;

  beforeAll(async () => {
    mail = await startMailReceiver();
  });
  afterAll(async () => mail?.close());

  beforeEach(async () => {
    mail.messages.length = 0;
    mail.refuse = false;
    t = await createTestApp({
      delivery: {
        email: new SmtpSender(mail.url, 'Airtime <security@airtime.test>', 5_000),
        sms: null,
      },
    });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD, name: 'Pat Lee', email: EMAIL });
  });
  afterEach(async () => t?.close());

  const db = () => t.testDb.database.db;
  const subscriberId = async (phone = PHONE) =>
    (
      await db()
        .selectFrom('subscribers')
        .select('id')
        .where('phone', '=', phone)
        .executeTakeFirstOrThrow()
    ).id;

  async function signIn(
    options: {
      device?: DeviceInfo;
      userAgent?: string;
      ip?: string;
      password?: string;
      phone?: string;
    } = {},
  ): Promise<SignInResponse> {
    const res = await signInRaw(options);
    expect(res.statusCode, res.body).toBe(200);
    return SignInResponse.parse(res.json());
  }

  function signInRaw(
    options: {
      device?: DeviceInfo;
      userAgent?: string;
      ip?: string;
      password?: string;
      phone?: string;
    } = {},
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'POST',
      url: SIGN_IN,
      payload: {
        phone: options.phone ?? PHONE,
        password: options.password ?? PASSWORD,
        ...(options.device ? { device: options.device } : {}),
      },
      headers: {
        'content-type': 'application/json',
        'user-agent': options.userAgent ?? 'Airtime-Desktop/1.2.0',
      },
      remoteAddress: options.ip ?? '203.0.113.7',
    });
  }

  /** A bearer POST from the address the default sign-in came from. */
  const post = (url: string, token: string, body: unknown = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: body as never,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      remoteAddress: '203.0.113.7',
    });
  const refresh = (refreshToken: string) => t.post(REFRESH, { refreshToken });

  async function overview(token: string): Promise<SecurityOverview> {
    const res = await t.get(SECURITY, token);
    expect(res.statusCode, res.body).toBe(200);
    return SecurityOverview.parse(res.json());
  }

  async function history(token: string): Promise<SecurityEvent[]> {
    const res = await t.get(`${EVENTS}?limit=100`, token);
    expect(res.statusCode, res.body).toBe(200);
    return SecurityEventList.parse(res.json()).items;
  }

  async function addTrustedDevice(
    id: string,
    token: string,
    { expiresAt, revokedAt = null }: { expiresAt: number; revokedAt?: number | null },
  ): Promise<void> {
    const now = t.clock.now();
    await db()
      .insertInto('trusted_devices')
      .values({
        token_hash: token,
        subscriber_id: id,
        device_id: null,
        device_name: 'A laptop',
        created_at: now,
        expires_at: expiresAt,
        last_used_at: now,
        revoked_at: revokedAt,
      })
      .execute();
  }

  describe('GET /v1/account/security', () => {
    it('needs a bearer token', async () => {
      expectError(await t.get(SECURITY), 401, 'unauthorized');
    });

    it('shows a fresh account: 2-step off, no contact number, no password date, nothing remembered', async () => {
      const { accessToken } = await signIn();
      expect(await overview(accessToken)).toEqual({
        twoFactor: { enabled: false, method: null, recoveryCodesLeft: 0 },
        phone: PHONE,
        email: EMAIL,
        contactPhone: null,
        passwordChangedAt: null,
        rememberedDevices: 0,
      });
    });

    it('counts unused recovery codes and only remembered computers that are still valid', async () => {
      // Signed in first: with 2-step on, signing in would need a second step.
      const { accessToken } = await signIn();
      const id = await subscriberId();
      const now = t.clock.now();
      await db()
        .insertInto('two_factor')
        .values({
          subscriber_id: id,
          secret: 'JBSWY3DPEHPK3PXP',
          created_at: now,
          enabled_at: now,
          last_time_step: null,
          method: 'sms',
        })
        .execute();
      await db()
        .insertInto('recovery_codes')
        .values(
          ['a', 'b', 'c', 'd'].map((c, i) => ({
            code_hash: `hash-${c}`,
            subscriber_id: id,
            created_at: now,
            used_at: i === 0 ? now : null,
          })),
        )
        .execute();
      await addTrustedDevice(id, 'live', { expiresAt: now + 30 * DAY_MS });
      await addTrustedDevice(id, 'expired', { expiresAt: now - 1 });
      await addTrustedDevice(id, 'revoked', { expiresAt: now + DAY_MS, revokedAt: now });
      await db()
        .updateTable('subscribers')
        .set({ contact_phone: '+12065550123', password_changed_at: now - DAY_MS })
        .where('id', '=', id)
        .execute();

      expect(await overview(accessToken)).toEqual({
        twoFactor: { enabled: true, method: 'sms', recoveryCodesLeft: 3 },
        phone: PHONE,
        email: EMAIL,
        contactPhone: '+12065550123',
        passwordChangedAt: new Date(now - DAY_MS).toISOString(),
        rememberedDevices: 1,
      });
    });

    it('reads 2-step as off (and no codes) while enrolment is unfinished', async () => {
      const { accessToken } = await signIn();
      const id = await subscriberId();
      await db()
        .insertInto('two_factor')
        .values({
          subscriber_id: id,
          secret: 'JBSWY3DPEHPK3PXP',
          created_at: t.clock.now(),
          enabled_at: null,
          last_time_step: null,
        })
        .execute();
      expect((await overview(accessToken)).twoFactor).toEqual({
        enabled: false,
        method: null,
        recoveryCodesLeft: 0,
      });
    });
  });

  describe('POST /v1/account/password', () => {
    it('refuses a wrong current password with 401 wrong_password and records it', async () => {
      const { accessToken } = await signIn({ device: LAPTOP });
      const error = expectError(
        await post(PASSWORD_ROUTE, accessToken, {
          currentPassword: 'Not-My-Password-1',
          newPassword: NEW_PASSWORD,
        }),
        401,
        'wrong_password',
      );
      expect(error.message).toMatch(/current password/);
      // The session itself is untouched: a wrong password here is not a failed sign-in.
      expect((await t.get(SECURITY, accessToken)).statusCode).toBe(200);
      const events = await history(accessToken);
      expect(events[0]).toMatchObject({ kind: 'wrong_password', ip: '203.0.113.7' });
      // And the password did not change.
      expectError(await signInRaw({ password: NEW_PASSWORD }), 401, 'invalid_credentials');
    });

    it('refuses a weak new password with 422 weak_password and the policy feedback', async () => {
      const { accessToken } = await signIn();
      for (const weak of ['password123', 'short', 'Pat Lee 2065550100']) {
        const error = expectError(
          await post(PASSWORD_ROUTE, accessToken, {
            currentPassword: PASSWORD,
            newPassword: weak,
          }),
          422,
          'weak_password',
        );
        expect(error.feedback).toBeDefined();
        expect(error.message.length).toBeGreaterThan(0);
      }
      // Nothing changed.
      expect((await overview(accessToken)).passwordChangedAt).toBeNull();
    });

    it('refuses the current password as the new one with 400 and a clear message', async () => {
      const { accessToken } = await signIn();
      const error = expectError(
        await post(PASSWORD_ROUTE, accessToken, {
          currentPassword: PASSWORD,
          newPassword: PASSWORD,
        }),
        400,
        'invalid_request',
      );
      expect(error.message).toMatch(/same as the current/);
      expect(error.issues).toEqual([{ path: 'body.newPassword', message: error.message }]);
    });

    it.each([
      [{}, 'body.currentPassword'],
      [{ currentPassword: PASSWORD }, 'body.newPassword'],
      [{ currentPassword: PASSWORD, newPassword: '' }, 'body.newPassword'],
      [{ currentPassword: PASSWORD, newPassword: NEW_PASSWORD, extra: 1 }, 'body'],
    ])('refuses %j with 400 invalid_request', async (body, path) => {
      const { accessToken } = await signIn();
      const error = expectError(
        await post(PASSWORD_ROUTE, accessToken, body),
        400,
        'invalid_request',
      );
      expect(error.issues?.map((i) => i.path)).toContain(path);
    });

    it('changes it: other sessions and remembered computers end, this session stays, the new password signs in', async () => {
      const mine = await signIn({ device: LAPTOP });
      const other = await signIn({ device: DESKTOP, ip: '198.51.100.20' });
      const third = await signIn({ userAgent: 'curl/8.5.0', ip: '198.51.100.30' });
      // Idle too long to refresh: ended too, but not counted as a device signed out now.
      const idle = await signIn({ userAgent: 'curl/8.5.0', ip: '198.51.100.31' });
      await db()
        .updateTable('refresh_tokens')
        .set({ expires_at: t.clock.now() })
        .where('session_id', '=', sessionIdOf(idle.accessToken))
        .execute();
      const id = await subscriberId();
      await addTrustedDevice(id, 'remembered', { expiresAt: t.clock.now() + 30 * DAY_MS });
      t.clock.advance(MINUTE_MS);

      const res = await post(PASSWORD_ROUTE, mine.accessToken, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(ChangePasswordResponse.parse(res.json())).toEqual({ otherSessionsSignedOut: 2 });

      expectError(await refresh(other.refreshToken), 401, 'invalid_refresh_token');
      expectError(await refresh(third.refreshToken), 401, 'invalid_refresh_token');
      expectError(await t.get(SECURITY, other.accessToken), 401, 'unauthorized');
      expectError(await t.get(SECURITY, idle.accessToken), 401, 'unauthorized');

      // This session keeps working, with its access token and its refresh token.
      const after = await overview(mine.accessToken);
      expect(after.passwordChangedAt).toBe(new Date(t.clock.now()).toISOString());
      expect(after.rememberedDevices).toBe(0);
      const refreshed = await refresh(mine.refreshToken);
      expect(refreshed.statusCode, refreshed.body).toBe(200);

      const trusted = await db()
        .selectFrom('trusted_devices')
        .select('revoked_at')
        .where('subscriber_id', '=', id)
        .execute();
      expect(trusted).toEqual([{ revoked_at: t.clock.now() }]);

      expectError(await signInRaw({ password: PASSWORD }), 401, 'invalid_credentials');
      await signIn({ password: NEW_PASSWORD });

      const events = await history(mine.accessToken);
      expect(events.some((e) => e.kind === 'password_changed')).toBe(true);

      await t.settle();
      const notice = mail.messages
        .map(readMail)
        .find((m) => /password was changed/.test(m.subject));
      expect(notice).toBeDefined();
      expect(notice!.to).toEqual([EMAIL]);
      expect(notice!.text).not.toContain(PASSWORD);
      expect(notice!.text).not.toContain(NEW_PASSWORD);
    });

    it('clears a pending lockout count, so earlier wrong passwords do not carry over', async () => {
      const { accessToken } = await signIn();
      for (let i = 0; i < 3; i++) {
        expectError(
          await post(PASSWORD_ROUTE, accessToken, {
            currentPassword: 'Not-My-Password-1',
            newPassword: NEW_PASSWORD,
          }),
          401,
          'wrong_password',
        );
      }
      const ok = await post(PASSWORD_ROUTE, accessToken, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(ok.statusCode, ok.body).toBe(200);
      // The count starts again: a changed password leaves no wrong tries behind.
      const rows = await db()
        .selectFrom('sign_in_lockouts')
        .select(['failed_attempts', 'locked_until'])
        .where('phone', '=', PHONE)
        .execute();
      expect(rows).toEqual([]);
    });

    it('counts wrong current passwords toward the account lockout: the fifth locks the account', async () => {
      const { accessToken } = await signIn();
      const wrong = () =>
        post(PASSWORD_ROUTE, accessToken, {
          currentPassword: 'Not-My-Password-1',
          newPassword: NEW_PASSWORD,
        });
      for (let i = 0; i < 4; i++) expectError(await wrong(), 401, 'wrong_password');
      const locked = expectError(await wrong(), 423, 'account_locked');
      expect(locked.retryAfterSeconds).toBe(15 * 60);

      // Locked: even the right password is not checked, here or at sign-in.
      expectError(
        await post(PASSWORD_ROUTE, accessToken, {
          currentPassword: PASSWORD,
          newPassword: NEW_PASSWORD,
        }),
        423,
        'account_locked',
      );
      expectError(
        await post(CONTACT, accessToken, { password: PASSWORD, email: 'x@example.com' }),
        423,
        'account_locked',
      );
      expectError(await signInRaw(), 423, 'account_locked');

      const kinds = (await history(accessToken)).map((e) => e.kind);
      // Newest first: four wrong passwords, then the fifth, which locked the account.
      expect(kinds.slice(0, 5)).toEqual([
        'locked',
        'wrong_password',
        'wrong_password',
        'wrong_password',
        'wrong_password',
      ]);

      // The lock ends on its own.
      t.clock.advance(15 * MINUTE_MS + 1000);
      const again = await signIn();
      const ok = await post(PASSWORD_ROUTE, again.accessToken, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(ok.statusCode, ok.body).toBe(200);
    });

    it('is rate-limited per client when the server limits password routes', async () => {
      await t.close();
      t = await createTestApp({ authRateLimit: 3 });
      await t.addSubscriber({ phone: PHONE, password: PASSWORD, name: 'Pat Lee', email: EMAIL });
      const { accessToken } = await signIn();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await post(PASSWORD_ROUTE, accessToken, {
          currentPassword: 'Not-My-Password-1',
          newPassword: NEW_PASSWORD,
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) expectError(res, 429, 'rate_limited');
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    });
  });

  describe('POST /v1/account/contact', () => {
    it('needs the password again', async () => {
      const { accessToken } = await signIn();
      expectError(
        await post(CONTACT, accessToken, {
          password: 'Not-My-Password-1',
          email: 'new@example.com',
        }),
        401,
        'wrong_password',
      );
      expect((await overview(accessToken)).email).toBe(EMAIL);
    });

    it.each([
      [{ password: PASSWORD, email: 'not an address' }, 'body.email'],
      [{ password: PASSWORD, email: '' }, 'body.email'],
      [{ password: PASSWORD }, 'body.email'],
      [{ password: PASSWORD, contactPhone: '555' }, 'body.contactPhone'],
      [{ password: PASSWORD, contactPhone: 12065550123 }, 'body.contactPhone'],
      [{ email: 'new@example.com' }, 'body.password'],
    ])('refuses %j with 400 invalid_request', async (body, path) => {
      const { accessToken } = await signIn();
      const error = expectError(await post(CONTACT, accessToken, body), 400, 'invalid_request');
      expect(error.issues?.map((i) => i.path)).toContain(path);
    });

    it('refuses the account number itself as the contact number', async () => {
      const { accessToken } = await signIn();
      const error = expectError(
        await post(CONTACT, accessToken, { password: PASSWORD, contactPhone: '(206) 555-0100' }),
        400,
        'invalid_request',
      );
      expect(error.issues).toEqual([{ path: 'body.contactPhone', message: error.message }]);
    });

    it('sets a contact number as typed (stored in E.164) and removes it with null', async () => {
      const { accessToken } = await signIn();
      const set = await post(CONTACT, accessToken, {
        password: PASSWORD,
        contactPhone: '(206) 555-0123',
      });
      expect(set.statusCode, set.body).toBe(200);
      expect(SecurityOverview.parse(set.json()).contactPhone).toBe('+12065550123');
      expect((await overview(accessToken)).contactPhone).toBe('+12065550123');

      const removed = await post(CONTACT, accessToken, { password: PASSWORD, contactPhone: null });
      expect(removed.statusCode, removed.body).toBe(200);
      expect(SecurityOverview.parse(removed.json()).contactPhone).toBeNull();
      expect((await history(accessToken)).filter((e) => e.kind === 'contact_changed')).toHaveLength(
        2,
      );
    });

    it('changes the e-mail address and tells the old address', async () => {
      const { accessToken } = await signIn({ device: LAPTOP });
      const res = await post(CONTACT, accessToken, {
        password: PASSWORD,
        email: '  pat.lee@example.org ',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(SecurityOverview.parse(res.json()).email).toBe('pat.lee@example.org');
      expect((await history(accessToken))[0]).toMatchObject({ kind: 'contact_changed' });

      await t.settle();
      const notices = mail.messages.map(readMail).filter((m) => /contact details/.test(m.subject));
      expect(notices).toHaveLength(1);
      expect(notices[0]!.to).toEqual([EMAIL]);
      expect(notices[0]!.text).toContain('p•••@example.org');
      expect(notices[0]!.text).not.toContain(PASSWORD);
    });

    it('records nothing when nothing changes', async () => {
      const { accessToken } = await signIn();
      const res = await post(CONTACT, accessToken, { password: PASSWORD, email: EMAIL });
      expect(res.statusCode, res.body).toBe(200);
      expect((await history(accessToken)).some((e) => e.kind === 'contact_changed')).toBe(false);
    });
  });

  describe('sessions', () => {
    async function sessions(token: string) {
      const res = await t.get(SESSIONS, token);
      expect(res.statusCode, res.body).toBe(200);
      return SessionList.parse(res.json()).sessions;
    }

    it('lists live sessions, most recently used first, marking the current one', async () => {
      const laptop = await signIn({ device: LAPTOP, ip: '203.0.113.7' });
      t.clock.advance(MINUTE_MS);
      await signIn({
        device: DESKTOP,
        userAgent: 'Airtime-Desktop/1.1.0',
        ip: '198.51.100.20',
      });
      t.clock.advance(MINUTE_MS);
      await signIn({ userAgent: 'curl/8.5.0', ip: '198.51.100.30' });
      t.clock.advance(MINUTE_MS);
      await signIn({ userAgent: 'SomethingElse', ip: '198.51.100.40' });

      const list = await sessions(laptop.accessToken);
      const start = Date.parse(TEST_NOW);
      expect(list).toEqual([
        {
          id: expect.any(String),
          current: false,
          deviceName: 'Unknown device',
          appVersion: null,
          signedInAt: new Date(start + 3 * MINUTE_MS).toISOString(),
          lastSeenAt: new Date(start + 3 * MINUTE_MS).toISOString(),
          ip: '198.51.100.40',
        },
        {
          id: expect.any(String),
          current: false,
          deviceName: 'curl',
          appVersion: null,
          signedInAt: new Date(start + 2 * MINUTE_MS).toISOString(),
          lastSeenAt: new Date(start + 2 * MINUTE_MS).toISOString(),
          ip: '198.51.100.30',
        },
        {
          id: expect.any(String),
          current: false,
          deviceName: 'Front desk PC',
          appVersion: '1.1.0',
          signedInAt: new Date(start + MINUTE_MS).toISOString(),
          lastSeenAt: new Date(start + MINUTE_MS).toISOString(),
          ip: '198.51.100.20',
        },
        {
          id: sessionIdOf(laptop.accessToken),
          current: true,
          deviceName: "Pat's laptop",
          appVersion: '1.2.0',
          signedInAt: new Date(start).toISOString(),
          lastSeenAt: new Date(start).toISOString(),
          ip: '203.0.113.7',
        },
      ]);
    });

    it('leaves out ended sessions: signed out, past their end, or idle too long', async () => {
      const mine = await signIn();
      const signedOut = await signIn();
      expect(
        (await t.post('/v1/auth/sign-out', { refreshToken: signedOut.refreshToken })).statusCode,
      ).toBe(204);
      const idle = await signIn();
      await db()
        .updateTable('refresh_tokens')
        .set({ expires_at: t.clock.now() - 1 })
        .where('session_id', '=', sessionIdOf(idle.accessToken))
        .execute();
      const ended = await signIn();
      await db()
        .updateTable('sessions')
        .set({ expires_at: t.clock.now() - 1 })
        .where('id', '=', sessionIdOf(ended.accessToken))
        .execute();
      expect((await sessions(mine.accessToken)).map((s) => s.id)).toEqual([
        sessionIdOf(mine.accessToken),
      ]);
      // Ended sessions cannot be signed out again.
      for (const token of [signedOut, idle, ended]) {
        expectError(
          await post(signOutUrl(sessionIdOf(token.accessToken)), mine.accessToken),
          404,
          'session_not_found',
        );
      }
    });

    it('signs out one device: its refresh token stops working, and it leaves the list', async () => {
      const mine = await signIn({ device: LAPTOP });
      const other = await signIn({ device: DESKTOP });
      const otherId = sessionIdOf(other.accessToken);

      const res = await post(signOutUrl(otherId), mine.accessToken);
      expect(res.statusCode, res.body).toBe(204);
      expect(res.body).toBe('');
      expectError(await refresh(other.refreshToken), 401, 'invalid_refresh_token');
      expectError(await t.get(SECURITY, other.accessToken), 401, 'unauthorized');
      expect((await sessions(mine.accessToken)).map((s) => s.id)).toEqual([
        sessionIdOf(mine.accessToken),
      ]);
      expectError(await post(signOutUrl(otherId), mine.accessToken), 404, 'session_not_found');
      expect((await history(mine.accessToken))[0]).toMatchObject({
        kind: 'session_signed_out',
      });
    });

    it('answers 404 for another subscriber’s session and an unknown id, and 400 for a malformed one', async () => {
      const mine = await signIn();
      await t.addSubscriber({ phone: '+12065550111', email: 'sam@example.com', name: 'Sam Roe' });
      const theirs = await signIn({ phone: '+12065550111' });
      const theirId = sessionIdOf(theirs.accessToken);

      const error = expectError(
        await post(signOutUrl(theirId), mine.accessToken),
        404,
        'session_not_found',
      );
      expectError(await post(signOutUrl(randomUUID()), mine.accessToken), 404, 'session_not_found');
      // Their session is untouched, and the answers are the same either way.
      expect(error.message).not.toContain(theirId);
      expect((await refresh(theirs.refreshToken)).statusCode).toBe(200);

      expectError(
        await post(signOutUrl('not-a-session'), mine.accessToken),
        400,
        'invalid_request',
      );
      expectError(await post(signOutUrl(theirId), 'x'), 401, 'unauthorized');
    });

    it('signs out the current session when asked', async () => {
      const mine = await signIn();
      const res = await post(signOutUrl(sessionIdOf(mine.accessToken)), mine.accessToken);
      expect(res.statusCode, res.body).toBe(204);
      expectError(await t.get(SECURITY, mine.accessToken), 401, 'unauthorized');
      expectError(await refresh(mine.refreshToken), 401, 'invalid_refresh_token');
    });

    it('signs out every other device and keeps this one', async () => {
      const mine = await signIn({ device: LAPTOP });
      const others = [await signIn({ device: DESKTOP }), await signIn({ userAgent: 'curl/8.5.0' })];
      await t.addSubscriber({ phone: '+12065550111', email: 'sam@example.com', name: 'Sam Roe' });
      const stranger = await signIn({ phone: '+12065550111' });

      const res = await post(SIGN_OUT_OTHERS, mine.accessToken);
      expect(res.statusCode, res.body).toBe(200);
      expect(SignOutOthersResponse.parse(res.json())).toEqual({ signedOut: 2 });
      for (const other of others) {
        expectError(await refresh(other.refreshToken), 401, 'invalid_refresh_token');
      }
      expect((await refresh(stranger.refreshToken)).statusCode).toBe(200);
      expect((await sessions(mine.accessToken)).map((s) => s.current)).toEqual([true]);

      const again = await post(SIGN_OUT_OTHERS, mine.accessToken);
      expect(SignOutOthersResponse.parse(again.json())).toEqual({ signedOut: 0 });
      const signOuts = (await history(mine.accessToken)).filter(
        (e) => e.kind === 'session_signed_out',
      );
      expect(signOuts).toHaveLength(1);
    });
  });

  describe('GET /v1/account/security-events', () => {
    it('pages through the history newest first with a cursor', async () => {
      const { accessToken } = await signIn({ device: LAPTOP });
      for (let i = 0; i < 3; i++) {
        t.clock.advance(MINUTE_MS);
        expect(
          (
            await post(CONTACT, accessToken, {
              password: PASSWORD,
              contactPhone: `(206) 555-01${20 + i}`,
            })
          ).statusCode,
        ).toBe(200);
      }
      // Several events in one millisecond still come back in the order they happened.
      for (let i = 0; i < 2; i++) {
        expectError(
          await post(CONTACT, accessToken, { password: 'Not-My-Password-1', contactPhone: null }),
          401,
          'wrong_password',
        );
      }
      const all = await history(accessToken);
      expect(all.length).toBeGreaterThanOrEqual(5);
      expect(all.slice(0, 5).map((e) => e.kind)).toEqual([
        'wrong_password',
        'wrong_password',
        'contact_changed',
        'contact_changed',
        'contact_changed',
      ]);
      const times = all.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(all[2]).toMatchObject({
        deviceName: "Pat's laptop",
        appVersion: '1.2.0',
        ip: '203.0.113.7',
        newDevice: false,
      });

      const walked: SecurityEvent[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `${EVENTS}?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.get(url, accessToken);
        expect(res.statusCode, res.body).toBe(200);
        const page = SecurityEventList.parse(res.json());
        expect(page.items.length).toBeLessThanOrEqual(2);
        walked.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 20);
      expect(cursor).toBeNull();
      expect(walked).toEqual(all);
    });

    it('shows only the subscriber’s own history', async () => {
      const mine = await signIn();
      expectError(
        await post(CONTACT, mine.accessToken, {
          password: 'Not-My-Password-1',
          contactPhone: null,
        }),
        401,
        'wrong_password',
      );
      await t.addSubscriber({ phone: '+12065550111', email: 'sam@example.com', name: 'Sam Roe' });
      const theirs = await signIn({ phone: '+12065550111' });
      expect((await history(theirs.accessToken)).some((e) => e.kind === 'wrong_password')).toBe(
        false,
      );
    });

    it.each([
      ['?limit=0'],
      ['?limit=101'],
      ['?limit=abc'],
      ['?cursor=%%%'],
      ['?cursor=bm90LWpzb24'],
      ['?other=1'],
    ])('refuses %s with 400 invalid_request', async (query) => {
      const { accessToken } = await signIn();
      expectError(await t.get(`${EVENTS}${query}`, accessToken), 400, 'invalid_request');
    });

    it('needs a bearer token', async () => {
      expectError(await t.get(EVENTS), 401, 'unauthorized');
    });
  });
});
