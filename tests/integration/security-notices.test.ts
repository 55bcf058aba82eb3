import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { SignInResponse, type DeviceInfo } from '../../contract/http/auth';
import { ResetVerifyResponse } from '../../contract/http/recovery';
import { SecurityEventList, type SecurityEvent } from '../../contract/http/security';
import { DAY_MS, MINUTE_MS } from '../../server/src/clock';
import { SmtpSender, type Delivery } from '../../server/src/delivery';
import { BackgroundTasks } from '../../server/src/background';
import {
  DbSecurityLog,
  SECURITY_EVENT_RETENTION_MS,
  pruneSecurityEvents,
} from '../../server/src/security/security-events';
import type { SecurityEventKind } from '../../server/src/security/security-log';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { codeIn, startMailReceiver, type MailReceiver } from './support/receivers';
import { readMail, type MailText } from './support/mail-text';

const PHONE = '+12065550100';
const EMAIL = 'pat@example.com';
const PASSWORD = 'Correct-Horse-Battery-9';
const NEW_PASSWORD = 'Lighthouse-Pelican-Drift-71';
/** `TEST_NOW` as the notices write it. */
const WHEN = 'Wednesday 25 November 2026, 12:00 UTC';

const LAPTOP: DeviceInfo = { id: randomUUID(), name: "Pat's laptop", appVersion: '1.2.0' };
const DESKTOP: DeviceInfo = { id: randomUUID(), name: 'Front desk PC', appVersion: '1.1.0' };

describeWithDb(`security notices (${dbKind})`, () => {
  let mail: MailReceiver;
  let t: TestApp;
  /** Secrets of the current test that no notice may ever contain. */
  let secrets: string[];

  beforeAll(async () => {
    mail = await startMailReceiver();
  });
  afterAll(async () => mail?.close());

  const smtp = () => new SmtpSender(mail.url, 'Airtime <security@airtime.test>', 5_000);

  beforeEach(async () => {
    mail.messages.length = 0;
    mail.refuse = false;
    secrets = [PASSWORD, NEW_PASSWORD];
    t = await createTestApp({ delivery: { email: smtp(), sms: null } });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD, name: 'Pat Lee', email: EMAIL });
  });
  afterEach(async () => {
    await t?.settle();
    for (const message of mail.messages.map(readMail)) {
      if (/reset code/.test(message.subject)) continue;
      for (const secret of secrets) expect(message.text).not.toContain(secret);
    }
    await t?.close();
  });

  const db = () => t.testDb.database.db;
  const subscriberId = async () =>
    (
      await db()
        .selectFrom('subscribers')
        .select('id')
        .where('phone', '=', PHONE)
        .executeTakeFirstOrThrow()
    ).id;

  function signInRaw(
    options: { device?: DeviceInfo; userAgent?: string; ip?: string; password?: string } = {},
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: {
        phone: PHONE,
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

  async function signIn(
    options: { device?: DeviceInfo; userAgent?: string; ip?: string; password?: string } = {},
  ): Promise<SignInResponse> {
    const res = await signInRaw(options);
    expect(res.statusCode, res.body).toBe(200);
    return SignInResponse.parse(res.json());
  }

  const post = (url: string, token: string, body: unknown) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: body as never,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      remoteAddress: '203.0.113.7',
    });

  async function history(token: string): Promise<SecurityEvent[]> {
    const res = await t.get('/v1/account/security-events?limit=100', token);
    expect(res.statusCode, res.body).toBe(200);
    return SecurityEventList.parse(res.json()).items;
  }

  /** Every e-mail received so far, decoded; waits for the app's background sends first. */
  async function received(): Promise<MailText[]> {
    await t.settle();
    return mail.messages.map(readMail);
  }

  describe('new-device sign-in', () => {
    it('the first sign-in and later ones from the same device send nothing', async () => {
      const first = await signIn({ device: LAPTOP });
      t.clock.advance(MINUTE_MS);
      await signIn({ device: LAPTOP, ip: '198.51.100.99' });
      const events = await history(first.accessToken);
      expect(events.map((e) => [e.kind, e.newDevice])).toEqual([
        ['signed_in', false],
        ['signed_in', false],
      ]);
      expect(await received()).toEqual([]);
    });

    it('a second device is flagged in the history and e-mailed about', async () => {
      await signIn({ device: LAPTOP });
      t.clock.advance(MINUTE_MS);
      const second = await signIn({
        device: DESKTOP,
        userAgent: 'Airtime-Desktop/1.1.0',
        ip: '198.51.100.20',
      });
      const [latest] = await history(second.accessToken);
      expect(latest).toMatchObject({
        kind: 'signed_in',
        newDevice: true,
        deviceName: 'Front desk PC',
        appVersion: '1.1.0',
        ip: '198.51.100.20',
      });

      const messages = await received();
      expect(messages).toHaveLength(1);
      const notice = messages[0]!;
      expect(notice.to).toEqual([EMAIL]);
      expect(notice.subject).toBe('New sign-in to your Airtime account');
      expect(notice.text).toContain('the number ending in 0100');
      expect(notice.text).toContain('Wednesday 25 November 2026, 12:01 UTC');
      expect(notice.text).toContain('Device: Front desk PC (Airtime 1.1.0)');
      expect(notice.text).toContain('IP address: 198.51.100.20');
      expect(notice.text).toContain('Forgot password?');
    });

    it('a client without a device id is told apart by its User-Agent and address', async () => {
      await signIn({ device: LAPTOP });
      await signIn({ userAgent: 'curl/8.5.0', ip: '198.51.100.30' });
      await signIn({ userAgent: 'curl/8.5.0', ip: '198.51.100.30' });
      const last = await signIn({ userAgent: 'curl/8.5.0', ip: '198.51.100.31' });
      const events = await history(last.accessToken);
      expect(events.map((e) => [e.deviceName, e.ip, e.newDevice])).toEqual([
        ['curl', '198.51.100.31', true],
        ['curl', '198.51.100.30', false],
        ['curl', '198.51.100.30', true],
        ["Pat's laptop", '203.0.113.7', false],
      ]);
      const notices = await received();
      expect(notices).toHaveLength(2);
      expect(notices[0]!.text).toContain('Device: curl\n');
    });
  });

  it('a lockout at sign-in is e-mailed', async () => {
    // Without the captcha step that failed sign-ins bring in after a few tries.
    await t.close();
    t = await createTestApp({
      delivery: { email: smtp(), sms: null },
      captcha: { afterFailures: 1_000 },
    });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD, name: 'Pat Lee', email: EMAIL });
    for (let i = 0; i < 4; i++) {
      expectError(await signInRaw({ password: 'Not-My-Password-1' }), 401, 'invalid_credentials');
    }
    expectError(await signInRaw({ password: 'Not-My-Password-1' }), 423, 'account_locked');
    secrets.push('Not-My-Password-1');
    const messages = await received();
    expect(messages.map((m) => [m.to, m.subject])).toEqual([
      [[EMAIL], 'Your Airtime account was locked'],
    ]);
    expect(messages[0]!.text).toContain('too many wrong passwords');
    expect(messages[0]!.text).toContain(WHEN);
    expect(messages[0]!.text).toContain('IP address: 203.0.113.7');
  });

  it('a password change is e-mailed with the device that made it', async () => {
    const { accessToken } = await signIn({ device: LAPTOP });
    const res = await post('/v1/account/password', accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.statusCode, res.body).toBe(200);
    const messages = await received();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.to).toEqual([EMAIL]);
    expect(messages[0]!.subject).toBe('Your Airtime password was changed');
    expect(messages[0]!.text).toContain(WHEN);
    expect(messages[0]!.text).toContain("Device: Pat's laptop (Airtime 1.2.0)");
    expect(messages[0]!.text).toContain('IP address: 203.0.113.7');
    expect(messages[0]!.text).toContain('If this was not you');
  });

  it('a completed password reset is recorded, e-mailed, dated, and forgets remembered computers', async () => {
    const id = await subscriberId();
    const now = t.clock.now();
    await db()
      .insertInto('trusted_devices')
      .values({
        token_hash: 'remembered',
        subscriber_id: id,
        device_id: LAPTOP.id,
        device_name: LAPTOP.name,
        created_at: now,
        expires_at: now + 30 * DAY_MS,
        last_used_at: now,
        revoked_at: null,
      })
      .execute();

    const start = await t.post('/v1/auth/reset/start', {
      phone: PHONE,
      channel: 'email',
      captcha: await t.captcha(),
    });
    expect(start.statusCode, start.body).toBe(202);
    const code = codeIn((await received())[0]!.text);
    secrets.push(code);
    const verify = await t.post('/v1/auth/reset/verify', { phone: PHONE, code });
    expect(verify.statusCode, verify.body).toBe(200);
    const { ticket } = ResetVerifyResponse.parse(verify.json());
    secrets.push(ticket);
    t.clock.advance(MINUTE_MS);
    const complete = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/reset/complete',
      payload: { ticket, newPassword: NEW_PASSWORD },
      headers: { 'content-type': 'application/json', 'user-agent': 'Airtime-Desktop/1.2.0' },
      remoteAddress: '198.51.100.40',
    });
    expect(complete.statusCode, complete.body).toBe(204);

    const messages = await received();
    expect(messages).toHaveLength(2);
    const notice = messages[1]!;
    expect(notice.to).toEqual([EMAIL]);
    expect(notice.subject).toBe('Your Airtime password was reset');
    expect(notice.text).toContain('Wednesday 25 November 2026, 12:01 UTC');
    expect(notice.text).toContain('Device: Airtime desktop app 1.2.0');
    expect(notice.text).toContain('IP address: 198.51.100.40');

    const { accessToken } = await signIn({ password: NEW_PASSWORD });
    const events = await history(accessToken);
    expect(events.map((e) => e.kind)).toContain('password_reset');
    expect(events.find((e) => e.kind === 'password_reset')).toMatchObject({
      deviceName: 'Airtime desktop app',
      appVersion: '1.2.0',
      ip: '198.51.100.40',
    });
    const row = await db()
      .selectFrom('subscribers')
      .select('password_changed_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.password_changed_at).toBe(t.clock.now());
    const trusted = await db()
      .selectFrom('trusted_devices')
      .select('revoked_at')
      .where('subscriber_id', '=', id)
      .execute();
    expect(trusted).toEqual([{ revoked_at: t.clock.now() }]);
  });

  it('an e-mail change is announced at the old address, not the new one', async () => {
    const { accessToken } = await signIn({ device: LAPTOP });
    const res = await post('/v1/account/contact', accessToken, {
      password: PASSWORD,
      email: 'pat.lee@example.org',
    });
    expect(res.statusCode, res.body).toBe(200);
    const messages = await received();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.to).toEqual([EMAIL]);
    expect(messages[0]!.subject).toBe('The contact details of your Airtime account were changed');
    expect(messages[0]!.text).toContain('was changed to p•••@example.org');
    expect(messages[0]!.text).not.toContain('pat.lee@example.org');
  });

  it('a contact number change is announced at the (unchanged) address', async () => {
    const { accessToken } = await signIn();
    const res = await post('/v1/account/contact', accessToken, {
      password: PASSWORD,
      contactPhone: '(206) 555-0123',
    });
    expect(res.statusCode, res.body).toBe(200);
    const messages = await received();
    expect(messages.map((m) => [m.to, m.subject])).toEqual([
      [[EMAIL], 'The contact details of your Airtime account were changed'],
    ]);
    expect(messages[0]!.text).not.toContain('5550123');
  });

  describe('DbSecurityLog', () => {
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => void warnings.push(args) };
    const securityLog = (delivery: Delivery, background = new BackgroundTasks()) => ({
      background,
      events: new DbSecurityLog(db(), t.clock, delivery, background, log),
    });
    beforeEach(() => {
      warnings.length = 0;
    });

    const rows = async (id: string) =>
      db()
        .selectFrom('security_events')
        .select(['kind', 'new_device'])
        .where('subscriber_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute();

    it.each([
      ['locked', 'Your Airtime account was locked'],
      ['password_changed', 'Your Airtime password was changed'],
      ['password_reset', 'Your Airtime password was reset'],
      ['two_factor_enabled', '2-step verification is now on for your Airtime account'],
      ['two_factor_disabled', '2-step verification was turned off for your Airtime account'],
      ['recovery_codes_replaced', 'New recovery codes for your Airtime account'],
      ['contact_changed', 'The contact details of your Airtime account were changed'],
    ] as const)('%s e-mails "%s"', async (kind, subject) => {
      const { events, background } = securityLog({ email: smtp(), sms: null });
      const id = await subscriberId();
      await events.record(id, kind, { userAgent: 'curl/8.5.0', ip: '198.51.100.50' });
      await background.settled();
      const messages = mail.messages.map(readMail);
      expect(messages.map((m) => [m.to, m.subject])).toEqual([[[EMAIL], subject]]);
      expect(messages[0]!.text).toContain(WHEN);
      expect(messages[0]!.text).toContain('Device: curl\n');
      expect(messages[0]!.text).toContain('IP address: 198.51.100.50');
      expect(messages[0]!.text).toMatch(/If (this|it) was not you/);
      expect(await rows(id)).toEqual([{ kind, new_device: 0 }]);
    });

    it.each(['wrong_password', 'second_factor_failed', 'session_signed_out'] as const)(
      '%s is only recorded',
      async (kind: Exclude<SecurityEventKind, 'signed_in'>) => {
        const { events, background } = securityLog({ email: smtp(), sms: null });
        const id = await subscriberId();
        await events.record(id, kind, {});
        await background.settled();
        expect(mail.messages).toEqual([]);
        expect(await rows(id)).toEqual([{ kind, new_device: 0 }]);
      },
    );

    it('without an e-mail sender, only the history row is written', async () => {
      const { events, background } = securityLog({ email: null, sms: null });
      const id = await subscriberId();
      await events.record(id, 'password_changed', {});
      await events.signedIn(id, { device: LAPTOP });
      expect(await events.signedIn(id, { device: DESKTOP })).toEqual({ newDevice: true });
      await background.settled();
      expect(mail.messages).toEqual([]);
      expect(warnings).toEqual([]);
      expect(await rows(id)).toEqual([
        { kind: 'password_changed', new_device: 0 },
        { kind: 'signed_in', new_device: 0 },
        { kind: 'signed_in', new_device: 1 },
      ]);
    });

    it('a notice the mail server refuses is logged, never thrown, and the row stays', async () => {
      mail.refuse = true;
      const { events, background } = securityLog({ email: smtp(), sms: null });
      const id = await subscriberId();
      await expect(events.record(id, 'password_changed', {})).resolves.toBeUndefined();
      await background.settled();
      expect(warnings).toHaveLength(1);
      expect(JSON.stringify(warnings[0])).toContain('security notice could not be sent');
      expect(await rows(id)).toEqual([{ kind: 'password_changed', new_device: 0 }]);
    });

    it('a history that cannot be written is logged, and the caller goes on', async () => {
      const { events } = securityLog({ email: null, sms: null });
      // An unknown subscriber breaks the foreign key, as a database failure would.
      await expect(events.record(randomUUID(), 'wrong_password', {})).resolves.toBeUndefined();
      await expect(events.signedIn(randomUUID(), {})).resolves.toEqual({ newDevice: false });
      expect(warnings).toHaveLength(2);
    });
  });

  it('pruneSecurityEvents removes history older than a year and keeps the rest', async () => {
    const id = await subscriberId();
    const now = t.clock.now();
    const at = [
      now - SECURITY_EVENT_RETENTION_MS - 1,
      now - SECURITY_EVENT_RETENTION_MS,
      now - DAY_MS,
    ];
    await db()
      .insertInto('security_events')
      .values(
        at.map((time, i) => ({
          id: `event-${i}`,
          subscriber_id: id,
          at: time,
          kind: 'wrong_password' as const,
          device_id: null,
          device_name: null,
          app_version: null,
          ip: null,
        })),
      )
      .execute();
    expect(await pruneSecurityEvents(db(), now)).toBe(1);
    const left = await db()
      .selectFrom('security_events')
      .select('id')
      .where('subscriber_id', '=', id)
      .orderBy('id')
      .execute();
    expect(left.map((r) => r.id)).toEqual(['event-1', 'event-2']);
    expect(SECURITY_EVENT_RETENTION_MS).toBe(365 * DAY_MS);
  });
});
