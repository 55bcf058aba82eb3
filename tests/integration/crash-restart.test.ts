import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AccountSummary } from '../../contract/http/account';
import { PlanChangePreview, PlanChangeResult } from '../../contract/http/plans';
import { Receipt } from '../../contract/http/payments';
import { MINUTE_MS, systemClock } from '../../server/src/clock';
import { loadRefillPinKey, useKeys } from '../../server/src/secrets';
import { keySourceFor, openKeys } from '../../server/src/keys/open-keys';
import type { CrashPoint } from '../../server/src/billing/crash-point';
import { processorKeyFor } from '../../server/src/billing/payment-service';
import { generatePins } from '../../server/src/billing/refill-pins';
import { SubscriberAdmin } from '../../server/src/account/subscriber-admin';
import { card, CARDS, moneyOf, newKey } from './support/payments';
import { createTestDatabase, dbKind, describeWithDb, type TestDatabase } from './support/test-db';

/**
 * "The process stopped between two steps" with a real process: `serve` runs as a child process
 * on this project's database (a SQLite file in a temp directory, or a PostgreSQL database), dies
 * by SIGKILL at a crash point (`server/src/billing/crash-point.ts`) in the middle of a request,
 * and a second process started on the same database answers the client's retry.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'server', 'src', 'cli.ts');
const SLOW = { timeout: 120_000 };
const PASSWORD = 'Correct-Horse-Battery-9';

interface ServerProcess {
  url: string;
  /** Resolves with the signal that ended the process, or its exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
}

describeWithDb(`a real API process killed mid-request, then restarted (${dbKind})`, () => {
  let testDb: TestDatabase;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    testDb = await createTestDatabase();
    // The keys the server processes will read from the key file, for PINs made in this process.
    const source = keySourceFor(testDb.location, { AIRTIME_KEY_FILE: testDb.keyFile });
    useKeys(testDb.database.db, (await openKeys(testDb.database, source, systemClock)).keys);
  });
  afterEach(async () => {
    // Whatever a test left running is killed and waited for before its database goes away.
    await Promise.all(
      children.splice(0).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await testDb?.cleanup();
  });

  /**
   * `serve` in its own process (node with tsx's loader, so the pid is the server's own and a
   * SIGKILL reaches it directly). With `crashAfter`, it kills itself at that point.
   */
  function startServer(crashAfter?: CrashPoint): Promise<ServerProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('AIRTIME_')) delete env[name];
    Object.assign(env, {
      NODE_ENV: 'test',
      AIRTIME_LOG_LEVEL: 'warn',
      AIRTIME_AUTH_RATE_LIMIT: '0',
      // No timers that write to the database while a test counts rows.
      AIRTIME_PRUNE_INTERVAL_MINUTES: '0',
      AIRTIME_AUTOPAY_INTERVAL_MINUTES: '0',
      AIRTIME_KEY_FILE: testDb.keyFile,
      ...(crashAfter ? { AIRTIME_TEST_CRASH_AFTER: crashAfter } : {}),
    });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'serve',
        '--db',
        testDb.location,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve({ url: match[1]!, exited });
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${String(how)}) before listening:\n${output}`));
      });
    });
  }

  async function addSubscriber(phone: string): Promise<string> {
    const created = await new SubscriberAdmin(testDb.database.db, systemClock).add({
      phone,
      name: 'Crash Test',
      email: `crash${phone.slice(-4)}@example.com`,
      planId: 'starter-5gb',
      password: PASSWORD,
    });
    return created.id;
  }

  async function signIn(server: ServerProcess, phone: string): Promise<string> {
    const res = await fetch(`${server.url}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone, password: PASSWORD }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  function post(
    server: ServerProcess,
    token: string,
    url: string,
    body: unknown,
    key?: string,
  ): Promise<Response> {
    return fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });
  }

  async function summary(server: ServerProcess, token: string): Promise<AccountSummary> {
    const res = await fetch(`${server.url}/v1/account/summary`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return AccountSummary.parse(await res.json());
  }

  /** Sends a request that the server's crash point kills; the client sees the connection drop. */
  async function crashOn(server: ServerProcess, request: Promise<Response>): Promise<void> {
    await expect(request).rejects.toThrow();
    expect(await server.exited).toBe('SIGKILL');
  }

  function operation(subscriberId: string, key: string) {
    return testDb.database.db
      .selectFrom('idempotent_operations')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
  }

  /**
   * Moves an operation's timestamps back, as if the retry (or the restart) came `ms` later: an
   * operation is presumed interrupted only once it has been pending for a minute, because another
   * instance sharing the database could still be working on it.
   */
  async function age(subscriberId: string, key: string, ms: number): Promise<void> {
    const row = await operation(subscriberId, key);
    await testDb.database.db
      .updateTable('idempotent_operations')
      .set({ created_at: row.created_at - ms, updated_at: row.updated_at - ms })
      .where('subscriber_id', '=', subscriberId)
      .where('idempotency_key', '=', key)
      .execute();
  }

  const chargesFor = (subscriberId: string, key: string) =>
    testDb.database.db
      .selectFrom('sandbox_charges')
      .selectAll()
      .where('idempotency_key', '=', processorKeyFor(subscriberId, key))
      .execute();
  const allCharges = () => testDb.database.db.selectFrom('sandbox_charges').selectAll().execute();

  it(
    'card payment: killed after the charge, the retry after a restart charges once and gets one receipt',
    SLOW,
    async () => {
      const phone = '+12065550181';
      const subscriberId = await addSubscriber(phone);
      const first = await startServer('charge');
      const token = await signIn(first, phone);
      const before = (await summary(first, token)).balance.amountCents;
      const key = newKey();
      const body = { amountCents: 4200, card: card(CARDS.approves) };

      await crashOn(first, post(first, token, '/v1/account/payments', body, key));
      // The card was charged; of the payment only its intent is recorded.
      expect(await chargesFor(subscriberId, key)).toMatchObject([
        { status: 'succeeded', amount_cents: 4200 },
      ]);
      expect((await moneyOf(testDb.database.db, subscriberId)).payments).toEqual([]);
      const pending = await operation(subscriberId, key);
      expect(pending.state).toBe('pending');
      expect(pending.intent).not.toContain('4242424242424242');

      // Restarted at once (same database, no crash point). The session survives the restart.
      const second = await startServer();
      const tooSoon = await post(second, token, '/v1/account/payments', body, key);
      expect(tooSoon.status).toBe(409);
      expect(await tooSoon.json()).toMatchObject({
        error: { code: 'idempotency_in_progress', retryAfterSeconds: 1 },
      });
      expect(await allCharges()).toHaveLength(1);

      // A minute on, the retry finds the operation interrupted, asks the processor, and records
      // the charge it made: no second charge.
      await age(subscriberId, key, 2 * MINUTE_MS);
      const retry = await post(second, token, '/v1/account/payments', body, key);
      expect(retry.status, await retry.clone().text()).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const receipt = Receipt.parse(await retry.json());
      expect(receipt).toMatchObject({
        status: 'succeeded',
        method: 'card',
        card: { brand: 'visa', last4: '4242' },
        amount: { amountCents: 4200, currency: 'USD' },
        balanceAfter: { amountCents: before + 4200 },
      });

      // Asked again with the same key: the same receipt, and still nothing more moved.
      const again = await post(second, token, '/v1/account/payments', body, key);
      expect(again.status).toBe(201);
      expect(Receipt.parse(await again.json())).toEqual(receipt);

      expect(await allCharges()).toHaveLength(1);
      const money = await moneyOf(testDb.database.db, subscriberId);
      expect(money.payments.map((p) => [p.id, p.status, p.amount_cents])).toEqual([
        [receipt.paymentId, 'succeeded', 4200],
      ]);
      expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['payment', 4200]]);
      expect((await summary(second, token)).balance.amountCents).toBe(before + 4200);
    },
  );

  it(
    'card payment: a restart a minute later finishes the interrupted payment before any retry',
    SLOW,
    async () => {
      const phone = '+12065550182';
      const subscriberId = await addSubscriber(phone);
      const first = await startServer('charge');
      const token = await signIn(first, phone);
      const key = newKey();
      const body = { amountCents: 1999, card: card(CARDS.approves) };

      await crashOn(first, post(first, token, '/v1/account/payments', body, key));
      await age(subscriberId, key, 2 * MINUTE_MS);

      // Start-up recovery has recorded the payment by the time the new process listens.
      const second = await startServer();
      const recovered = await operation(subscriberId, key);
      expect(recovered.state).toBe('done');
      const money = await moneyOf(testDb.database.db, subscriberId);
      expect(money.payments.map((p) => [p.status, p.amount_cents])).toEqual([['succeeded', 1999]]);
      expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['payment', 1999]]);

      // The client's retry gets the receipt recovery stored, twice over.
      const retry = await post(second, token, '/v1/account/payments', body, key);
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const receipt = Receipt.parse(await retry.json());
      expect(receipt).toEqual(JSON.parse(recovered.response_body!));
      expect(receipt.paymentId).toBe(money.payments[0]!.id);
      const again = await post(second, token, '/v1/account/payments', body, key);
      expect(Receipt.parse(await again.json())).toEqual(receipt);

      expect(await allCharges()).toHaveLength(1);
      expect((await moneyOf(testDb.database.db, subscriberId)).ledgerSum).toBe(1999);
      expect((await summary(second, token)).balance.amountCents).toBe(1999);
    },
  );

  it(
    'refill PIN: killed after the redemption, the retry after a restart gets the receipt and the PIN stays used once',
    SLOW,
    async () => {
      const phone = '+12065550183';
      const subscriberId = await addSubscriber(phone);
      const pinKey = await loadRefillPinKey(testDb.database.db, systemClock);
      const [pin] = (
        await generatePins(testDb.database.db, systemClock, pinKey, { count: 1, valueCents: 2500 })
      ).pins;
      const first = await startServer('refill');
      const token = await signIn(first, phone);
      const key = newKey();

      await crashOn(first, post(first, token, '/v1/account/refill', { pin }, key));
      // Redeemed and credited, with the answer stored, but never sent.
      const pins = await testDb.database.db.selectFrom('refill_pins').selectAll().execute();
      expect(pins.map((p) => p.redeemed_by)).toEqual([subscriberId]);
      expect((await operation(subscriberId, key)).state).toBe('done');

      const second = await startServer();
      const retry = await post(second, token, '/v1/account/refill', { pin }, key);
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const receipt = Receipt.parse(await retry.json());
      expect(receipt).toMatchObject({
        status: 'succeeded',
        method: 'refill_pin',
        amount: { amountCents: 2500 },
        balanceAfter: { amountCents: 2500 },
      });
      const again = await post(second, token, '/v1/account/refill', { pin }, key);
      expect(Receipt.parse(await again.json())).toEqual(receipt);

      // The same PIN under a new key is a second redemption, and is refused.
      const reuse = await post(second, token, '/v1/account/refill', { pin }, newKey());
      expect(reuse.status).toBe(400);
      expect(await reuse.json()).toMatchObject({ error: { code: 'refill_pin_invalid' } });

      const money = await moneyOf(testDb.database.db, subscriberId);
      expect(money.payments.map((p) => [p.id, p.method, p.amount_cents])).toEqual([
        [receipt.paymentId, 'refill_pin', 2500],
      ]);
      expect(money.ledger.map((e) => [e.kind, e.amount_cents])).toEqual([['refill', 2500]]);
      expect((await summary(second, token)).balance.amountCents).toBe(2500);
    },
  );

  it(
    'plan change: killed after the change, the retry after a restart gets the same change, applied once',
    SLOW,
    async () => {
      const phone = '+12065550184';
      const subscriberId = await addSubscriber(phone);
      const pinKey = await loadRefillPinKey(testDb.database.db, systemClock);
      const [pin] = (
        await generatePins(testDb.database.db, systemClock, pinKey, {
          count: 1,
          valueCents: 100_00,
        })
      ).pins;
      const first = await startServer('plan_change');
      const token = await signIn(first, phone);
      // Credit to pay for the change with (this crash point leaves refills alone).
      expect((await post(first, token, '/v1/account/refill', { pin }, newKey())).status).toBe(201);
      const shown = await post(first, token, '/v1/account/plan/preview', {
        planId: 'unlimited',
        when: 'now',
      });
      expect(shown.status, await shown.clone().text()).toBe(200);
      const preview = PlanChangePreview.parse(await shown.json());
      const key = newKey();
      const body = {
        planId: 'unlimited',
        when: 'now',
        expectedChargeCents: preview.netChargeCents,
      };

      await crashOn(first, post(first, token, '/v1/account/plan/change', body, key));

      const second = await startServer();
      const retry = await post(second, token, '/v1/account/plan/change', body, key);
      expect(retry.status, await retry.clone().text()).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      const result = PlanChangeResult.parse(await retry.json());
      expect(result).toMatchObject({ status: 'applied', newPlan: { id: 'unlimited' } });
      const again = await post(second, token, '/v1/account/plan/change', body, key);
      expect(PlanChangeResult.parse(await again.json())).toEqual(result);

      const changes = await testDb.database.db
        .selectFrom('plan_changes')
        .select(['id', 'status'])
        .where('subscriber_id', '=', subscriberId)
        .execute();
      expect(changes).toEqual([{ id: result.changeId, status: 'applied' }]);
      const money = await moneyOf(testDb.database.db, subscriberId);
      expect(money.ledgerSum).toBe(100_00 - preview.netChargeCents);
      const after = await summary(second, token);
      expect(after.plan.id).toBe('unlimited');
      expect(after.balance.amountCents).toBe(100_00 - preview.netChargeCents);
    },
  );
});
