import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../../server/src/app';
import { ManualClock } from '../../../server/src/clock';
import { SubscriberAdmin, type NewSubscriber } from '../../../server/src/account/subscriber-admin';
import { seedDemo } from '../../../server/src/demo/seed-demo';
import { BackgroundTasks } from '../../../server/src/background';
import { freshCaptcha, TEST_CAPTCHA_MAX_NUMBER, TEST_CAPTCHA_MAX_NUMBER_CAP } from './captcha';
import { createTestDatabase, type TestDatabase } from './test-db';
import { keySourceFor, openKeys } from '../../../server/src/keys/open-keys';

/** The moment every test starts at unless it says otherwise. */
export const TEST_NOW = '2026-11-25T12:00:00.000Z';
export const TEST_TOKEN_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: FastifyInstance;
  clock: ManualClock;
  testDb: TestDatabase;
  admin: SubscriberAdmin;
  /** POST JSON to a path. */
  post(
    url: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** GET with an optional bearer token. */
  get(url: string, accessToken?: string): Promise<LightMyRequestResponse>;
  /** Adds a subscriber through the admin service (real argon2 hash). */
  addSubscriber(
    overrides?: Partial<NewSubscriber>,
  ): Promise<{ id: string; phone: string; password: string }>;
  /** A solved captcha from `GET /v1/captcha/challenge`, for the body of a risky request. */
  captcha(): Promise<string>;
  /** Waits for work the app started after answering (reset-code delivery). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions extends Partial<Omit<AppOptions, 'database' | 'clock'>> {
  now?: string;
  seedDemo?: boolean;
}

let counter = 0;

/** Builds the real app on a fresh database with a manual clock. Rate limiting is off unless asked. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDb = await createTestDatabase();
  const clock = new ManualClock(options.now ?? TEST_NOW);
  if (options.seedDemo) await seedDemo(testDb.database.db, clock);
  const { now: _now, seedDemo: _seed, ...appOptions } = options;
  const background = appOptions.background ?? new BackgroundTasks();
  // The keys `serve` would use on this database (its key file), so a CLI process run on the
  // same database with AIRTIME_KEY_FILE=testDb.keyFile makes PINs this app accepts.
  const keys =
    appOptions.keys ??
    (
      await openKeys(
        testDb.database,
        keySourceFor(testDb.location, { AIRTIME_KEY_FILE: testDb.keyFile }),
        clock,
      )
    ).keys;
  const app = await buildApp({
    authRateLimit: 0,
    tokenSecret: TEST_TOKEN_SECRET,
    ...appOptions,
    keys,
    captcha: {
      maxNumber: TEST_CAPTCHA_MAX_NUMBER,
      maxNumberCap: TEST_CAPTCHA_MAX_NUMBER_CAP,
      ...appOptions.captcha,
    },
    background,
    database: testDb.database,
    clock,
  });
  await app.ready();
  const admin = new SubscriberAdmin(testDb.database.db, clock);
  return {
    app,
    clock,
    testDb,
    admin,
    post: (url, body, headers = {}) =>
      app.inject({
        method: 'POST',
        url,
        payload: body as never,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    get: (url, accessToken) =>
      app.inject({
        method: 'GET',
        url,
        headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      }),
    addSubscriber: async (overrides = {}) => {
      counter += 1;
      const password = (overrides.password as string | undefined) ?? 'Correct-Horse-Battery-9';
      const created = await admin.add({
        phone: `+1206555${String(1000 + (counter % 9000)).padStart(4, '0')}`,
        name: `Test Subscriber ${counter}`,
        email: `test${counter}@example.com`,
        planId: 'starter-5gb',
        ...overrides,
        password,
      });
      return { ...created, password };
    },
    captcha: () => freshCaptcha((url) => app.inject({ method: 'GET', url })),
    settle: () => background.settled(),
    close: async () => {
      await app.close();
      await testDb.cleanup();
    },
  };
}
