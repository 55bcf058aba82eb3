import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axios, { AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { AppError } from '../../../main/errors';
import type { AccountSummary } from '../../../contract/http/account';
import type { Receipt } from '../../../contract/http/payments';
import {
  createApiClient,
  type ApiClientOptions,
  type ApiFile,
  type CallInput,
  type CallResult,
} from '../../../main/services/api-client';
import { summary, statement, statements } from './support/fakes';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let handler: Handler;
let seen: Seen[];

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const apiError = (code: string, message: string, extra: object = {}) => ({
  error: { code, message, ...extra },
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(options: Partial<ApiClientOptions> = {}) {
  seen = [];
  const sleeps: number[] = [];
  const api = createApiClient({
    baseUrl: () => base,
    appVersion: '1.2.3',
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
  return { api, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('api client: success', () => {
  it('sends the bearer token and User-Agent, and returns the contract-checked body', async () => {
    handler = (_req, res) => json(res, 200, summary);
    const { api } = client();
    await expect(api.call('account.summary', { accessToken: 'access-1' })).resolves.toEqual(
      summary,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/account/summary' });
    expect(seen[0]!.headers['authorization']).toBe('Bearer access-1');
    expect(seen[0]!.headers['user-agent']).toBe('Airtime-Desktop/1.2.3');
  });

  it('posts JSON bodies and keeps a path prefix of the base URL', async () => {
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    const { api } = client({ baseUrl: () => `${base}/airtime/` });
    await api.call('auth.signOut', { body: { refreshToken: 'x'.repeat(43) } });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/airtime/v1/auth/sign-out' });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ refreshToken: 'x'.repeat(43) });
  });

  it('passes query parameters and escapes ids', async () => {
    handler = (req, res) =>
      json(res, 200, req.url?.includes('/statements/') ? statement : statements);
    const { api } = client();
    await api.call('account.statements', {
      accessToken: 't',
      query: { cursor: 'abc_1', limit: 5 },
    });
    await api.call('account.statement', { accessToken: 't', params: { id: 'st-1' } });
    await api.call('account.statements', { accessToken: 't' });
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/account/statements?cursor=abc_1&limit=5',
      '/v1/account/statements/st-1',
      '/v1/account/statements',
    ]);
  });

  it('ping measures latency against the given address', async () => {
    handler = (_req, res) => json(res, 200, { status: 'ready', database: 'sqlite' });
    let t = 100;
    const { api } = client({ baseUrl: () => 'https://never.example.com', now: () => (t += 7) });
    await expect(api.ping(base)).resolves.toEqual({ latencyMs: 7 });
    expect(seen[0]!.url).toBe('/readyz');
  });
});

describe('api client: error mapping', () => {
  it('a 2xx body that does not match the contract is invalid_response, not data', async () => {
    handler = (_req, res) => json(res, 200, { ...summary, balance: '10 dollars' });
    const error = await failure(client().api.call('account.summary', { accessToken: 't' }));
    expect(error.code).toBe('invalid_response');
  });

  it('a 2xx body that is not JSON is invalid_response', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    };
    expect((await failure(client().api.call('account.summary', { accessToken: 't' }))).code).toBe(
      'invalid_response',
    );
  });

  it('an API error body gives its code, message, retryAfterSeconds and the HTTP status', async () => {
    handler = (_req, res) =>
      json(
        res,
        423,
        apiError('account_locked', 'Try again in 5 minutes.', { retryAfterSeconds: 300 }),
      );
    const error = await failure(
      client().api.call('auth.signIn', { body: { phone: '+12065550100', password: 'x' } }),
    );
    expect(error.code).toBe('account_locked');
    expect(error.message).toBe('Try again in 5 minutes.');
    expect(error.extra).toEqual({ status: 423, retryAfterSeconds: 300 });
    expect(error.toApiError()).toEqual({
      code: 'account_locked',
      message: 'Try again in 5 minutes.',
      retryAfterSeconds: 300,
    });
  });

  it('keeps validation issues from a 400', async () => {
    const issues = [{ path: 'limit', message: 'limit must be at most 100.' }];
    handler = (_req, res) => json(res, 400, apiError('invalid_request', 'Bad.', { issues }));
    const error = await failure(
      client().api.call('account.payments', { accessToken: 't', query: { limit: 500 } }),
    );
    expect(error.extra.issues).toEqual(issues);
  });

  it('a 5xx without an API body is service_unavailable; other statuses invalid_response', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<h1>Internal</h1>');
    };
    expect((await failure(client().api.call('account.summary', { accessToken: 't' }))).code).toBe(
      'service_unavailable',
    );
    handler = (_req, res) => {
      res.writeHead(404);
      res.end('not here');
    };
    const error = await failure(client().api.call('account.summary', { accessToken: 't' }));
    expect(error.code).toBe('invalid_response');
    expect(error.extra.status).toBe(404);
  });

  it('does not follow redirects (a bearer token must not travel to another address)', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/steal' });
      res.end();
    };
    const error = await failure(client().api.call('account.summary', { accessToken: 't' }));
    expect(error.code).toBe('invalid_response');
    expect(seen).toHaveLength(1);
  });

  it('a refused connection is network_unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { api, sleeps } = client({ baseUrl: () => `http://127.0.0.1:${port}` });
    expect((await failure(api.call('account.summary', { accessToken: 't' }))).code).toBe(
      'network_unreachable',
    );
    expect(sleeps).toEqual([300, 600]);
  });

  it('an unknown host is network_unreachable', async () => {
    const adapter = async (config: InternalAxiosRequestConfig) => {
      throw new AxiosError('getaddrinfo ENOTFOUND api.example.com', 'ENOTFOUND', config);
    };
    const { api } = client({
      baseUrl: () => 'https://api.example.com',
      axiosInstance: axios.create({ adapter }),
      retry: { attempts: 1, baseDelayMs: 1 },
    });
    expect((await failure(api.call('account.plan', { accessToken: 't' }))).code).toBe(
      'network_unreachable',
    );
  });

  it('a server that does not answer in time is timeout', async () => {
    handler = () => {
      /* never answers */
    };
    const { api, sleeps } = client({ timeoutMs: 50, retry: { attempts: 2, baseDelayMs: 10 } });
    expect((await failure(api.call('account.summary', { accessToken: 't' }))).code).toBe('timeout');
    // Two attempts, one wait between them. On a busy machine an attempt can time out before the
    // test server has even seen its request, so the server's count is only an upper bound.
    expect(sleeps).toEqual([10]);
    expect(seen.length).toBeLessThanOrEqual(2);
  });

  it('refuses a base URL the contract refuses (plain http to another computer)', async () => {
    const { api } = client({ baseUrl: () => 'http://api.example.com' });
    expect((await failure(api.call('account.summary', { accessToken: 't' }))).code).toBe(
      'invalid_request',
    );
    expect((await failure(api.ping('ftp://x'))).code).toBe('invalid_request');
  });

  it('ping explains an address that is not an Airtime service, or one that is not ready', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>');
    };
    const notAirtime = await failure(client().api.ping(base));
    expect(notAirtime.code).toBe('invalid_response');
    expect(notAirtime.message).toMatch(/Airtime account service/);
    handler = (_req, res) => json(res, 503, { status: 'not_ready', database: 'postgres' });
    const { api, sleeps } = client();
    const notReady = await failure(api.ping(base));
    expect(notReady.code).toBe('service_unavailable');
    expect(sleeps).toEqual([]); // the person is waiting for an honest answer: no retries
  });
});

describe('api client: retry policy', () => {
  it('retries a GET on 502–504 with exponential backoff, then succeeds', async () => {
    const statuses = [503, 502];
    handler = (_req, res) => {
      const status = statuses.shift();
      if (status) json(res, status, apiError('service_unavailable', 'Busy.'));
      else json(res, 200, summary);
    };
    const { api, sleeps } = client();
    await expect(api.call('account.summary', { accessToken: 't' })).resolves.toEqual(summary);
    expect(seen).toHaveLength(3);
    expect(sleeps).toEqual([300, 600]);
  });

  it('gives up after the configured attempts with the last error', async () => {
    handler = (_req, res) => json(res, 504, apiError('service_unavailable', 'Gateway timeout.'));
    const { api, sleeps } = client({ retry: { attempts: 4, baseDelayMs: 100 } });
    const error = await failure(
      api.call('account.usage', { accessToken: 't', query: { cycle: '2026-11-01' } }),
    );
    expect(error.code).toBe('service_unavailable');
    expect(seen).toHaveLength(4);
    expect(seen[0]!.url).toBe('/v1/account/usage?cycle=2026-11-01');
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('never retries a POST', async () => {
    handler = (_req, res) => json(res, 503, apiError('service_unavailable', 'Busy.'));
    const { api, sleeps } = client();
    await failure(api.call('auth.refresh', { body: { refreshToken: 'x'.repeat(43) } }));
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry answers a retry cannot change (401, 404, 500)', async () => {
    for (const [status, code] of [
      [401, 'token_expired'],
      [404, 'statement_not_found'],
      [500, 'internal_error'],
    ] as const) {
      handler = (_req, res) => json(res, status, apiError(code, 'No.'));
      const { api, sleeps } = client();
      expect(
        (await failure(api.call('account.statement', { accessToken: 't', params: { id: 'st-9' } })))
          .code,
      ).toBe(code);
      expect(seen).toHaveLength(1);
      expect(sleeps).toEqual([]);
    }
  });
});

describe('api client: TLS', () => {
  let tlsServer: https.Server | null = null;
  let tlsBase = '';
  let skipReason = '';

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
          '-days',
          '2',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
        ],
        { stdio: 'pipe' },
      );
      tlsServer = https.createServer(
        {
          key: fs.readFileSync(path.join(dir, 'key.pem')),
          cert: fs.readFileSync(path.join(dir, 'cert.pem')),
        },
        (_req, res) => json(res, 200, summary),
      );
      await new Promise<void>((resolve) => tlsServer!.listen(0, '127.0.0.1', resolve));
      tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
    } catch {
      skipReason = 'openssl is not installed';
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    tlsServer?.closeAllConnections();
    if (tlsServer) await new Promise((resolve) => tlsServer!.close(resolve));
  });

  it('refuses a certificate nobody vouches for, without retrying', async (context) => {
    if (skipReason) context.skip(skipReason);
    const { api, sleeps } = client({ baseUrl: () => tlsBase });
    const error = await failure(api.call('account.summary', { accessToken: 't' }));
    expect(error.code).toBe('network_unreachable');
    expect(error.message).toMatch(/certificate/);
    expect(sleeps).toEqual([]);
  });
});

describe('api client: 2-step, reset and security-center routes', () => {
  const token43 = (c: string) => c.repeat(43);
  const cookie = `${token43('k')}.${token43('s')}`;
  const device = {
    id: '5b1f3c1e-8f7a-4c2b-9d7e-2a4f6c8e0b13',
    name: 'Test computer',
    appVersion: '1.2.3',
  };
  const tokens = {
    accessToken: 'a',
    refreshToken: token43('r'),
    tokenType: 'Bearer',
    expiresIn: 600,
    subscriber: summary.subscriber,
  };
  const overview = {
    twoFactor: { enabled: true, method: 'totp', recoveryCodesLeft: 10 },
    phone: '+12065550100',
    email: 'maria@example.com',
    contactPhone: null,
    passwordChangedAt: null,
    rememberedDevices: 1,
  };
  const codes = Array.from({ length: 10 }, (_, i) => `${i}${i}${i}${i}${i}-abcde`);
  const sessionId = '0b7c1a52-3f1e-4d8a-9c0f-6e2b4a8d1c30';

  /** Each call with the request it must make and the answer the fake server gives. */
  const routes: Array<{
    name: string;
    run: (api: ReturnType<typeof client>['api']) => Promise<unknown>;
    method: 'GET' | 'POST';
    url: string;
    body?: unknown;
    bearer?: boolean;
    status?: number;
    answer?: unknown;
    expected?: unknown;
  }> = [
    {
      name: 'sign-in with device, device token and device cookie',
      run: (api) =>
        api.call('auth.signIn', {
          body: {
            phone: '+12065550100',
            password: 'pw',
            device,
            deviceToken: token43('d'),
            deviceCookie: cookie,
          },
        }),
      method: 'POST',
      url: '/v1/auth/sign-in',
      body: {
        phone: '+12065550100',
        password: 'pw',
        device,
        deviceToken: token43('d'),
        deviceCookie: cookie,
      },
      answer: { ...tokens, deviceCookie: `${token43('n')}.${token43('m')}` },
    },
    {
      name: 'second factor',
      run: (api) =>
        api.call('auth.secondFactor', {
          body: { challenge: token43('c'), code: '123456', rememberDevice: true, device },
        }),
      method: 'POST',
      url: '/v1/auth/second-factor',
      body: { challenge: token43('c'), code: '123456', rememberDevice: true, device },
      answer: { ...tokens, deviceToken: token43('d') },
    },
    {
      name: 'second-factor resend',
      run: (api) => api.call('auth.secondFactorResend', { body: { challenge: token43('c') } }),
      method: 'POST',
      url: '/v1/auth/second-factor/resend',
      body: { challenge: token43('c') },
      answer: { sent: true, destination: '•••-0100', resendAfterSeconds: 60 },
    },
    {
      name: 'captcha challenge',
      run: (api) => api.call('auth.captchaChallenge'),
      method: 'GET',
      url: '/v1/captcha/challenge',
      answer: { algorithm: 'SHA-256', challenge: 'c', maxnumber: 10, salt: 's', signature: 'x' },
    },
    {
      name: 'reset start',
      run: (api) =>
        api.call('auth.resetStart', {
          body: { phone: '+12065550100', channel: 'email', captcha: 'solved' },
        }),
      method: 'POST',
      url: '/v1/auth/reset/start',
      body: { phone: '+12065550100', channel: 'email', captcha: 'solved' },
      status: 202,
      answer: { sent: true, channel: 'email', resendAfterSeconds: 60, codeExpiresIn: 600 },
    },
    {
      name: 'reset verify',
      run: (api) =>
        api.call('auth.resetVerify', { body: { phone: '+12065550100', code: '123456' } }),
      method: 'POST',
      url: '/v1/auth/reset/verify',
      body: { phone: '+12065550100', code: '123456' },
      answer: { ticket: token43('t'), expiresIn: 600, channel: 'sms', destination: '•••-0100' },
    },
    {
      name: 'reset complete (204)',
      run: (api) =>
        api.call('auth.resetComplete', {
          body: { ticket: token43('t'), newPassword: 'Lighthouse-71' },
        }),
      method: 'POST',
      url: '/v1/auth/reset/complete',
      body: { ticket: token43('t'), newPassword: 'Lighthouse-71' },
      status: 204,
      expected: undefined,
    },
    {
      name: 'security overview',
      run: (api) => api.call('security.overview', { accessToken: 't' }),
      method: 'GET',
      url: '/v1/account/security',
      bearer: true,
      answer: overview,
    },
    {
      name: 'change password',
      run: (api) =>
        api.call('security.changePassword', {
          accessToken: 't',
          body: { currentPassword: 'old', newPassword: 'new' },
        }),
      method: 'POST',
      url: '/v1/account/password',
      body: { currentPassword: 'old', newPassword: 'new' },
      bearer: true,
      answer: { otherSessionsSignedOut: 3 },
    },
    {
      name: 'change contact',
      run: (api) =>
        api.call('security.changeContact', {
          accessToken: 't',
          body: { password: 'pw', contactPhone: null },
        }),
      method: 'POST',
      url: '/v1/account/contact',
      body: { password: 'pw', contactPhone: null },
      bearer: true,
      answer: overview,
    },
    {
      name: 'sessions',
      run: (api) => api.call('security.sessions', { accessToken: 't' }),
      method: 'GET',
      url: '/v1/account/sessions',
      bearer: true,
      answer: { sessions: [] },
    },
    {
      name: 'sign out one session (204)',
      run: (api) =>
        api.call('security.signOutSession', { accessToken: 't', params: { id: sessionId } }),
      method: 'POST',
      url: `/v1/account/sessions/${sessionId}/sign-out`,
      body: {},
      bearer: true,
      status: 204,
      expected: undefined,
    },
    {
      name: 'sign out the others',
      run: (api) => api.call('security.signOutOthers', { accessToken: 't' }),
      method: 'POST',
      url: '/v1/account/sessions/sign-out-others',
      body: {},
      bearer: true,
      answer: { signedOut: 2 },
    },
    {
      name: 'security events, paged',
      run: (api) =>
        api.call('security.events', { accessToken: 't', query: { limit: 5, cursor: 'abc' } }),
      method: 'GET',
      url: '/v1/account/security-events?cursor=abc&limit=5',
      bearer: true,
      answer: { items: [], nextCursor: null },
    },
    {
      name: 'two-factor enrol',
      run: (api) => api.call('twoFactor.enrol', { accessToken: 't', body: { method: 'sms' } }),
      method: 'POST',
      url: '/v1/account/two-factor/enrol',
      body: { method: 'sms' },
      bearer: true,
      answer: { method: 'sms', destination: '•••-0100', resendAfterSeconds: 60 },
    },
    {
      name: 'two-factor resend',
      run: (api) => api.call('twoFactor.resend', { accessToken: 't' }),
      method: 'POST',
      url: '/v1/account/two-factor/resend',
      body: {},
      bearer: true,
      answer: { sent: true, destination: '•••-0100', resendAfterSeconds: 60 },
    },
    {
      name: 'two-factor confirm',
      run: (api) => api.call('twoFactor.confirm', { accessToken: 't', body: { code: '123456' } }),
      method: 'POST',
      url: '/v1/account/two-factor/confirm',
      body: { code: '123456' },
      bearer: true,
      answer: { enabled: true, recoveryCodes: codes },
    },
    {
      name: 'two-factor disable (204)',
      run: (api) => api.call('twoFactor.disable', { accessToken: 't', body: { password: 'pw' } }),
      method: 'POST',
      url: '/v1/account/two-factor/disable',
      body: { password: 'pw' },
      bearer: true,
      status: 204,
      expected: undefined,
    },
    {
      name: 'new recovery codes',
      run: (api) =>
        api.call('twoFactor.recoveryCodes', { accessToken: 't', body: { password: 'pw' } }),
      method: 'POST',
      url: '/v1/account/two-factor/recovery-codes',
      body: { password: 'pw' },
      bearer: true,
      answer: { recoveryCodes: codes },
    },
  ];

  it('each method makes its request and returns the contract-checked answer', async () => {
    for (const route of routes) {
      const status = route.status ?? 200;
      handler = (_req, res) => {
        if (status === 204) {
          res.writeHead(204);
          res.end();
        } else json(res, status, route.answer);
      };
      const { api } = client();
      const value = await route.run(api);
      expect(value, route.name).toEqual('expected' in route ? route.expected : route.answer);
      expect(seen, route.name).toHaveLength(1);
      expect(seen[0], route.name).toMatchObject({ method: route.method, url: route.url });
      expect(seen[0]!.headers['authorization'], route.name).toBe(
        route.bearer ? 'Bearer t' : undefined,
      );
      if (route.body === undefined) expect(seen[0]!.body, route.name).toBe('');
      else expect(JSON.parse(seen[0]!.body), route.name).toEqual(route.body);
    }
  });

  it('each method refuses an answer that is not the contract’s', async () => {
    for (const route of routes.filter((r) => (r.status ?? 200) !== 204)) {
      handler = (_req, res) => json(res, route.status ?? 200, { unexpected: true });
      expect((await failure(route.run(client().api))).code, route.name).toBe('invalid_response');
    }
  });

  it('sign-in sends neither device, device token nor device cookie when it has none', async () => {
    handler = (_req, res) => json(res, 200, tokens);
    await client().api.call('auth.signIn', {
      body: {
        phone: '+12065550100',
        password: 'pw',
        deviceToken: undefined,
        deviceCookie: undefined,
      },
    });
    expect(JSON.parse(seen[0]!.body)).toEqual({ phone: '+12065550100', password: 'pw' });
  });

  it('refuses a sign-in answer whose device cookie is not one', async () => {
    handler = (_req, res) => json(res, 200, { ...tokens, deviceCookie: token43('n') });
    const error = await failure(
      client().api.call('auth.signIn', { body: { phone: '+12065550100', password: 'pw' } }),
    );
    expect(error.code).toBe('invalid_response');
  });

  it('keeps the decline reason of a declined card, for the renderer to say why', async () => {
    handler = (_req, res) =>
      json(res, 402, apiError('card_declined', 'Declined.', { declineCode: 'insufficient_funds' }));
    const body = { amountCents: 2000, paymentMethodId: 'pm_1' };
    const declined = await failure(
      client().api.call('payments.pay', { accessToken: 't', body, idempotencyKey: 'key-12345678' }),
    );
    expect(declined.extra).toEqual({ status: 402, declineCode: 'insufficient_funds' });
    expect(declined.toApiError()).toEqual({
      code: 'card_declined',
      message: 'Declined.',
      declineCode: 'insufficient_funds',
    });
  });

  it('keeps the validation key of each issue', async () => {
    const issues = [{ path: 'body.phone', message: 'Any words.', issue: 'phone.tooShort' }];
    handler = (_req, res) => json(res, 400, apiError('invalid_request', 'Bad.', { issues }));
    const error = await failure(
      client().api.call('auth.resetVerify', { body: { phone: 'p', code: '1' } }),
    );
    expect(error.toApiError().issues).toEqual(issues);
  });

  it('keeps attemptsLeft, password feedback and the second-factor challenge of an error', async () => {
    handler = (_req, res) =>
      json(res, 401, apiError('invalid_code', 'Wrong code.', { attemptsLeft: 3 }));
    expect(
      (await failure(client().api.call('auth.resetVerify', { body: { phone: 'p', code: '1' } })))
        .extra,
    ).toEqual({
      status: 401,
      attemptsLeft: 3,
    });

    const feedback = { warning: 'Too common.', suggestions: ['Add a word.'] };
    handler = (_req, res) => json(res, 400, apiError('weak_password', 'Weak.', { feedback }));
    const weak = await failure(
      client().api.call('auth.resetComplete', { body: { ticket: 't', newPassword: 'x' } }),
    );
    expect(weak.toApiError()).toEqual({ code: 'weak_password', message: 'Weak.', feedback });

    const secondFactor = { challenge: token43('c'), expiresIn: 300, method: 'totp' };
    handler = (_req, res) =>
      json(res, 401, apiError('second_factor_required', 'Code needed.', { secondFactor }));
    const asked = await failure(
      client().api.call('auth.signIn', { body: { phone: '+12065550100', password: 'pw' } }),
    );
    expect(asked.extra.secondFactor).toEqual(secondFactor);
    expect(JSON.stringify(asked.toApiError())).not.toContain(token43('c'));
  });
});

describe('api client: call types come from the route', () => {
  it('takes exactly the parts a route declares, and answers with its success schema', () => {
    expectTypeOf<CallResult<'account.summary'>>().toEqualTypeOf<AccountSummary>();
    expectTypeOf<CallResult<'payments.pay'>>().toEqualTypeOf<Receipt>();
    expectTypeOf<CallResult<'account.statementsCsv'>>().toEqualTypeOf<ApiFile>();
    expectTypeOf<CallResult<'auth.signOut'>>().toEqualTypeOf<void>();
    expectTypeOf<CallInput<'account.statement'>['params']>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<CallInput<'payments.pay'>['idempotencyKey']>().toEqualTypeOf<string>();

    const { api } = client();
    const never = () => false;
    if (never()) {
      // @ts-expect-error a bearer route needs the session's access token
      void api.call('account.summary', {});
      // @ts-expect-error a route with a path parameter needs it
      void api.call('account.statement', { accessToken: 't' });
      // @ts-expect-error a route with an Idempotency-Key needs the caller's key
      void api.call('payments.refill', { accessToken: 't', body: { pin: '1' } });
      // @ts-expect-error a kiosk's own route takes no access token
      void api.call('kiosk.endVisits', { accessToken: 't' });
      // @ts-expect-error the body is the route's, field by field
      void api.call('auth.refresh', { body: { token: 'x' } });
      void api.call('auth.captchaChallenge');
    }
  });
});
