import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRendererFileHandler } from '../../../main/protocol';
import { CONTENT_SECURITY_POLICY } from '../../../main/security';

describe('createRendererFileHandler', () => {
  let dir: string;
  let handle: (request: Request) => Promise<Response>;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-protocol-'));
    fs.mkdirSync(path.join(dir, 'renderer', 'assets'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'renderer', 'index.html'),
      '<!doctype html><title>Airtime</title>',
    );
    fs.writeFileSync(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
    handle = createRendererFileHandler(path.join(dir, 'renderer'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves index.html for / with the CSP and nosniff headers', async () => {
    const res = await handle(new Request('http://airtime/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Airtime</title>');
  });

  it('serves assets with their MIME type', async () => {
    const res = await handle(new Request('http://airtime/assets/app.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const url of [
      'http://airtime/../secret.txt',
      'http://airtime/%2e%2e/secret.txt',
      'http://airtime/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'http://airtime/..%5csecret.txt',
    ]) {
      const res = await handle(new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain('outside the renderer');
    }
  });

  it('answers 404 for missing files, 400 for broken escapes and 405 for writes', async () => {
    expect((await handle(new Request('http://airtime/missing.js'))).status).toBe(404);
    expect((await handle(new Request('http://airtime/%E0%A4%A'))).status).toBe(400);
    expect(
      (await handle(new Request('http://airtime/index.html', { method: 'POST', body: 'x' })))
        .status,
    ).toBe(405);
  });
});
