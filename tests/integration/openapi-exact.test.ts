import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorBody } from '../../contract/errors';
import { SignInResponse } from '../../contract/http/auth';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

interface Operation {
  responses: Record<string, { content?: unknown }>;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
}

const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';

/** Sends `raw` over a plain socket to the listening app and returns everything it answers. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
    socket.on('close', () => resolve(answer));
    socket.write(raw);
  });
}

describeWithDb(`the OpenAPI document is exact (${dbKind})`, () => {
  let t: TestApp;
  let operations: Array<[method: string, path: string, operation: Operation]>;

  beforeAll(async () => {
    t = await createTestApp();
    await t.addSubscriber({ phone: PHONE, password: PASSWORD });
    const doc = (await t.get('/v1/openapi.json')).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => [method, path, op] as [string, string, Operation]),
    );
  });
  afterAll(async () => t?.close());

  it('declares on every operation the statuses the framework answers, in the error body', () => {
    expect(operations.length).toBeGreaterThan(40);
    for (const [method, path, op] of operations) {
      const wanted = ['403', '408', '431', '500'];
      if (path.includes('{')) wanted.push('414');
      if (['post', 'put', 'patch', 'delete'].includes(method)) wanted.push('413', '415');
      const errorContent = op.responses['403']?.content;
      expect(errorContent, `${method} ${path}`).toBeDefined();
      for (const status of wanted) {
        expect(op.responses[status]?.content, `${method} ${path} ${status}`).toEqual(errorContent);
      }
    }
  });

  it('documents the Idempotency-Key header as required wherever the API requires it', async () => {
    const idempotent = operations.filter(([, , op]) =>
      (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'idempotency-key'),
    );
    expect(idempotent.map(([m, p]) => `${m} ${p}`).sort()).toEqual([
      'post /v1/account/add-ons',
      'post /v1/account/payments',
      'post /v1/account/plan/change',
      'post /v1/account/refill',
    ]);
    for (const [, , op] of idempotent) {
      expect(op.parameters!.find((p) => p.name === 'idempotency-key')!.required).toBe(true);
    }
    // …and the API does require it.
    const signedIn = SignInResponse.parse(
      (await t.post('/v1/auth/sign-in', { phone: PHONE, password: PASSWORD })).json(),
    );
    expectError(
      await t.post(
        '/v1/account/refill',
        { pin: '1234-5678-9012-3456' },
        { authorization: `Bearer ${signedIn.accessToken}` },
      ),
      400,
      'idempotency_key_required',
    );
  });

  it('answers a path parameter over the limit with 414 in the error body', async () => {
    const res = await t.get(`/v1/account/statements/${'x'.repeat(300)}`);
    expectError(res, 414, 'invalid_request');
  });

  it('takes the Bearer scheme in any case, as RFC 7235 says', async () => {
    const { accessToken } = SignInResponse.parse(
      (await t.post('/v1/auth/sign-in', { phone: PHONE, password: PASSWORD })).json(),
    );
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/account/summary',
        headers: { authorization: `${scheme} ${accessToken}` },
      });
      expect(res.statusCode, scheme).toBe(200);
    }
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/v1/account/summary',
      headers: { authorization: `Basic ${accessToken}` },
    });
    expectError(wrong, 401, 'unauthorized');
  });

  describe('over a real socket', () => {
    let port: number;
    beforeAll(async () => {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      port = (t.app.server.address() as AddressInfo).port;
    });

    it('answers headers too large with 431 in the error body', async () => {
      const answer = await rawExchange(
        port,
        `GET /v1/plans HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(ApiErrorBody.parse(JSON.parse(body)).error.code).toBe('invalid_request');
    });

    it('answers a request that does not parse with 400 in the error body', async () => {
      const answer = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(ApiErrorBody.parse(JSON.parse(body)).error.code).toBe('invalid_request');
    });
  });
});
