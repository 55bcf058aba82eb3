import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../main/errors';
import { createApiClient } from '../../../main/services/api-client';
import { AUTOPAY_OFF } from './support/autopay';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let server: http.Server;
let base: string;
let seen: Seen[] = [];
let answer: (req: http.IncomingMessage) => { status: number; body: unknown };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const { status, body: out } = answer(req);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client() {
  seen = [];
  return createApiClient({ baseUrl: () => base, appVersion: '1.2.3', sleep: async () => {} });
}

const failure = (code: string, message: string, extra: object = {}) => ({
  error: { code, message, ...extra },
});

describe('api client: AutoPay', () => {
  it('GETs /v1/account/autopay with the bearer token and checks the answer', async () => {
    answer = () => ({ status: 200, body: AUTOPAY_OFF });
    const api = client();
    await expect(api.call('autopay.view', { accessToken: 'access-1' })).resolves.toEqual(
      AUTOPAY_OFF,
    );
    expect(seen).toMatchObject([
      { method: 'GET', url: '/v1/account/autopay', authorization: 'Bearer access-1' },
    ]);
  });

  it('PUTs exactly the update as JSON', async () => {
    const on = {
      ...AUTOPAY_OFF,
      enabled: true,
      paymentMethod: { id: 'pm_1', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 },
      nextChargeOn: '2026-12-05',
      nextChargeCents: 3500,
    };
    answer = () => ({ status: 200, body: on });
    const api = client();
    await expect(
      api.call('autopay.update', {
        accessToken: 'access-1',
        body: { enabled: true, paymentMethodId: 'pm_1' },
      }),
    ).resolves.toEqual(on);
    await api.call('autopay.update', { accessToken: 'access-1', body: { enabled: false } });
    expect(seen.map((s) => [s.method, s.url, s.contentType, JSON.parse(s.body)])).toEqual([
      [
        'PUT',
        '/v1/account/autopay',
        'application/json',
        { enabled: true, paymentMethodId: 'pm_1' },
      ],
      ['PUT', '/v1/account/autopay', 'application/json', { enabled: false }],
    ]);
  });

  it('maps a removed card and an expired card to their contract codes', async () => {
    const api = client();
    answer = () => ({
      status: 404,
      body: failure('payment_method_not_found', 'There is no such saved card on this account.'),
    });
    await expect(
      api.call('autopay.update', {
        accessToken: 'access-1',
        body: { enabled: true, paymentMethodId: 'pm_gone' },
      }),
    ).rejects.toMatchObject({ code: 'payment_method_not_found', extra: { status: 404 } });
    const message = 'The card ending 0002 expired in 01/2026.';
    answer = () => ({
      status: 400,
      body: failure('card_invalid', message, {
        issues: [{ path: 'body.paymentMethodId', message }],
      }),
    });
    const error = await api
      .call('autopay.update', {
        accessToken: 'access-1',
        body: { enabled: true, paymentMethodId: 'pm_old' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'card_invalid',
      message,
      extra: { status: 400, issues: [{ path: 'body.paymentMethodId', message }] },
    });
  });

  it('retries a GET on 503 but sends a PUT once', async () => {
    answer = () => ({ status: 503, body: failure('service_unavailable', 'Busy.') });
    const api = client();
    await expect(api.call('autopay.view', { accessToken: 'access-1' })).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    expect(seen).toHaveLength(3);
    seen = [];
    await expect(
      api.call('autopay.update', { accessToken: 'access-1', body: { enabled: false } }),
    ).rejects.toMatchObject({
      code: 'service_unavailable',
    });
    expect(seen).toHaveLength(1);
  });

  it('refuses an answer that is not an AutoPay view', async () => {
    answer = () => ({ status: 200, body: { ...AUTOPAY_OFF, enabled: 'yes' } });
    await expect(client().call('autopay.view', { accessToken: 'access-1' })).rejects.toMatchObject({
      code: 'invalid_response',
    });
  });
});
