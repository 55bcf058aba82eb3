import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { TrustProxy } from '../../server/src/net/trust-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { describeWithDb } from './support/test-db';

/**
 * Per-client budgets count the client the API can be sure of: the socket's address, or what the
 * operator's own proxies say, and an IPv6 client's whole /64. A header the client writes itself
 * changes nothing.
 */
describeWithDb('who a client is', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const LIMIT = 3;
  const start = async (trustProxy: TrustProxy) => {
    t = await createTestApp({ authRateLimit: LIMIT, trustProxy });
    return t;
  };

  /** A refresh with a token that does not exist: answered fast, and counted per client. */
  const refresh = (app: TestApp, remoteAddress: string, forwardedFor?: string) =>
    app.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      remoteAddress,
      payload: { refreshToken: randomBytes(32).toString('base64url') },
      headers: {
        'content-type': 'application/json',
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      },
    });

  const forged = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const app = await start(false);
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await refresh(app, '203.0.113.7', forged())).statusCode).toBe(401);
    }
    // A new forged address every time, and still the same client.
    const limited = await refresh(app, '203.0.113.7', forged());
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await refresh(app, '203.0.113.8')).statusCode).toBe(401);
  });

  it('behind one trusted proxy, counts the address the proxy saw, not what the client wrote', async () => {
    const app = await start(1);
    const proxy = '10.0.0.1';
    // The proxy appends the address it saw; whatever the client put before it is ignored.
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await refresh(app, proxy, `${forged()}, 203.0.113.7`)).statusCode).toBe(401);
    }
    expect((await refresh(app, proxy, `${forged()}, 203.0.113.7`)).statusCode).toBe(429);
    // Another subscriber behind the same proxy has a budget of its own.
    expect((await refresh(app, proxy, '203.0.113.8')).statusCode).toBe(401);
  });

  it('trusts a listed proxy, and no one else', async () => {
    const app = await start(['10.0.0.0/8']);
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await refresh(app, '10.2.3.4', '203.0.113.9')).statusCode).toBe(401);
    }
    expect((await refresh(app, '10.9.9.9', '203.0.113.9')).statusCode).toBe(429);
    // Not a listed proxy: its X-Forwarded-For is the client's own claim and is ignored.
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await refresh(app, '192.0.2.50', forged())).statusCode).toBe(401);
    }
    expect((await refresh(app, '192.0.2.50', '203.0.113.10')).statusCode).toBe(429);
  });

  it('counts an IPv6 client by its /64, so new addresses buy no new budget', async () => {
    const app = await start(false);
    for (let i = 1; i <= LIMIT; i += 1) {
      expect((await refresh(app, `2001:db8:1:2::${i}`)).statusCode).toBe(401);
    }
    expect((await refresh(app, '2001:db8:1:2:abcd::99')).statusCode).toBe(429);
    expect((await refresh(app, '2001:db8:1:3::1')).statusCode).toBe(401);
  });
});
