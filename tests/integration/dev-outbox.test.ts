import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Outbox } from '../../server/src/delivery/outbox';
import { createTestApp, type TestApp } from './support/test-app';
import { describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

/** The dev outbox holds codes that sign anyone in: only this computer may read it. */
describeWithDb('GET /dev/outbox', () => {
  let t: TestApp | undefined;
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-outbox-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function devServer(trustProxy: false | number = false) {
    // The outbox reads the app's clock, which exists once the app does.
    const outbox = new Outbox(path.join(dir, 'outbox.jsonl'), { now: () => t!.clock.now() });
    const app = await createTestApp({
      outbox,
      trustProxy,
      delivery: { sms: outbox.sender('sms'), email: outbox.sender('email') },
    });
    t = app;
    return app;
  }

  const outboxFrom = (app: TestApp, remoteAddress: string, forwardedFor?: string) =>
    app.app.inject({
      method: 'GET',
      url: '/dev/outbox',
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });

  it('answers on loopback, over IPv4 and IPv6', async () => {
    const app = await devServer();
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const res = await outboxFrom(app, address);
      expect(res.statusCode, address).toBe(200);
      expect(res.json()).toEqual({ messages: [] });
    }
  });

  it('is not there for anyone else, even through a proxy on this computer', async () => {
    const app = await devServer(1);
    for (const address of ['192.0.2.10', '10.0.0.1', '2001:db8::1']) {
      expectError(await outboxFrom(app, address), 404, 'not_found');
    }
    // A proxy on loopback passing on a request from elsewhere.
    expectError(await outboxFrom(app, '127.0.0.1', '203.0.113.5'), 404, 'not_found');
  });
});
