import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ApiErrorBody } from '../../contract/errors';
import { AccessTokens } from '../../server/src/auth/tokens';
import { BODY_LIMIT_BYTES } from '../../server/src/app';
import { TEST_NOW, TEST_TOKEN_SECRET, createTestApp, type TestApp } from './support/test-app';
import { describeWithDb, dbKind } from './support/test-db';

/**
 * Whatever a client sends, the API answers with a 4xx or a 2xx, never a 5xx, and every error body
 * has the contract's shape without leaking a stack trace.
 */

type Method = NonNullable<InjectOptions['method']>;

const METHODS: Method[] = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'SEARCH',
  'PROPFIND',
  'COPY',
  'LOCK',
  'PURGE',
  'QUERY',
];
const AUTH_ROUTES = ['/v1/auth/sign-in', '/v1/auth/refresh', '/v1/auth/sign-out'] as const;
const ACCOUNT_ROUTES = [
  '/v1/account/summary',
  '/v1/account/plan',
  '/v1/account/usage',
  '/v1/account/statements',
  '/v1/account/payments',
] as const;
/** The security center's routes without a path parameter. */
const SECURITY_ROUTES = [
  '/v1/account/security',
  '/v1/account/password',
  '/v1/account/contact',
  '/v1/account/sessions',
  '/v1/account/sessions/sign-out-others',
  '/v1/account/security-events',
] as const;
const OPEN_ROUTES = ['/healthz', '/readyz', '/v1/openapi.json'] as const;
/** Demo subscribers' numbers in several typed forms, and one number nobody has. */
const SIGN_IN_PHONES = [
  '(206) 555-0100',
  '+13125550142',
  '415.555.0175',
  '7865550123',
  '(206) 555-0199',
];
const RUNS = { numRuns: 100 };

/** Text that would look like a stack trace if the API echoed it back in a message. */
const TRACE_LIKE = /\.ts:| {4}at /;
const noTraceLike = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  arb.filter((v) => !TRACE_LIKE.test(typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));

/** Printable ASCII: what an HTTP header value can carry. */
const headerText = (maxLength = 80) => noTraceLike(fc.string({ maxLength }));
/** Anything, including unpaired surrogates and control characters. */
const anyText = (maxLength = 60) =>
  noTraceLike(
    fc.oneof(
      fc.string({ maxLength }),
      fc.string({ unit: 'binary', maxLength }),
      fc.string({ unit: 'grapheme', maxLength }),
    ),
  );

/** Percent-encodes every byte except letters and digits, so any text can sit in a URL. */
function encodeAll(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** A path segment: plain, fully encoded, or with broken percent-escapes. */
const pathSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{0,30}$/),
  anyText(40).map(encodeAll),
  fc.constantFrom(
    '%',
    '%E0%A4%A',
    '%C0%AF',
    '%ZZ',
    '%00',
    '%2F',
    '%2e%2e',
    '..',
    '.',
    '%FF%FE',
    'a'.repeat(250),
    '%F0%9F%98%80',
  ),
);

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The session an access token names (its `sid` claim). */
const sessionIdOf = (accessToken: string): string =>
  JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid as string;

/** Cursors: random text, and well-formed base64url JSON holding odd keys. */
const cursorArb = fc.oneof(
  anyText(40),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
    .map((v) => base64url(JSON.stringify(v))),
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(
          '1e400',
          '-1e400',
          '1.5',
          '-0',
          '9007199254740993',
          '0',
          '-1',
          '1795000000000',
          '"2026-11-07"',
          '"2026-11-07\\u0000"',
          '""',
        ),
        fc.double().map((d) => (Number.isFinite(d) ? String(d) : '0')),
        fc.string({ unit: 'binary', maxLength: 12 }).map((s) => JSON.stringify(s)),
      ),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }).map((s) => JSON.stringify(s)),
        fc.constantFrom('"x"', '"\\u0000"', '"demo-0100-st-2026-11-07"', '1', 'null'),
      ),
    )
    .map(([key, id]) => base64url(`[${key},${id}]`)),
  fc.constantFrom(
    base64url('["2026-11-07\\u0000","x"]'),
    base64url('[1.5,"x"]'),
    base64url('[1e400,"x"]'),
  ),
);

const isoDayArb = fc
  .date({
    min: new Date('0000-01-01T00:00:00Z'),
    max: new Date('9999-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10));

const cycleArb = fc.oneof(
  anyText(20),
  isoDayArb,
  fc.constantFrom(
    'current',
    '',
    'CURRENT',
    '2026-02-30',
    '2026-11-25',
    '2025-12-01',
    '2026-11-26',
    '0000-01-01',
    '9999-12-31',
  ),
);

const limitArb = fc.oneof(
  anyText(10),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom(
    '',
    '0',
    '1',
    '100',
    '101',
    '-1',
    '1e2',
    '0x10',
    'Infinity',
    'NaN',
    ' 5 ',
    '20.0',
    '1e400',
  ),
);

/** A query string built from the known keys, unknown keys, repeats and broken escapes. */
const queryArb = fc
  .array(
    fc.oneof(
      cycleArb.map((v) => `cycle=${encodeAll(v)}`),
      limitArb.map((v) => `limit=${encodeAll(v)}`),
      cursorArb.map((v) => `cursor=${encodeAll(v)}`),
      fc.tuple(anyText(12), anyText(12)).map(([k, v]) => `${encodeAll(k)}=${encodeAll(v)}`),
      fc.constantFrom(
        'cycle',
        'limit=',
        'cursor',
        '=',
        '&&',
        'cycle=%E0%A4%A',
        'limit=%ZZ',
        '__proto__=1',
        'constructor=x',
      ),
    ),
    { maxLength: 4 },
  )
  .map((parts) => (parts.length ? `?${parts.join('&')}` : ''));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  ';;',
  '',
  '*/*',
  'application/json; boundary',
];
const contentTypeArb = fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText(40));

/** Authorization header values: none, junk, wrong schemes, and bearer tokens of every sort. */
function authorizationArb(tokens: {
  valid: string;
  expired: string;
  otherSession: string;
  otherKey: string;
}) {
  const tokenish = fc.stringMatching(/^[A-Za-z0-9._-]{0,120}$/);
  return fc.oneof(
    fc.constant(undefined),
    headerText(100),
    tokenish.map((t) => `Bearer ${t}`),
    headerText(60).map((t) => `Bearer ${t}`),
    fc.constantFrom(
      `Bearer ${tokens.valid}`,
      `bearer ${tokens.valid}`,
      `Bearer  ${tokens.valid}`,
      `Bearer ${tokens.valid} `,
      `Bearer ${tokens.valid}x`,
      `Bearer ${tokens.valid.slice(0, -5)}`,
      `Bearer ${tokens.expired}`,
      `Bearer ${tokens.otherSession}`,
      `Bearer ${tokens.otherKey}`,
      `Basic ${Buffer.from('2065550100:Sunset-Harbor-42').toString('base64')}`,
      'Bearer',
      'Bearer ',
      `Bearer ${'a'.repeat(2049)}`,
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'Bearer a.b.c',
      tokens.valid,
    ),
  );
}

/** JSON values of every kind, including ones with prototype-polluting keys. */
const jsonish = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    { __proto__: { admin: true } },
    JSON.parse('{"__proto__":{"polluted":1}}'),
    { constructor: { prototype: { polluted: 1 } } },
    [],
    {},
    null,
    0,
    '',
    'x'.repeat(BODY_LIMIT_BYTES * 2),
  ),
);

/** Values for a field that should be a short string: often a plausible one, else anything. */
const fieldValue = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { arbitrary: valid, weight: 3 },
    anyText(40),
    fc.string({ unit: 'grapheme', minLength: 100, maxLength: 300 }),
    fc.constantFrom<unknown>(
      null,
      true,
      0,
      -1,
      2065550100,
      Number.POSITIVE_INFINITY,
      [],
      {},
      ['2065550100'],
      { phone: '2065550100' },
      '',
      ' ',
      '\u0000',
      'x'.repeat(BODY_LIMIT_BYTES),
    ),
  );

describeWithDb(`no 5xx and only contract-shaped errors, whatever the input (${dbKind})`, () => {
  let t: TestApp;
  let tokens: { valid: string; expired: string; otherSession: string; otherKey: string };
  let statementId: string;
  /**
   * A subscriber of its own for the security center, so its password changes, lockouts and
   * signed-out devices leave the demo account alone.
   */
  let security: {
    id: string;
    phone: string;
    password: string;
    passwordHash: string;
    authorization: string;
    otherSessions: string[];
  };
  let requests = 0;

  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true, authRateLimit: 0 });
    const signIn = await t.post('/v1/auth/sign-in', {
      phone: '(206) 555-0100',
      password: 'Sunset-Harbor-42',
    });
    expect(signIn.statusCode).toBe(200);
    const { accessToken, subscriber } = signIn.json() as {
      accessToken: string;
      subscriber: { id: string };
    };
    const signer = new AccessTokens(TEST_TOKEN_SECRET);
    const sessionId = sessionIdOf(accessToken);
    tokens = {
      valid: accessToken,
      expired: await signer.issue(
        { subscriberId: subscriber.id, sessionId },
        Date.parse(TEST_NOW) - 3_600_000,
      ),
      otherSession: await signer.issue(
        { subscriberId: subscriber.id, sessionId: 'no-such-session' },
        Date.parse(TEST_NOW),
      ),
      otherKey: await new AccessTokens('some-other-signing-secret-0123456789abcdef').issue(
        { subscriberId: subscriber.id, sessionId },
        Date.parse(TEST_NOW),
      ),
    };
    const statements = await t.get('/v1/account/statements?limit=1', accessToken);
    expect(statements.statusCode).toBe(200);
    statementId = (statements.json() as { items: { id: string }[] }).items[0]!.id;

    const own = await t.addSubscriber();
    const signIns = [];
    for (let i = 0; i < 3; i++) {
      const response = await t.post('/v1/auth/sign-in', {
        phone: own.phone,
        password: own.password,
      });
      expect(response.statusCode).toBe(200);
      signIns.push((response.json() as { accessToken: string }).accessToken);
    }
    const { password_hash: passwordHash } = await t.testDb.database.db
      .selectFrom('subscribers')
      .select('password_hash')
      .where('id', '=', own.id)
      .executeTakeFirstOrThrow();
    security = {
      ...own,
      passwordHash,
      authorization: `Bearer ${signIns[0]!}`,
      otherSessions: signIns.slice(1).map(sessionIdOf),
    };
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Sends one request from its own client address (so per-client limits do not mask routes). */
  async function send(options: InjectOptions): Promise<LightMyRequestResponse> {
    requests += 1;
    const response = await t.app.inject({
      remoteAddress: `10.${(requests >> 16) & 255}.${(requests >> 8) & 255}.${requests & 255}`,
      ...options,
    });
    expectWellFormed(response, options);
    return response;
  }

  function expectWellFormed(response: LightMyRequestResponse, options: InjectOptions): void {
    const what = `${options.method ?? 'GET'} ${String(options.url).slice(0, 200)}`;
    expect(response.statusCode, what).toBeLessThan(500);
    expect(response.statusCode, what).toBeGreaterThanOrEqual(200);
    expect(response.body, what).not.toMatch(TRACE_LIKE);
    const isHead = String(options.method ?? 'GET').toUpperCase() === 'HEAD';
    if (response.statusCode >= 200 && response.statusCode < 300) return;
    if (isHead) {
      expect(response.body, what).toBe('');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      throw new Error(
        `${what}: ${response.statusCode} body is not JSON: ${response.body.slice(0, 300)}`,
      );
    }
    const parsed = ApiErrorBody.safeParse(body);
    expect(parsed.success, `${what}: ${response.statusCode} ${response.body.slice(0, 300)}`).toBe(
      true,
    );
  }

  it('auth routes take any JSON value as the body', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...AUTH_ROUTES), noTraceLike(jsonish), async (url, body) => {
        const response = await send({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body) ?? 'null',
        });
        expect([200, 204, 400, 401, 413, 423, 428]).toContain(response.statusCode);
      }),
      RUNS,
    );
  });

  it(
    'sign-in takes the right keys with wrong types, odd text and extra keys',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            phone: fc.option(fieldValue(fc.constantFrom(...SIGN_IN_PHONES)), {
              nil: undefined,
              freq: 8,
            }),
            password: fc.option(
              fieldValue(fc.constantFrom('Sunset-Harbor-42', 'wrong-password', 'x')),
              {
                nil: undefined,
                freq: 8,
              },
            ),
            extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, anyText(10)),
          }),
          async (record) => {
            const { extra, ...fields } = record;
            const body = Object.fromEntries(
              Object.entries(fields).filter(([, v]) => v !== undefined),
            );
            const payload = extra === undefined ? body : { ...body, [extra]: 1 };
            const response = await send({
              method: 'POST',
              url: '/v1/auth/sign-in',
              headers: { 'content-type': 'application/json' },
              payload: JSON.stringify(payload),
            });
            expect([200, 400, 401, 413, 423, 428]).toContain(response.statusCode);
          },
        ),
        { numRuns: 80 },
      );
    },
  );

  it('refresh and sign-out take the right key with any value', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/auth/refresh', '/v1/auth/sign-out'),
        fc.record({
          refreshToken: fc.option(fieldValue(fc.stringMatching(/^[A-Za-z0-9_-]{40,46}$/)), {
            nil: undefined,
            freq: 8,
          }),
          extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, anyText(10)),
        }),
        async (url, record) => {
          const { extra, ...fields } = record;
          const body = Object.fromEntries(
            Object.entries(fields).filter(([, v]) => v !== undefined),
          );
          const payload = extra === undefined ? body : { ...body, [extra]: 'x' };
          const response = await send({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          });
          expect([204, 400, 401, 413]).toContain(response.statusCode);
        },
      ),
      { numRuns: 100 },
    );
  });

  it(
    'auth routes take raw bodies of any bytes under any content type',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...AUTH_ROUTES),
          fc.option(contentTypeArb, { nil: undefined }),
          fc.oneof(
            anyText(200),
            fc.json({ maxDepth: 3 }).map((j) => j.slice(0, j.length - 1)),
            fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
            fc.constantFrom(
              '',
              '{',
              '{"phone":"2065550100","password":',
              '['.repeat(5_000),
              '['.repeat(4_000) + ']'.repeat(4_000),
              `{"phone":"${'9'.repeat(BODY_LIMIT_BYTES)}","password":"x"}`,
              '{"__proto__":{"a":1}}',
              '{"constructor":{"prototype":{"a":1}}}',
              'phone=2065550100&password=Sunset-Harbor-42',
              '\uFEFF{"phone":"2065550100","password":"x"}',
              'null',
              '"just a string"',
            ),
          ),
          fc.option(fc.constantFrom('0', '1', '5', '-1', 'abc', '99999', '1e3'), {
            nil: undefined,
          }),
          async (url, contentType, payload, contentLength) => {
            const headers: Record<string, string> = {};
            if (contentType !== undefined) headers['content-type'] = contentType;
            if (contentLength !== undefined) headers['content-length'] = contentLength;
            const response = await send({ method: 'POST', url, headers, payload });
            expect(response.statusCode).not.toBe(200);
          },
        ),
        { numRuns: 100 },
      );
    },
  );

  it(
    'account routes take any query string, with and without a valid token',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ACCOUNT_ROUTES),
          queryArb,
          fc.boolean(),
          async (route, query, signedIn) => {
            const response = await send({
              method: 'GET',
              url: `${route}${query}`,
              headers: signedIn ? { authorization: `Bearer ${tokens.valid}` } : {},
            });
            if (!signedIn) expect(response.statusCode).toBe(401);
          },
        ),
        { numRuns: 100 },
      );
    },
  );

  it(
    'usage, statements and payments take any cycle, limit and cursor with a valid token',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            cycleArb.map((cycle) => `/v1/account/usage?cycle=${encodeAll(cycle)}`),
            fc
              .tuple(
                fc.constantFrom('statements', 'payments'),
                fc.option(limitArb),
                fc.option(cursorArb),
              )
              .map(([route, limit, cursor]) => {
                const query = [
                  limit === null ? '' : `limit=${encodeAll(limit)}`,
                  cursor === null ? '' : `cursor=${encodeAll(cursor)}`,
                ].filter(Boolean);
                return `/v1/account/${route}${query.length ? `?${query.join('&')}` : ''}`;
              }),
          ),
          async (url) => {
            const response = await send({
              method: 'GET',
              url,
              headers: { authorization: `Bearer ${tokens.valid}` },
            });
            expect([200, 400]).toContain(response.statusCode);
          },
        ),
        { numRuns: 100 },
      );
    },
  );

  it('a statement id can be anything in the path', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(pathSegment, fc.constant(statementId), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)),
        fc.boolean(),
        queryArb,
        async (id, signedIn, query) => {
          const response = await send({
            method: 'GET',
            url: `/v1/account/statements/${id}${query}`,
            headers: signedIn ? { authorization: `Bearer ${tokens.valid}` } : {},
          });
          expect([200, 400, 401, 404, 414]).toContain(response.statusCode);
        },
      ),
      { numRuns: 100 },
    );
  });

  it(
    'security-center routes take any body, session id and query with a valid token',
    { timeout: 60_000 },
    async () => {
      // Mostly well-formed values, so that most requests get as far as the password check.
      const field = (...valid: string[]) =>
        fc.option(
          fc.oneof(
            { arbitrary: fc.constantFrom(...valid), weight: 3 },
            fieldValue(fc.constantFrom(...valid)),
          ),
          { nil: undefined, freq: 8 },
        );
      const extraKey = fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, anyText(10));
      /** The fields that were generated, plus an unknown key now and then. */
      const withExtra = ({ extra, ...fields }: Record<string, unknown>) => {
        const body = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        return typeof extra === 'string' ? { ...body, [extra]: 1 } : body;
      };
      const password = field(security.password, 'Not-The-Password-1');
      const post = (url: string, body: unknown): InjectOptions => ({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body) ?? 'null',
      });
      const request = fc.oneof(
        fc
          .tuple(
            fc.constantFrom(
              '/v1/account/security',
              '/v1/account/sessions',
              '/v1/account/security-events',
            ),
            queryArb,
          )
          .map(([url, query]): InjectOptions => ({ method: 'GET', url: `${url}${query}` })),
        fc
          .record({
            currentPassword: password,
            newPassword: field('Quiet-Lantern-Meadow-58', security.password, 'password1'),
            extra: extraKey,
          })
          .map((r) => post('/v1/account/password', withExtra(r))),
        fc
          .record({
            password,
            email: field('new.address@example.com', 'Someone@Example.org'),
            contactPhone: field('(415) 555-0188', security.phone, '+447700900123'),
            extra: extraKey,
          })
          .map((r) => post('/v1/account/contact', withExtra(r))),
        fc
          .tuple(
            fc.oneof(pathSegment, fc.constantFrom(...security.otherSessions), fc.uuid()),
            queryArb,
            fc.option(noTraceLike(jsonish), { nil: undefined }),
          )
          .map(([id, query, body]): InjectOptions => ({
            ...(body === undefined ? { method: 'POST' } : post('', body)),
            url: `/v1/account/sessions/${id}/sign-out${query}`,
          })),
        fc
          .tuple(
            fc.constantFrom(
              '/v1/account/password',
              '/v1/account/contact',
              '/v1/account/sessions/sign-out-others',
            ),
            fc.option(noTraceLike(jsonish), { nil: undefined }),
          )
          .map(([url, body]): InjectOptions =>
            body === undefined ? { method: 'POST', url } : post(url, body),
          ),
      );
      const db = t.testDb.database.db;
      await fc.assert(
        fc.asyncProperty(request, fc.boolean(), async (options, locked) => {
          // Each run starts from the same account, locked or not, with every device signed in.
          await db
            .updateTable('subscribers')
            .set({ password_hash: security.passwordHash })
            .where('id', '=', security.id)
            .execute();
          // Locked: every untrusted client, this one included, is locked out of the number.
          const { phone } = await db
            .selectFrom('subscribers')
            .select('phone')
            .where('id', '=', security.id)
            .executeTakeFirstOrThrow();
          await db.deleteFrom('sign_in_lockouts').where('phone', '=', phone).execute();
          if (locked) {
            await db
              .insertInto('sign_in_lockouts')
              .values({
                phone,
                lane: 'untrusted',
                failed_attempts: 0,
                window_started_at: t.clock.now(),
                locked_until: t.clock.now() + 60_000,
                last_locked_at: t.clock.now(),
                lock_level: 0,
              })
              .execute();
          }
          await db
            .updateTable('sessions')
            .set({ revoked_at: null })
            .where('subscriber_id', '=', security.id)
            .execute();
          const response = await send({
            ...options,
            headers: { ...options.headers, authorization: security.authorization },
          });
          expect([200, 204, 400, 401, 404, 413, 414, 415, 422, 423]).toContain(response.statusCode);
        }),
        RUNS,
      );
    },
  );

  it('account routes take any authorization header', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...ACCOUNT_ROUTES),
          fc.constant('/v1/account/statements/x'),
          fc.constant(`/v1/account/statements/${statementId}`),
        ),
        authorizationArb(tokens),
        async (url, authorization) => {
          const response = await send({
            method: 'GET',
            url,
            headers: authorization === undefined ? {} : { authorization },
          });
          // The valid token under the Bearer scheme, in any case and after any number of spaces
          // (RFC 7235), is the only header that gets in.
          const valid = new RegExp(`^bearer +${tokens.valid.replace(/\./g, '\\.')}$`, 'i');
          if (authorization === undefined || !valid.test(authorization)) {
            expect([401, 400, 404]).toContain(response.statusCode);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('every route takes any method, headers and body', { timeout: 60_000 }, async () => {
    const routes = [
      ...AUTH_ROUTES,
      ...ACCOUNT_ROUTES,
      ...SECURITY_ROUTES,
      ...OPEN_ROUTES,
      '/v1/account/statements/x',
      '/v1/account/sessions/x/sign-out',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.constantFrom(...routes),
        queryArb,
        fc.option(contentTypeArb, { nil: undefined }),
        fc.option(
          fc.oneof(
            anyText(100),
            jsonish.map((v) => JSON.stringify(v) ?? 'null'),
          ),
          { nil: undefined },
        ),
        fc.option(authorizationArb(tokens), { nil: undefined }),
        fc.dictionary(
          fc.constantFrom(
            'accept',
            'accept-encoding',
            'accept-language',
            'x-forwarded-for',
            'user-agent',
            'origin',
            'cookie',
            'if-none-match',
            'range',
            'expect',
          ),
          headerText(60),
          { maxKeys: 3 },
        ),
        async (method, route, query, contentType, payload, authorization, extraHeaders) => {
          const headers: Record<string, string> = { ...extraHeaders };
          if (contentType !== undefined) headers['content-type'] = contentType;
          if (authorization !== undefined) headers['authorization'] = authorization;
          await send({
            method,
            url: `${route}${query}`,
            headers,
            ...(payload === undefined ? {} : { payload }),
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('unknown paths answer 404 not_found, whatever the method', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.array(pathSegment, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('', '/v1', '/v1/auth', '/v1/account', '/v2', '/healthz'),
        queryArb,
        async (method, segments, prefix, query) => {
          const url = `${prefix}/${segments.join('/')}${query}`;
          const response = await send({ method, url });
          expect([200, 400, 401, 404, 414]).toContain(response.statusCode);
        },
      ),
      { numRuns: 100 },
    );
  });

  it(
    'health, readiness and the OpenAPI document answer 200 with any query and headers',
    { timeout: 60_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...OPEN_ROUTES),
          queryArb,
          fc.option(authorizationArb(tokens), { nil: undefined }),
          fc.option(contentTypeArb, { nil: undefined }),
          async (url, query, authorization, contentType) => {
            const headers: Record<string, string> = {};
            if (authorization !== undefined) headers['authorization'] = authorization;
            if (contentType !== undefined) headers['content-type'] = contentType;
            const response = await send({ method: 'GET', url: `${url}${query}`, headers });
            expect(response.statusCode).toBe(200);
          },
        ),
        { numRuns: 50 },
      );
    },
  );

  it('answers a few known-hard requests with the right status and code', async () => {
    const bearer = { authorization: `Bearer ${tokens.valid}` };
    const json = { 'content-type': 'application/json' };
    const cases: [InjectOptions, number, string][] = [
      // Broken percent-escapes are caught by the router, before any route runs.
      [{ method: 'GET', url: '/v1/account/statements/%E0%A4%A' }, 400, 'invalid_request'],
      [
        { method: 'GET', url: '/v1/account/statements/%C0%AF', headers: bearer },
        400,
        'invalid_request',
      ],
      [{ method: 'GET', url: '/%ZZ' }, 400, 'invalid_request'],
      // A path parameter past the router's limit.
      [
        { method: 'GET', url: `/v1/account/statements/${'a'.repeat(300)}`, headers: bearer },
        414,
        'invalid_request',
      ],
      [{ method: 'GET', url: `/${'x'.repeat(5_000)}` }, 404, 'not_found'],
      // Cursors that decode to keys no page ever ends on.
      [
        {
          method: 'GET',
          url: `/v1/account/payments?cursor=${base64url('[1.5,"x"]')}`,
          headers: bearer,
        },
        400,
        'invalid_request',
      ],
      [
        {
          method: 'GET',
          url: `/v1/account/payments?cursor=${base64url('[1e400,"x"]')}`,
          headers: bearer,
        },
        400,
        'invalid_request',
      ],
      [
        {
          method: 'GET',
          url: `/v1/account/statements?cursor=${base64url('["2026-11-07\\u0000","x"]')}`,
          headers: bearer,
        },
        400,
        'invalid_request',
      ],
      [
        { method: 'GET', url: '/v1/account/usage?cycle=0000-01-01', headers: bearer },
        400,
        'cycle_out_of_range',
      ],
      [
        { method: 'GET', url: '/v1/account/usage?cycle=9999-12-31', headers: bearer },
        400,
        'cycle_out_of_range',
      ],
      [
        {
          method: 'POST',
          url: '/v1/auth/sign-in',
          headers: json,
          payload: '['.repeat(BODY_LIMIT_BYTES - 1),
        },
        400,
        'malformed_json',
      ],
      [
        {
          method: 'POST',
          url: '/v1/auth/sign-in',
          headers: json,
          payload: 'x'.repeat(BODY_LIMIT_BYTES * 4),
        },
        413,
        'payload_too_large',
      ],
      [
        {
          method: 'POST',
          url: '/v1/auth/sign-in',
          headers: { 'content-type': 'application/xml' },
          payload: '<a/>',
        },
        415,
        'unsupported_media_type',
      ],
      [
        { method: 'POST', url: '/v1/auth/sign-in', headers: json, payload: '' },
        400,
        'invalid_request',
      ],
      [
        {
          method: 'POST',
          url: '/v1/auth/sign-in',
          headers: json,
          payload: '{"__proto__":{"a":1}}',
        },
        400,
        'malformed_json',
      ],
      [
        {
          method: 'POST',
          url: '/v1/auth/sign-in',
          headers: { ...json, 'content-length': '3' },
          payload: '{"phone":"x"}',
        },
        400,
        'invalid_request',
      ],
    ];
    for (const [options, status, code] of cases) {
      const response = await send(options);
      expect(response.statusCode, String(options.url).slice(0, 80)).toBe(status);
      expect((response.json() as ApiErrorBody).error.code, String(options.url).slice(0, 80)).toBe(
        code,
      );
    }
  });
});
