import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../main/errors';
import { attachmentName, createApiClient } from '../../../main/services/api-client';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let server: http.Server;
let base: string;
let handler: Handler;
let seen: Array<{ url: string; headers: http.IncomingHttpHeaders }>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
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
  const sleeps: number[] = [];
  const api = createApiClient({
    baseUrl: () => base,
    appVersion: '1.2.3',
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { api, sleeps };
}

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.7\n', 'latin1'),
  Buffer.from([0xe2, 0xe3, 0xcf, 0xd3, 0x00, 0xff]),
  Buffer.from('\n%%EOF\n', 'latin1'),
]);

const send =
  (status: number, type: string, body: Buffer | string, extra: object = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': type, ...extra });
    res.end(body);
  };

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

describe('file downloads', () => {
  it('returns a statement PDF byte for byte, with the name the API suggests', async () => {
    const { api } = client();
    handler = send(200, 'application/pdf', PDF, {
      'content-disposition': 'attachment; filename="airtime-statement-2026-10.pdf"',
    });
    const file = await api.statementPdf('tok', 'st-1');
    expect(file.bytes.equals(PDF)).toBe(true);
    expect(file.fileName).toBe('airtime-statement-2026-10.pdf');
    expect(seen[0]).toMatchObject({
      url: '/v1/account/statements/st-1/pdf',
      headers: { authorization: 'Bearer tok', accept: 'application/pdf, application/json' },
    });
  });

  it('asks for the file’s texts in the language given, and in the API’s default without one', async () => {
    const { api } = client();
    handler = send(200, 'application/pdf', PDF);
    await api.statementPdf('tok', 'st-1', 'es');
    handler = send(200, 'text/csv; charset=utf-8', 'payment_id\r\n');
    await api.paymentsCsv('tok', { month: '2026-10' }, 'es');
    await api.statementsCsv('tok', undefined, 'en');
    await api.paymentsCsv('tok');
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/account/statements/st-1/pdf?lang=es',
      '/v1/account/payments.csv?month=2026-10&lang=es',
      '/v1/account/statements.csv?lang=en',
      '/v1/account/payments.csv',
    ]);
  });

  it('refuses a PDF answer that is not a PDF, or another media type', async () => {
    const { api } = client();
    handler = send(200, 'application/pdf', '<html>hello</html>');
    expect((await failure(api.statementPdf('tok', 'st-1'))).code).toBe('invalid_response');
    handler = send(200, 'text/html', PDF);
    expect((await failure(api.statementPdf('tok', 'st-1'))).code).toBe('invalid_response');
  });

  it('maps the API error body of a failed download to its contract code', async () => {
    const { api } = client();
    handler = send(
      404,
      'application/json',
      JSON.stringify({ error: { code: 'statement_not_found', message: 'No such statement.' } }),
    );
    const error = await failure(api.statementPdf('tok', 'nope'));
    expect(error.code).toBe('statement_not_found');
    expect(error.extra.status).toBe(404);
  });

  it('retries a download the service was briefly unable to answer', async () => {
    const { api, sleeps } = client();
    let n = 0;
    handler = (req, res) =>
      ++n === 1
        ? send(503, 'text/plain', 'busy')(req, res)
        : send(200, 'application/pdf', PDF)(req, res);
    expect((await api.statementPdf('tok', 'st-1')).bytes.equals(PDF)).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  it('sends the filters of a CSV export as query parameters and leaves out the unset ones', async () => {
    const { api } = client();
    handler = send(200, 'text/csv; charset=utf-8', 'id\r\n', {
      'content-disposition': 'attachment; filename="airtime-statements.csv"',
    });
    const file = await api.statementsCsv('tok', { month: '2026-10', minAmountCents: 500 });
    expect(file).toMatchObject({ fileName: 'airtime-statements.csv' });
    expect(file.bytes.toString()).toBe('id\r\n');
    expect(seen[0]?.url).toBe('/v1/account/statements.csv?month=2026-10&minAmountCents=500');
    handler = send(200, 'text/csv', 'id\r\n');
    await api.paymentsCsv('tok');
    expect(seen[1]?.url).toBe('/v1/account/payments.csv');
    handler = send(200, 'application/json', '{}');
    expect((await failure(api.paymentsCsv('tok'))).code).toBe('invalid_response');
  });

  it('passes statement search filters along with the page', async () => {
    const { api } = client();
    handler = send(200, 'application/json', JSON.stringify({ items: [], nextCursor: null }));
    await api.call('account.statements', {
      accessToken: 'tok',
      query: { limit: 6, from: '2026-01', to: '2026-03', maxAmountCents: 0 },
    });
    expect(seen[0]?.url).toBe(
      '/v1/account/statements?limit=6&from=2026-01&to=2026-03&maxAmountCents=0',
    );
  });
});

describe('attachmentName', () => {
  it('keeps a plain file name and drops anything that could name a folder', () => {
    expect(attachmentName('attachment; filename="airtime-statement-2026-10.pdf"')).toBe(
      'airtime-statement-2026-10.pdf',
    );
    expect(attachmentName('attachment; filename=airtime-payments.csv')).toBe(
      'airtime-payments.csv',
    );
    for (const bad of [
      'attachment; filename="../../.bashrc"',
      'attachment; filename="a/b.pdf"',
      'attachment; filename="C:\\\\x.pdf"',
      'attachment; filename=".hidden"',
      'attachment',
      undefined,
    ]) {
      expect(attachmentName(bad), String(bad)).toBeNull();
    }
  });
});
