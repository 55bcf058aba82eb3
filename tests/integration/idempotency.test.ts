import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Receipt } from '../../contract/http/payments';
import { buildApp } from '../../server/src/app';
import { keySourceFor, openKeys } from '../../server/src/keys/open-keys';
import { ManualClock, MINUTE_MS, systemClock } from '../../server/src/clock';
import { ApiHttpError } from '../../server/src/errors';
import { SubscriberAdmin } from '../../server/src/account/subscriber-admin';
import {
  recoverPendingOperations,
  runIdempotent,
  type IdempotencyContext,
  type PendingOperation,
} from '../../server/src/billing/idempotency';
import { processorKeyFor } from '../../server/src/billing/payment-service';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestDatabase, dbKind, describeWithDb, type TestDatabase } from './support/test-db';
import { card, CARDS, moneyOf, newKey } from './support/payments';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'server', 'src', 'cli.ts');

describeWithDb(`idempotent operations (${dbKind})`, () => {
  let t: TestApp;
  let subscriberId: string;

  beforeAll(async () => {
    t = await createTestApp();
    subscriberId = (await t.addSubscriber()).id;
  });
  afterAll(async () => t?.close());

  const run = (
    key: string,
    body: unknown,
    work: (ctx: IdempotencyContext) => Promise<{ status: number; body: unknown }>,
    options = {},
  ) =>
    runIdempotent(
      t.testDb.database.db,
      t.clock,
      { subscriberId, key, operation: 'test_op', requestBody: body },
      work,
      options,
    );

  it('runs the work once and replays its answer, for sequential and racing duplicates', async () => {
    let calls = 0;
    const work = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 30));
      return { status: 201, body: { n: calls } };
    };
    const key = newKey();
    const answers = await Promise.all([1, 2, 3, 4].map(() => run(key, { a: 1, b: [2] }, work)));
    // Key order in the body does not make it a different request.
    answers.push(await run(key, { b: [2], a: 1 }, work));
    expect(calls).toBe(1);
    expect(answers.map((a) => [a.status, a.body])).toEqual(Array(5).fill([201, { n: 1 }]));
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
  });

  it('refuses the same key for another body or another operation', async () => {
    const key = newKey();
    await run(key, { a: 1 }, async () => ({ status: 201, body: {} }));
    await expect(run(key, { a: 2 }, async () => ({ status: 201, body: {} }))).rejects.toMatchObject(
      { statusCode: 422, code: 'idempotency_key_reused' },
    );
    await expect(
      runIdempotent(
        t.testDb.database.db,
        t.clock,
        { subscriberId, key, operation: 'other_op', requestBody: { a: 1 } },
        async () => ({ status: 201, body: {} }),
      ),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('remembers a refusal, but releases the key after a transient error', async () => {
    let calls = 0;
    const refuse = async (): Promise<never> => {
      calls += 1;
      throw new ApiHttpError(404, 'payment_method_not_found', 'No such card.');
    };
    const key = newKey();
    await expect(run(key, {}, refuse)).rejects.toBeInstanceOf(ApiHttpError);
    const replay = await run(key, {}, refuse);
    expect(calls).toBe(1);
    expect(replay).toMatchObject({ status: 404, replayed: true });
    expect(replay.body).toEqual({
      error: { code: 'payment_method_not_found', message: 'No such card.' },
    });

    const flaky = newKey();
    await expect(
      run(flaky, {}, async () => {
        throw new ApiHttpError(503, 'payment_processor_unavailable', 'Try again.');
      }),
    ).rejects.toMatchObject({ statusCode: 503 });
    expect(await run(flaky, {}, async () => ({ status: 201, body: { ok: true } }))).toMatchObject({
      status: 201,
      replayed: false,
    });
  });

  it('forgets a crash before any intent, and keeps one after it for recovery', async () => {
    const early = newKey();
    await expect(
      run(early, {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await run(early, {}, async () => ({ status: 201, body: 1 }))).replayed).toBe(false);

    const late = newKey();
    await expect(
      run(late, {}, async (ctx) => {
        await ctx.saveIntent({ charged: 5 });
        throw new Error('lost connection');
      }),
    ).rejects.toThrow('lost connection');
    // Still in flight as far as anyone can tell: a duplicate waits, then hears 409.
    await expect(
      run(late, {}, async () => ({ status: 201, body: 'again' }), { waitMs: 100 }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'idempotency_in_progress' });

    // Recovery ignores operations younger than a minute…
    const handlers = {
      test_op: async (pending: PendingOperation) => {
        expect(pending.intent).toEqual({ charged: 5 });
        await pending.complete(t.testDb.database.db, 201, { recovered: true });
        return 'finished' as const;
      },
    };
    expect(await recoverPendingOperations(t.testDb.database.db, t.clock, handlers)).toEqual({
      finished: 0,
      rolledBack: 0,
      failed: 0,
    });
    // …and finishes older ones.
    t.clock.advance(MINUTE_MS + 1);
    const counts = await recoverPendingOperations(t.testDb.database.db, t.clock, handlers);
    expect(counts.finished).toBeGreaterThanOrEqual(1);
    expect(await run(late, {}, async () => ({ status: 500, body: 'never' }))).toEqual({
      status: 201,
      body: { recovered: true },
      replayed: true,
    });
  });

  it('lets a retry recover a stale operation itself, or run again when it was rolled back', async () => {
    const key = newKey();
    await expect(
      run(key, { x: 1 }, async (ctx) => {
        await ctx.saveIntent({ step: 'charge' });
        throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
    t.clock.advance(2 * MINUTE_MS);
    let reran = 0;
    const answer = await run(
      key,
      { x: 1 },
      async () => {
        reran += 1;
        return { status: 201, body: 'fresh' };
      },
      { recovery: { test_op: async () => 'rolled_back' as const } },
    );
    expect(reran).toBe(1);
    expect(answer).toEqual({ status: 201, body: 'fresh', replayed: false });
  });
});

describeWithDb(`a crash between the charge and the answer (${dbKind})`, () => {
  let testDb: TestDatabase;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await testDb?.cleanup();
  });

  /** `serve` as a real process that dies right after the processor charges. */
  function startCrashingServer(): Promise<{ url: string; exited: Promise<unknown> }> {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('AIRTIME_')) delete env[name];
    env['NODE_ENV'] = 'test';
    env['AIRTIME_TEST_CRASH_AFTER'] = 'charge';
    // The test database's own key file, not the default one in the working folder.
    env['AIRTIME_KEY_FILE'] = testDb.keyFile;
    const proc = spawn(
      TSX,
      [CLI, 'serve', '--db', testDb.location, '--host', '127.0.0.1', '--port', '0'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    const exited = new Promise((resolve) =>
      proc.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve({ url: match[1]!, exited });
        }
      });
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      proc.on('exit', () => reject(new Error(`server exited early: ${out}`)));
    });
  }

  it(
    'charges once and records once when the retry comes after a restart',
    { timeout: 90_000 },
    async () => {
      const db = testDb.database.db;
      const created = await new SubscriberAdmin(db, systemClock).add({
        phone: '+12065550188',
        name: 'Crash Test',
        email: 'crash@example.com',
        planId: 'starter-5gb',
        password: 'Correct-Horse-Battery-9',
      });
      const server = await startCrashingServer();
      const signIn = await fetch(`${server.url}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '+12065550188', password: 'Correct-Horse-Battery-9' }),
      });
      expect(signIn.status).toBe(200);
      const { accessToken } = (await signIn.json()) as { accessToken: string };
      const key = newKey();
      const body = { amountCents: 4200, card: card(CARDS.approves) };
      const headers = {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      };
      await expect(
        fetch(`${server.url}/v1/account/payments`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        }),
      ).rejects.toThrow();
      // Killed, not closed (tsx reports the child's SIGKILL as exit status 137).
      expect(['SIGKILL', 137]).toContain(await server.exited);

      // The processor charged; the API recorded nothing but its intent.
      const charge = await db
        .selectFrom('sandbox_charges')
        .selectAll()
        .where('idempotency_key', '=', processorKeyFor(created.id, key))
        .executeTakeFirstOrThrow();
      expect(charge).toMatchObject({ status: 'succeeded', amount_cents: 4200 });
      expect((await moneyOf(db, created.id)).payments).toEqual([]);
      const pending = await db
        .selectFrom('idempotent_operations')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(pending.state).toBe('pending');
      expect(pending.intent).not.toContain('4242424242424242');

      // Restarted a couple of minutes later: start-up recovery asks the processor and finishes it.
      const clock = new ManualClock(Date.now() + 2 * MINUTE_MS);
      // With the keys of the key file the crashed process used, as a restarted `serve` reads them.
      const source = keySourceFor(testDb.location, { AIRTIME_KEY_FILE: testDb.keyFile });
      const app = await buildApp({
        database: testDb.database,
        clock,
        authRateLimit: 0,
        keys: (await openKeys(testDb.database, source, clock)).keys,
      });
      try {
        await app.ready();
        const retry = await app.inject({
          method: 'POST',
          url: '/v1/account/payments',
          headers,
          payload: body,
        });
        expect(retry.statusCode, retry.body).toBe(201);
        expect(Receipt.parse(retry.json())).toMatchObject({
          amount: { amountCents: 4200 },
          balanceAfter: { amountCents: 4200 },
        });
        const again = await app.inject({
          method: 'POST',
          url: '/v1/account/payments',
          headers,
          payload: body,
        });
        expect(again.body).toBe(retry.body);
      } finally {
        await app.close();
      }
      const charges = await db.selectFrom('sandbox_charges').selectAll().execute();
      expect(charges).toHaveLength(1);
      const money = await moneyOf(db, created.id);
      expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['payment', 4200]]);
      expect(money.payments.map((p) => p.status)).toEqual(['succeeded']);
    },
  );
});
