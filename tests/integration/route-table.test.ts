import { afterAll, beforeAll, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import { ROUTE_IDS, ROUTES, openApiPath, type RouteDef } from '../../contract/http/routes';
import { KioskService } from '../../server/src/kiosk/kiosk-service';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  responses: Record<string, unknown>;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
}

/** The routes the app serves besides the API: probes and the document itself. */
const INFRASTRUCTURE = ['GET /healthz', 'GET /readyz', 'GET /v1/openapi.json'];

const PER_MINUTE = 50;
const LOCKOUT = {
  maxFailures: 4,
  baseLockMs: 7 * 60_000,
  repeatWindowMs: 90 * 60_000,
  maxLockMs: 45 * 60_000,
};
const BUDGETS = { deviceFailures: 3, untrustedFailures: 17, failureWindowMs: 20 * 60_000 };
const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';

const table = ROUTE_IDS.map((id) => [id, ROUTES[id] as RouteDef] as const);

/**
 * Every method and full path in `printRoutes` output: a tree whose lines are `├── segment
 * (METHODS)`, each level indented by four characters and continuing its parent's path.
 */
function servedRoutes(printed: string): string[] {
  const prefixes: string[] = [];
  const served: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (depth > 0 ? prefixes[depth - 1]! : '') + match[2]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of match[3]!.split(', ')) served.push(`${method} ${path}`);
  }
  return served;
}

describeWithDb(`the route table is what the server serves (${dbKind})`, () => {
  let t: TestApp;
  let operations: Record<string, Record<string, Operation>>;

  beforeAll(async () => {
    t = await createTestApp({
      authRateLimit: PER_MINUTE,
      lockout: LOCKOUT,
      signInBudgets: BUDGETS,
    });
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    operations = (await t.get('/v1/openapi.json')).json().paths;
  });
  afterAll(async () => t?.close());

  it('serves exactly the routes of the table, besides the probes and the document', () => {
    const served = servedRoutes(t.app.printRoutes({ commonPrefix: false }))
      // Fastify answers HEAD for every GET by itself.
      .filter((route) => !route.startsWith('HEAD '))
      .filter((route) => !INFRASTRUCTURE.includes(route));
    expect(served.sort()).toEqual(table.map(([, r]) => `${r.method} ${r.path}`).sort());
    for (const [id, route] of table) {
      expect(t.app.hasRoute({ method: route.method, url: route.path }), id).toBe(true);
    }
  });

  it('documents each route with the statuses it declares, and only the framework’s besides', () => {
    for (const [id, route] of table) {
      const path = openApiPath(route.path);
      const operation = operations[path]?.[route.method.toLowerCase()];
      expect(operation, id).toBeDefined();
      // The answers the framework gives on its own (server/src/http/openapi-framework-answers.ts).
      const framework = [403, 408, 431, 500];
      if (path.includes('{')) framework.push(414);
      if (route.method !== 'GET') framework.push(413, 415);
      const declared = Object.keys(route.responses).map(Number);
      expect(Object.keys(operation!.responses).map(Number).sort(), id).toEqual(
        [...new Set([...declared, ...framework])].sort(),
      );
    }
  });

  it('documents each route’s texts, tags and Idempotency-Key as the table has them', () => {
    for (const [id, route] of table) {
      const operation = operations[openApiPath(route.path)]![route.method.toLowerCase()]!;
      expect(operation.summary, id).toBe(route.summary);
      expect(operation.tags, id).toEqual(route.tags);
      if (typeof route.description === 'string') {
        expect(operation.description, id).toBe(route.description);
      }
      const key = operation.parameters?.find(
        (p) => p.in === 'header' && p.name === 'idempotency-key',
      );
      expect(key?.required ?? false, id).toBe(route.idempotencyKey);
    }
    // The one description written from this server's configuration.
    expect(operations['/v1/auth/sign-in']!.post!.description).toBe(
      ROUTES['auth.signIn'].description({ ...LOCKOUT, ...BUDGETS }),
    );
  });

  it('limits per client exactly the routes of a rate-limit class', async () => {
    const signedIn = SignInResponse.parse(
      (await t.post('/v1/auth/sign-in', { phone: PHONE, password: PASSWORD })).json(),
    );
    const kiosk = await new KioskService(t.testDb.database.db, t.clock).enroll('Route table');
    for (const [id, route] of table) {
      const headers: Record<string, string> = {};
      if (route.auth === 'bearer') headers['authorization'] = `Bearer ${signedIn.accessToken}`;
      if (route.auth === 'kiosk') headers['airtime-kiosk'] = kiosk.credential;
      // A body that is not JSON stops every request that takes one before its handler, after
      // the limit has counted it; the rest only read, or find nothing to change.
      const payload = route.method === 'GET' ? undefined : '{';
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await t.app.inject({
        method: route.method,
        url: route.path.replace(/:\w+/g, 'no-such-id'),
        headers,
        ...(payload !== undefined && { payload }),
      });
      expect(res.statusCode, id).not.toBe(401);
      if (route.rateLimit === 'none') {
        expect(res.headers['x-ratelimit-limit'], id).toBeUndefined();
      } else {
        expect(res.headers['x-ratelimit-limit'], id).toBe(String(PER_MINUTE));
      }
    }
  });
});
