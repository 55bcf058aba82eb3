import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { buildApp } from '../../server/src/app';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../server/src/clock';
import { pruneExpired } from '../../server/src/jobs/prune-expired';
import { BUDGET_LOCK_IDLE_MS } from '../../server/src/db/budget-lock';
import { SECURITY_EVENT_RETENTION_MS } from '../../server/src/security/security-events';
import { createTestApp, TEST_TOKEN_SECRET, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

describeWithDb(`pruning expired rows (${dbKind})`, () => {
  let t: TestApp;
  let subscriberId: string;

  beforeEach(async () => {
    t = await createTestApp({ pruneIntervalMs: 0 });
    subscriberId = (await t.addSubscriber()).id;
  });
  afterEach(async () => t?.close());

  const db = () => t.testDb.database.db;

  /** One row per table named `key`, expiring (or whose window started) at `at`. */
  async function seed(key: string, at: number): Promise<void> {
    await db()
      .insertInto('second_factor_challenges')
      .values({
        token_hash: `challenge-${key}`,
        subscriber_id: subscriberId,
        created_at: at - 5 * MINUTE_MS,
        expires_at: at,
        used_at: null,
      })
      .execute();
    await db()
      .insertInto('sms_codes')
      .values({
        id: randomUUID(),
        subscriber_id: subscriberId,
        purpose: 'enrol',
        challenge_hash: key,
        code_salt: 'salt',
        code_hash: 'hash',
        created_at: at - 10 * MINUTE_MS,
        expires_at: at,
        used_at: null,
      })
      .execute();
    await db()
      .insertInto('reset_requests')
      .values({
        id: randomUUID(),
        phone: '+12065550100',
        subscriber_id: subscriberId,
        channel: 'sms',
        code_salt: key,
        code_hash: 'hash',
        created_at: at - 10 * MINUTE_MS,
        expires_at: at,
        consumed_at: null,
        delivery: 'sent',
        client_ip: null,
      })
      .execute();
    await db()
      .insertInto('reset_tickets')
      .values({
        token_hash: `ticket-${key}`,
        subscriber_id: subscriberId,
        created_at: at - 10 * MINUTE_MS,
        expires_at: at,
        used_at: null,
      })
      .execute();
    await db().insertInto('spent_captchas').values({ signature: key, expires_at: at }).execute();
    await db()
      .insertInto('trusted_devices')
      .values({
        token_hash: `device-${key}`,
        subscriber_id: subscriberId,
        device_id: null,
        device_name: null,
        created_at: at - 30 * DAY_MS,
        expires_at: at,
        last_used_at: at - DAY_MS,
        revoked_at: null,
      })
      .execute();
    await db()
      .insertInto('risk_counters')
      .values({ key: `phone:${key}`, failures: 2, window_started_at: at })
      .execute();
  }

  /** One history event named `key`, recorded at `at`. */
  async function seedEvent(key: string, at: number): Promise<void> {
    await db()
      .insertInto('security_events')
      .values({
        id: `event-${key}`,
        subscriber_id: subscriberId,
        at,
        kind: 'wrong_password',
        device_id: null,
        device_name: null,
        app_version: null,
        ip: null,
      })
      .execute();
  }

  async function counts() {
    const count = async (
      table:
        | 'second_factor_challenges'
        | 'sms_codes'
        | 'reset_requests'
        | 'reset_tickets'
        | 'spent_captchas'
        | 'trusted_devices'
        | 'risk_counters'
        | 'security_events'
        | 'budget_locks'
        | 'rate_limits'
        | 'kiosk_visits'
        | 'device_cookies'
        | 'sign_in_lockouts',
    ) => (await db().selectFrom(table).selectAll().execute()).length;
    return {
      second_factor_challenges: await count('second_factor_challenges'),
      sms_codes: await count('sms_codes'),
      reset_requests: await count('reset_requests'),
      reset_tickets: await count('reset_tickets'),
      spent_captchas: await count('spent_captchas'),
      trusted_devices: await count('trusted_devices'),
      risk_counters: await count('risk_counters'),
      security_events: await count('security_events'),
      budget_locks: await count('budget_locks'),
      rate_limits: await count('rate_limits'),
      kiosk_visits: await count('kiosk_visits'),
      device_cookies: await count('device_cookies'),
      sign_in_lockouts: await count('sign_in_lockouts'),
    };
  }

  it('deletes what has expired, each table with its own margin, and nothing else', async () => {
    const now = t.clock.now();
    await seed('just-expired', now);
    await seed('live', now + 1);
    await seed('hour-old', now - HOUR_MS);
    await seed('day-old', now - DAY_MS);
    await seedEvent('year-old', now - SECURITY_EVENT_RETENTION_MS - 1);
    await seedEvent('recent', now - DAY_MS);
    await db()
      .insertInto('budget_locks')
      .values([
        { key: 'reset-send:phone:idle', touched_at: now - BUDGET_LOCK_IDLE_MS },
        { key: 'reset-send:phone:recent', touched_at: now - DAY_MS },
      ])
      .execute();
    await db()
      .insertInto('rate_limits')
      .values([
        { key: 'POST /v1/auth/refresh|ip:192.0.2.1', window_started_at: now - DAY_MS, count: 3 },
        { key: 'POST /v1/auth/refresh|ip:192.0.2.2', window_started_at: now - HOUR_MS, count: 1 },
      ])
      .execute();
    await db()
      .insertInto('kiosks')
      .values({ id: 'kiosk1', store_name: 'Main Street', secret_hash: 'ab', created_at: now })
      .execute();
    await db()
      .insertInto('kiosk_visits')
      .values([
        { id: 'visit-day-old', kiosk_id: 'kiosk1', started_at: 0, expires_at: now - DAY_MS },
        { id: 'visit-live', kiosk_id: 'kiosk1', started_at: now, expires_at: now + 1 },
      ])
      .execute();

    const cookie = (key: string, expiresAt: number) => ({
      token_hash: `cookie-${key}`,
      subscriber_id: subscriberId,
      issued_at: 0,
      expires_at: expiresAt,
      untrusted_at: null,
    });
    await db()
      .insertInto('device_cookies')
      .values([cookie('expired', now), cookie('live', now + 1)])
      .execute();
    const lane = (
      phone: string,
      windowAt: number,
      lockedUntil: number | null,
      lockedAt: number | null,
    ) => ({
      phone,
      lane: 'untrusted',
      failed_attempts: 1,
      window_started_at: windowAt,
      locked_until: lockedUntil,
      last_locked_at: lockedAt,
      lock_level: 0,
    });
    await db()
      .insertInto('sign_in_lockouts')
      .values([
        // Its window ended an hour ago, with no lock: it counts nothing any more.
        lane('+12065550001', now - HOUR_MS, null, null),
        // Still counting.
        lane('+12065550002', now - HOUR_MS + 1, null, null),
        // Still locked.
        lane('+12065550003', now - DAY_MS, now + 1, now - MINUTE_MS),
        // Lock over, but a new one soon would be longer: kept for the repeat window (12 hours).
        lane('+12065550004', now - 2 * HOUR_MS, now - HOUR_MS, now - 2 * HOUR_MS),
        // Lock over 12 hours ago.
        lane('+12065550005', now - DAY_MS, now - DAY_MS + 15 * MINUTE_MS, now - DAY_MS),
      ])
      .execute();

    const result = await pruneExpired(db(), now);
    expect(result).toEqual({
      // Expired at or before now.
      second_factor_challenges: 3,
      spent_captchas: 3,
      trusted_devices: 3,
      // Kept an hour past expiry: the hourly limit on texts counts them.
      sms_codes: 2,
      // Kept a day past expiry.
      reset_requests: 1,
      reset_tickets: 1,
      // A window ends an hour after its first failure.
      risk_counters: 2,
      // The history is kept for a year.
      security_events: 1,
      // A lock row nobody has used for two days holds no budget.
      budget_locks: 1,
      // No request limit's window lasts a day.
      rate_limits: 1,
      // Kept a day past expiry.
      kiosk_visits: 1,
      device_cookies: 1,
      // Window over, no lock, and no repeat lock to lengthen.
      sign_in_lockouts: 2,
    });
    expect(await counts()).toEqual({
      second_factor_challenges: 1,
      spent_captchas: 1,
      trusted_devices: 1,
      sms_codes: 2,
      reset_requests: 3,
      reset_tickets: 3,
      risk_counters: 2,
      security_events: 1,
      budget_locks: 1,
      rate_limits: 1,
      kiosk_visits: 1,
      device_cookies: 1,
      sign_in_lockouts: 3,
    });
    const challenges = await db()
      .selectFrom('second_factor_challenges')
      .select('token_hash')
      .execute();
    expect(challenges).toEqual([{ token_hash: 'challenge-live' }]);
    const counters = await db().selectFrom('risk_counters').select('key').orderBy('key').execute();
    expect(counters).toEqual([{ key: 'phone:just-expired' }, { key: 'phone:live' }]);
    expect(await db().selectFrom('security_events').select('id').execute()).toEqual([
      { id: 'event-recent' },
    ]);

    // Nothing left to do a second time.
    expect(Object.values(await pruneExpired(db(), now)).every((n) => n === 0)).toBe(true);
  });

  it('uses the captcha policy’s failure window when given', async () => {
    const now = t.clock.now();
    await seed('ten-minutes', now - 10 * MINUTE_MS);
    const result = await pruneExpired(db(), now, { riskWindowMs: 10 * MINUTE_MS });
    expect(result.risk_counters).toBe(1);
  });

  it('the app prunes on its interval and stops when closed', async () => {
    const now = t.clock.now();
    await seed('old', now - DAY_MS - 1);
    await seedEvent('old', now - SECURITY_EVENT_RETENTION_MS - 1);
    await seedEvent('recent', now - DAY_MS);
    const app = await buildApp({
      database: t.testDb.database,
      clock: t.clock,
      tokenSecret: TEST_TOKEN_SECRET,
      authRateLimit: 0,
      pruneIntervalMs: 20,
    });
    try {
      // Waits for every table, since one prune deletes them one after another.
      await vi.waitFor(
        async () =>
          expect(await counts()).toEqual({
            second_factor_challenges: 0,
            spent_captchas: 0,
            trusted_devices: 0,
            sms_codes: 0,
            reset_requests: 0,
            reset_tickets: 0,
            risk_counters: 0,
            security_events: 1,
            budget_locks: 0,
            rate_limits: 0,
            kiosk_visits: 0,
            device_cookies: 0,
            sign_in_lockouts: 0,
          }),
        { timeout: 5_000, interval: 20 },
      );
    } finally {
      await app.close();
    }
    // Closed: rows that expire from now on stay.
    await seed('after-close', now - DAY_MS - 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await counts()).reset_requests).toBe(1);
  });
});
