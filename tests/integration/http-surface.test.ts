import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../../contract/errors';
import { Health, Readiness } from '../../contract/http/health';
import {
  ROUTE_IDS,
  ROUTES,
  openApiPath,
  type RouteAuth,
  type RouteDef,
} from '../../contract/http/routes';
import { buildApp } from '../../server/src/app';
import { openDatabase, type AppDatabase } from '../../server/src/db/database';
import { createTestApp, TEST_TOKEN_SECRET, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

/** Every route the API offers, from the route table, with its path as OpenAPI spells it. */
const API_ROUTES = ROUTE_IDS.map((id) => {
  const route: RouteDef = ROUTES[id];
  return { id, route, method: route.method.toLowerCase(), path: openApiPath(route.path) };
});

/** The OpenAPI security each kind of caller is declared with; a public route declares none. */
const SECURITY: Record<RouteAuth, unknown> = {
  public: undefined,
  publicOrKiosk: [{}, { kioskCredential: [] }],
  bearer: [{ bearerAuth: [] }],
  kiosk: [{ kioskCredential: [] }],
};

/** Signs of a stack trace or source location leaking into a response. */
const STACK_SIGNS = [
  /\bat\s+\S+\s+\(/,
  /\bat\s+(?:async\s+)?\/?[\w.-]+\//,
  /:\d+:\d+\)?/,
  /node_modules/,
  /\.[cm]?[jt]s\b/,
  /"stack"/i,
  /Error:\s/,
];

function expectNoStackTrace(res: LightMyRequestResponse): void {
  for (const sign of STACK_SIGNS) expect(res.body, `${res.statusCode} body`).not.toMatch(sign);
}

describeWithDb(`HTTP surface (${dbKind})`, () => {
  let t: TestApp;
  /** Responses of the current test; each is checked for stack traces when the test ends. */
  let seen: LightMyRequestResponse[] = [];

  async function send(
    app: FastifyInstance,
    options: InjectOptions,
  ): Promise<LightMyRequestResponse> {
    const res = await app.inject(options);
    seen.push(res);
    return res;
  }
  const request = (options: InjectOptions) => send(t.app, options);
  const get = (url: string) => request({ method: 'GET', url });

  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true });
  });
  afterAll(async () => t?.close());
  afterEach(() => {
    const responses = seen;
    seen = [];
    for (const res of responses) expectNoStackTrace(res);
  });

  describe('health', () => {
    it('GET /healthz is 200 ok', async () => {
      const res = await get('/healthz');
      expect(res.statusCode).toBe(200);
      expect(Health.parse(res.json())).toEqual({ status: 'ok' });
    });

    it('GET /readyz is 200 and names the database', async () => {
      const res = await get('/readyz');
      expect(res.statusCode).toBe(200);
      expect(Readiness.parse(res.json())).toEqual({ status: 'ready', database: dbKind });
    });
  });

  describe('OpenAPI document', () => {
    let doc: {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<
        string,
        Record<string, { security?: unknown[]; responses?: Record<string, unknown> }>
      >;
    };

    beforeAll(async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      doc = res.json();
    });

    it('is an OpenAPI 3.1 document', async () => {
      const res = await get('/v1/openapi.json');
      expect(res.statusCode).toBe(200);
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info.title).toBeTruthy();
      expect(doc.info.version).toBeTruthy();
    });

    it('lists exactly the routes of the route table, with their methods', () => {
      const listed = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
          .map((method) => `${method} ${path}`),
      );
      expect(listed.sort()).toEqual(
        API_ROUTES.map(({ method, path }) => `${method} ${path}`).sort(),
      );
    });

    it('marks every route with the security of its callers, and documents its error responses', () => {
      for (const { id, route, method, path } of API_ROUTES) {
        const operation = doc.paths[path]![method]!;
        const statuses = Object.keys(operation.responses ?? {});
        expect(
          statuses.some((status) => /^2\d\d$/.test(status)),
          id,
        ).toBe(true);
        expect(operation.security, id).toEqual(SECURITY[route.auth]);
        if (route.auth === 'bearer') {
          expect(path, id).toMatch(/^\/v1\/account\//);
          expect(operation.responses, id).toHaveProperty('401');
        } else {
          // Every route before a session is limited per client.
          expect(operation.responses, id).toHaveProperty('429');
          if (method !== 'get') expect(operation.responses, id).toHaveProperty('400');
        }
      }
    });

    it('every listed route exists', async () => {
      for (const { id, route, method } of API_ROUTES) {
        const res = await request({
          method: route.method,
          url: route.path.replace(/:\w+/g, 'some-id'),
          ...(method === 'post' || method === 'put'
            ? { payload: {}, headers: { 'content-type': 'application/json' } }
            : {}),
        });
        expect(res.statusCode, id).not.toBe(404);
        // The public catalogue and the captcha challenge need neither a token nor a body: they
        // simply answer.
        if (route.method === 'GET' && (route.auth === 'public' || route.auth === 'publicOrKiosk')) {
          expect(res.statusCode, id).toBe(200);
          continue;
        }
        expectError(
          res,
          res.statusCode,
          res.statusCode === 401 ? 'unauthorized' : 'invalid_request',
        );
      }
    });
  });

  describe('unknown routes', () => {
    it.each([
      ['GET', '/nope'],
      ['GET', '/v1'],
      ['GET', '/v1/auth'],
      ['GET', '/v1/account'],
      ['GET', '/v2/account/summary'],
      ['GET', '/v1/account/summary/extra'],
      ['GET', '/v1/auth/sign-in'],
      ['DELETE', '/v1/account/summary'],
      ['PUT', '/v1/auth/refresh'],
      ['POST', '/healthz'],
    ] as const)('%s %s is 404 not_found with the error body', async (method, url) => {
      const res = await request({ method, url });
      const error = expectError(res, 404, 'not_found');
      expect(error.message).toContain(url);
    });

    it('does not echo a very long path back in full', async () => {
      const url = `/${'x'.repeat(5_000)}`;
      const res = await get(url);
      expectError(res, 404, 'not_found');
      expect(res.body.length).toBeLessThan(400);
    });
  });

  describe('no stack traces', () => {
    it('error responses of every kind carry only the error body', async () => {
      const json = { 'content-type': 'application/json' };
      const cases: [InjectOptions, number, ErrorCode][] = [
        [{ method: 'GET', url: '/missing' }, 404, 'not_found'],
        [
          { method: 'POST', url: '/v1/auth/sign-in', payload: '{"phone":', headers: json },
          400,
          'malformed_json',
        ],
        [
          {
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: { phone: 'x', password: 'y' },
            headers: json,
          },
          400,
          'invalid_request',
        ],
        [
          { method: 'POST', url: '/v1/auth/sign-in', payload: '', headers: json },
          400,
          'invalid_request',
        ],
        [
          {
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: JSON.stringify({ pad: 'a'.repeat(20_000) }),
            headers: json,
          },
          413,
          'payload_too_large',
        ],
        [
          {
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: 'phone=1',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
          415,
          'unsupported_media_type',
        ],
        [
          {
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: { phone: '(206) 555-0100', password: 'wrong-password' },
            headers: json,
          },
          401,
          'invalid_credentials',
        ],
        [
          {
            method: 'POST',
            url: '/v1/auth/refresh',
            payload: { refreshToken: 'A'.repeat(43) },
            headers: json,
          },
          401,
          'invalid_refresh_token',
        ],
        [
          {
            method: 'GET',
            url: '/v1/account/summary',
            headers: { authorization: 'Bearer nonsense' },
          },
          401,
          'unauthorized',
        ],
        [{ method: 'GET', url: '/v1/account/summary' }, 401, 'unauthorized'],
      ];
      for (const [options, status, code] of cases) {
        expectError(await request(options), status, code);
      }
    });

    it.runIf(dbKind === 'postgres')(
      'when PostgreSQL ends the pooled connections, the API keeps running and answers on new ones',
      async () => {
        const lost: Error[] = [];
        // Named, so only this instance's connections are ended, not the shared test app's.
        const url = new URL(t.testDb.location);
        url.searchParams.set('application_name', 'airtime-connection-loss');
        const database = openDatabase(url.toString(), {
          onConnectionError: (error) => lost.push(error),
        });
        const app = await buildApp({
          database,
          clock: t.clock,
          tokenSecret: TEST_TOKEN_SECRET,
          authRateLimit: 0,
        });
        const admin = new pg.Client({ connectionString: t.testDb.location });
        await admin.connect();
        try {
          // Several connections at once, so the pool holds more than one idle client.
          const ready = await Promise.all(
            Array.from({ length: 4 }, () => send(app, { method: 'GET', url: '/readyz' })),
          );
          expect(ready.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
          const ended = await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE application_name = 'airtime-connection-loss'`,
          );
          expect(ended.rowCount).toBeGreaterThan(0);
          await vi.waitFor(() => expect(lost.length).toBe(ended.rowCount));
          expect(lost[0]?.message).toMatch(/terminating connection/);

          const signIn = await send(app, {
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: { phone: '(206) 555-0100', password: 'Sunset-Harbor-42' },
            headers: { 'content-type': 'application/json' },
          });
          expect(signIn.statusCode).toBe(200);
          expect((await send(app, { method: 'GET', url: '/readyz' })).statusCode).toBe(200);
        } finally {
          await admin.end();
          await app.close();
          await database.close();
        }
      },
    );

    it('an internal failure is a 500 internal_error without details, and /readyz reports not ready', async () => {
      // A second instance on its own connection to the same database, which then goes away.
      const database: AppDatabase = openDatabase(t.testDb.location);
      const broken = await buildApp({
        database,
        clock: t.clock,
        tokenSecret: TEST_TOKEN_SECRET,
        authRateLimit: 0,
      });
      try {
        const signIn = await send(broken, {
          method: 'POST',
          url: '/v1/auth/sign-in',
          payload: { phone: '(206) 555-0100', password: 'Sunset-Harbor-42' },
          headers: { 'content-type': 'application/json' },
        });
        expect(signIn.statusCode).toBe(200);
        const { accessToken, refreshToken } = signIn.json();

        await database.close();

        const failures = [
          await send(broken, {
            method: 'POST',
            url: '/v1/auth/sign-in',
            payload: { phone: '(206) 555-0100', password: 'Sunset-Harbor-42' },
            headers: { 'content-type': 'application/json' },
          }),
          await send(broken, {
            method: 'POST',
            url: '/v1/auth/refresh',
            payload: { refreshToken },
            headers: { 'content-type': 'application/json' },
          }),
          await send(broken, {
            method: 'GET',
            url: '/v1/account/summary',
            headers: { authorization: `Bearer ${accessToken}` },
          }),
        ];
        for (const res of failures) {
          const error = expectError(res, 500, 'internal_error');
          expect(error.message).not.toMatch(/destroy|driver|kysely|sqlite|postgres|pool/i);
        }

        const ready = await send(broken, { method: 'GET', url: '/readyz' });
        expect(ready.statusCode).toBe(503);
        expect(Readiness.parse(ready.json())).toEqual({ status: 'not_ready', database: dbKind });
        // Liveness does not depend on the database.
        expect((await send(broken, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      } finally {
        await broken.close();
      }
      // The original instance, with its own connection, is unaffected.
      expect((await get('/readyz')).statusCode).toBe(200);
    });
  });
});
