import { afterAll, beforeAll, expect, it } from 'vitest';
import { AccountSummary } from '../../contract/http/account';
import { CancelledPlanChange, PlanChangeResult } from '../../contract/http/plans';
import { applyDuePlanChanges } from '../../server/src/account/plan-service';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { moneyOf, newKey, send, type Account, creditAccount } from './support/payments';

describeWithDb(`cancelling a scheduled plan change (${dbKind})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const db = () => t.testDb.database.db;

  /** A signed-in subscriber on Starter 5 GB, renewing on the 10th (2026-12-10), with credit. */
  async function account(creditCents = 40_00): Promise<Account & { signIn(): Promise<Account> }> {
    t.clock.set(TEST_NOW);
    const created = await t.addSubscriber({ planId: 'starter-5gb', cycleAnchorDay: 10 });
    await creditAccount(db(), created.id, creditCents, t.clock.now());
    /** Signs in at the clock's time (an access token lives 10 minutes). */
    const signIn = async (): Promise<Account> => {
      const res = await t.post('/v1/auth/sign-in', {
        phone: created.phone,
        password: created.password,
      });
      expect(res.statusCode, res.body).toBe(200);
      return { id: created.id, token: res.json<{ accessToken: string }>().accessToken };
    };
    return { ...(await signIn()), signIn };
  }

  const schedule = async (a: Account, planId: string) => {
    const res = await send(
      t,
      a,
      'POST',
      '/v1/account/plan/change',
      { planId, when: 'next_renewal' },
      { 'idempotency-key': newKey() },
    );
    expect(res.statusCode, res.body).toBe(200);
    return PlanChangeResult.parse(res.json());
  };
  const cancel = (a: Account) => send(t, a, 'DELETE', '/v1/account/plan/pending');
  const summaryOf = async (a: Account) => {
    const res = await send(t, a, 'GET', '/v1/account/summary');
    expect(res.statusCode, res.body).toBe(200);
    return AccountSummary.parse(res.json());
  };
  const planOf = async (id: string) =>
    (
      await db()
        .selectFrom('subscribers')
        .select('plan_id')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).plan_id;
  const statusOf = async (changeId: string) =>
    (
      await db()
        .selectFrom('plan_changes')
        .select('status')
        .where('id', '=', changeId)
        .executeTakeFirstOrThrow()
    ).status;

  it('needs a token (401)', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/account/plan/pending' });
    expectError(res, 401, 'unauthorized');
  });

  it('answers 404 no_pending_plan_change when nothing is scheduled, naming the plan kept', async () => {
    const a = await account();
    const error = expectError(await cancel(a), 404, 'no_pending_plan_change');
    expect(error.message).toContain('Starter 5 GB');
  });

  it('cancels the change: the plan, balance and ledger stay as they were, and the renewal keeps the plan', async () => {
    const a = await account();
    const before = await summaryOf(a);
    const moneyBefore = await moneyOf(db(), a.id);
    const scheduled = await schedule(a, 'unlimited');
    // Scheduled: the renewal is quoted on Unlimited ($50, taxes included) less the $40 credit.
    expect((await summaryOf(a)).amountDue.amountCents).toBe(10_00);

    const res = await cancel(a);
    expect(res.statusCode, res.body).toBe(200);
    const body = CancelledPlanChange.parse(res.json());
    expect(body).toEqual(res.json());
    expect(body.cancelled).toMatchObject({
      id: scheduled.changeId,
      plan: { id: 'unlimited', name: 'Unlimited' },
      effectiveOn: '2026-12-10',
      requestedAt: TEST_NOW,
    });
    expect(body.plan).toEqual(before.plan);

    const after = await summaryOf(a);
    expect(after.pendingPlanChange).toBeNull();
    expect(after.plan).toEqual(before.plan);
    expect(after.amountDue).toEqual(before.amountDue);
    expect(after.balance).toEqual(before.balance);
    expect(await statusOf(scheduled.changeId)).toBe('cancelled');
    const moneyAfter = await moneyOf(db(), a.id);
    expect(moneyAfter.ledger).toEqual(moneyBefore.ledger);
    expect(moneyAfter.payments).toEqual(moneyBefore.payments);

    // Once cancelled, there is nothing left to cancel.
    expectError(await cancel(a), 404, 'no_pending_plan_change');

    // The renewal day comes and goes: still on Starter.
    await applyDuePlanChanges(db(), Date.parse('2026-12-10T00:00:00.000Z'), a.id);
    expect(await planOf(a.id)).toBe('starter-5gb');
    expect(await statusOf(scheduled.changeId)).toBe('cancelled');
  });

  it("leaves other subscribers' scheduled changes alone", async () => {
    const a = await account();
    const b = await account();
    const hers = await schedule(a, 'value-15gb');
    const his = await schedule(b, 'unlimited');
    expect((await cancel(a)).statusCode).toBe(200);
    expect(await statusOf(hers.changeId)).toBe('cancelled');
    expect(await statusOf(his.changeId)).toBe('pending');
    expect((await summaryOf(b)).pendingPlanChange?.id).toBe(his.changeId);
  });

  it('can schedule again after cancelling, and cancel that one too', async () => {
    const a = await account();
    const first = await schedule(a, 'unlimited');
    expect((await cancel(a)).statusCode).toBe(200);
    const second = await schedule(a, 'talk-text-1gb');
    expect((await summaryOf(a)).pendingPlanChange?.id).toBe(second.changeId);
    const body = CancelledPlanChange.parse((await cancel(a)).json());
    expect(body.cancelled.id).toBe(second.changeId);
    expect(await statusOf(first.changeId)).toBe('cancelled');
    expect(await statusOf(second.changeId)).toBe('cancelled');
  });

  it('cannot cancel a change whose renewal day has come: it is applied, and the answer is 404', async () => {
    const a = await account();
    const scheduled = await schedule(a, 'value-15gb');
    t.clock.set('2026-12-10T08:00:00.000Z');
    try {
      expectError(await cancel(await a.signIn()), 404, 'no_pending_plan_change');
      expect(await statusOf(scheduled.changeId)).toBe('applied');
      expect(await planOf(a.id)).toBe('value-15gb');
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('is documented in the OpenAPI document with its 200 and 404 answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    const doc = res.json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    const operation = doc.paths['/v1/account/plan/pending']?.['delete'];
    expect(operation).toBeDefined();
    expect(Object.keys(operation!.responses)).toEqual(
      expect.arrayContaining(['200', '401', '404']),
    );
  });
});
