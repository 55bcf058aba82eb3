import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MINUTE_MS } from '../../server/src/clock';
import { countRequest } from '../../server/src/http/rate-limit-store';
import { burst, fleetOf, postJson, statusCounts, type Fleet } from './support/burst';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

/** A per-client limit is one limit for the whole fleet, however the burst is spread. */
describeWithDb('per-client limits across instances', () => {
  const LIMIT = 10;
  let t: TestApp;
  let fleet: Fleet;
  beforeEach(async () => {
    t = await createTestApp({ authRateLimit: LIMIT });
    fleet = await fleetOf(t, { authRateLimit: LIMIT });
  });
  afterEach(async () => {
    await fleet?.close();
    await t?.close();
  });

  it('lets exactly the limit through when 40 requests from one client arrive at once', async () => {
    if (dbKind === 'postgres') expect(fleet.apps).toHaveLength(2);
    const requests = Array.from({ length: 40 }, () => ({
      ...postJson('/v1/auth/refresh', { refreshToken: randomBytes(32).toString('base64url') }),
      remoteAddress: '203.0.113.20',
    }));
    const answers = await burst(fleet, requests);
    expect(statusCounts(answers)).toEqual({ 401: LIMIT, 429: 40 - LIMIT });
    // Another client is not held back by the first one's burst.
    const other = await burst(fleet, [
      {
        ...postJson('/v1/auth/refresh', { refreshToken: randomBytes(32).toString('base64url') }),
        remoteAddress: '203.0.113.21',
      },
    ]);
    expect(other[0]!.statusCode).toBe(401);
  });

  it('counts each request once and in order, and starts a new window when the old one ends', async () => {
    const db = t.testDb.database.db;
    const now = t.clock.now();
    const counts = await Promise.all(
      Array.from({ length: 40 }, () => countRequest(db, 'test|ip:192.0.2.1', now, MINUTE_MS)),
    );
    expect(counts.map((c) => c.current).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(counts.every((c) => c.ttl === MINUTE_MS)).toBe(true);

    const later = await countRequest(db, 'test|ip:192.0.2.1', now + 20_000, MINUTE_MS);
    expect(later).toEqual({ current: 41, ttl: MINUTE_MS - 20_000 });
    const next = await countRequest(db, 'test|ip:192.0.2.1', now + MINUTE_MS, MINUTE_MS);
    expect(next).toEqual({ current: 1, ttl: MINUTE_MS });
  });
});
