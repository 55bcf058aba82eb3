import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axios, { AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../main/errors';
import { createApiClient, type ApiClientOptions } from '../../../main/services/api-client';
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
    await expect(api.summary('access-1')).resolves.toEqual(summary);
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
    await api.signOut('x'.repeat(43));
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/airtime/v1/auth/sign-out' });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ refreshToken: 'x'.repeat(43) });
  });

  it('passes query parameters and escapes ids', async () => {
    handler = (req, res) =>
      json(res, 200, req.url?.includes('/statements/') ? statement : statements);
    const { api } = client();
    await api.statements('t', { cursor: 'abc_1', limit: 5 });
    await api.statement('t', 'st-1');
    await api.statements('t');
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
    const error = await failure(client().api.summary('t'));
    expect(error.code).toBe('invalid_response');
  });

  it('a 2xx body that is not JSON is invalid_response', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    };
    expect((await failure(client().api.summary('t'))).code).toBe('invalid_response');
  });

  it('an API error body gives its code, message, retryAfterSeconds and the HTTP status', async () => {
    handler = (_req, res) =>
      json(
        res,
        423,
        apiError('account_locked', 'Try again in 5 minutes.', { retryAfterSeconds: 300 }),
      );
    const error = await failure(client().api.signIn({ phone: '+12065550100', password: 'x' }));
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
    const error = await failure(client().api.payments('t', { limit: 500 }));
    expect(error.extra.issues).toEqual(issues);
  });

  it('a 5xx without an API body is service_unavailable; other statuses invalid_response', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<h1>Internal</h1>');
    };
    expect((await failure(client().api.summary('t'))).code).toBe('service_unavailable');
    handler = (_req, res) => {
      res.writeHead(404);
      res.end('not here');
    };
    const error = await failure(client().api.summary('t'));
    expect(error.code).toBe('invalid_response');
    expect(error.extra.status).toBe(404);
  });

  it('does not follow redirects (a bearer token must not travel to another address)', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/steal' });
      res.end();
    };
    const error = await failure(client().api.summary('t'));
    expect(error.code).toBe('invalid_response');
    expect(seen).toHaveLength(1);
  });

  it('a refused connection is network_unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { api, sleeps } = client({ baseUrl: () => `http://127.0.0.1:${port}` });
    expect((await failure(api.summary('t'))).code).toBe('network_unreachable');
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
    expect((await failure(api.plan('t'))).code).toBe('network_unreachable');
  });

  it('a server that does not answer in time is timeout', async () => {
    handler = () => {
      /* never answers */
    };
    const { api, sleeps } = client({ timeoutMs: 50, retry: { attempts: 2, baseDelayMs: 10 } });
    expect((await failure(api.summary('t'))).code).toBe('timeout');
    expect(seen).toHaveLength(2);
    expect(sleeps).toEqual([10]);
  });

  it('refuses a base URL the contract refuses (plain http to another computer)', async () => {
    const { api } = client({ baseUrl: () => 'http://api.example.com' });
    expect((await failure(api.summary('t'))).code).toBe('invalid_request');
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
    await expect(api.summary('t')).resolves.toEqual(summary);
    expect(seen).toHaveLength(3);
    expect(sleeps).toEqual([300, 600]);
  });

  it('gives up after the configured attempts with the last error', async () => {
    handler = (_req, res) => json(res, 504, apiError('service_unavailable', 'Gateway timeout.'));
    const { api, sleeps } = client({ retry: { attempts: 4, baseDelayMs: 100 } });
    const error = await failure(api.usage('t', '2026-11-01'));
    expect(error.code).toBe('service_unavailable');
    expect(seen).toHaveLength(4);
    expect(seen[0]!.url).toBe('/v1/account/usage?cycle=2026-11-01');
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('never retries a POST', async () => {
    handler = (_req, res) => json(res, 503, apiError('service_unavailable', 'Busy.'));
    const { api, sleeps } = client();
    await failure(api.refresh('x'.repeat(43)));
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
      expect((await failure(api.statement('t', 'st-9'))).code).toBe(code);
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
    const error = await failure(api.summary('t'));
    expect(error.code).toBe('network_unreachable');
    expect(error.message).toMatch(/certificate/);
    expect(sleeps).toEqual([]);
  });
});
