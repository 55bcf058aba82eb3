import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../../server/src/app';
import { openDatabase } from '../../../server/src/db/database';
import { keysFor } from '../../../server/src/secrets';
import { TEST_CAPTCHA_MAX_NUMBER, TEST_CAPTCHA_MAX_NUMBER_CAP } from './captcha';
import { TEST_TOKEN_SECRET, type TestApp } from './test-app';
import { dbKind } from './test-db';

/**
 * Attackers send their requests all at once. A burst fires every request before awaiting any,
 * spread over the API instances that share the test's database, and returns the answers in the
 * order the requests were written.
 */

/** The instances a burst is spread over: the test's own app and, on PostgreSQL, a second one. */
export interface Fleet {
  apps: FastifyInstance[];
  close(): Promise<void>;
}

/**
 * A second API instance on the same PostgreSQL database (same clock, same keys), as in a fleet.
 * On SQLite, which serves one instance in production, the fleet is the test's app alone: two
 * SQLite connections in one process cannot overlap a transaction, so they would only take turns.
 */
export async function fleetOf(t: TestApp, options: Partial<AppOptions> = {}): Promise<Fleet> {
  if (dbKind !== 'postgres') return { apps: [t.app], close: async () => {} };
  let closing = false;
  const second = openDatabase(t.testDb.location, {
    onConnectionError: (error) => {
      // Closing the pool races with the test database being dropped; only then is it expected.
      if (!closing) throw error;
    },
  });
  const app2 = await buildApp({
    authRateLimit: 0,
    tokenSecret: TEST_TOKEN_SECRET,
    // The first instance's keys: instances of a fleet share one key file.
    keys: keysFor(t.testDb.database.db),
    ...options,
    // The same small captcha work as the test's own app, so one solution serves either instance.
    captcha: {
      maxNumber: TEST_CAPTCHA_MAX_NUMBER,
      maxNumberCap: TEST_CAPTCHA_MAX_NUMBER_CAP,
      ...options.captcha,
    },
    database: second,
    clock: t.clock,
  });
  await app2.ready();
  return {
    apps: [t.app, app2],
    close: async () => {
      closing = true;
      await app2.close();
      await second.close();
    },
  };
}

/** Sends every request at once, request `i` to instance `i mod n`; answers in request order. */
export function burst(
  fleet: Fleet,
  requests: readonly InjectOptions[],
): Promise<LightMyRequestResponse[]> {
  return Promise.all(
    requests.map((request, i) => fleet.apps[i % fleet.apps.length]!.inject(request)),
  );
}

/** A JSON POST, for {@link burst}. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): InjectOptions {
  return {
    method: 'POST',
    url,
    payload: body as never,
    headers: { 'content-type': 'application/json', ...headers },
  };
}

/** How many answers had each status, e.g. `{ 401: 35, 423: 5 }`. */
export function statusCounts(responses: readonly LightMyRequestResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1;
  return counts;
}
