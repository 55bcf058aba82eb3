import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountSummary } from '../../contract/http/account';
import {
  PlanCatalogue,
  PlanChangePreview,
  PlanChangeResult,
  type PlanChangeTiming,
} from '../../contract/http/plans';
import { applyDuePlanChanges } from '../../server/src/account/plan-service';
import { renewalTotal } from '../../server/src/billing/charges';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { moneyOf, newKey, send, type Account, creditAccount } from './support/payments';

const DAY_MS = 86_400_000;

/** Prices of the seeded catalogue, written out here rather than read from the server. */
const PRICE: Record<string, number> = {
  'talk-text-1gb': 15_00,
  'starter-5gb': 25_00,
  'value-15gb': 35_00,
  unlimited: 50_00,
};

/**
 * The expected proration, worked out independently of the server: count the days from today to
 * the renewal by walking the calendar one day at a time, then credit rounded up and charge
 * rounded down, in BigInt so no floating point is involved.
 */
function expectedProration(
  today: string,
  renewsOn: string,
  cycleStart: string,
  from: number,
  to: number,
) {
  const count = (a: string, b: string) => {
    let n = 0;
    for (let d = new Date(`${a}T00:00:00Z`); d < new Date(`${b}T00:00:00Z`);) {
      d = new Date(d.getTime() + DAY_MS);
      n += 1;
    }
    return n;
  };
  const left = BigInt(count(today, renewsOn));
  const total = BigInt(count(cycleStart, renewsOn));
  return {
    daysLeft: Number(left),
    cycleDays: Number(total),
    creditCents: Number((BigInt(from) * left + total - 1n) / total),
    chargeCents: Number((BigInt(to) * left) / total),
  };
}

describeWithDb(`plans and plan changes (${dbKind})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    // A plan taken off sale: it must not be listed or offered.
    await t.testDb.database.db
      .insertInto('plans')
      .values({
        id: 'retired-2gb',
        name: 'Retired 2 GB',
        price_cents: 20_00,
        currency: 'USD',
        data_mb: 2048,
        data_after_allowance: 'blocked',
        hotspot_mb: 0,
        talk_minutes: null,
        texts: null,
        intl_texting: 0,
        taxes_included: 0,
        sort_order: 15,
        active: 0,
        autopay_discount_cents: 0,
      })
      .execute();
  });
  afterAll(async () => t?.close());

  const db = () => t.testDb.database.db;

  /** A signed-in subscriber on `planId`, at `now`, renewing on `anchor`, with `creditCents`. */
  async function account(
    options: { now?: string; anchor?: number; planId?: string; creditCents?: number } = {},
  ): Promise<Account> {
    t.clock.set(options.now ?? TEST_NOW);
    const created = await t.addSubscriber({
      planId: options.planId ?? 'starter-5gb',
      ...(options.anchor ? { cycleAnchorDay: options.anchor } : {}),
    });
    if (options.creditCents) {
      await creditAccount(db(), created.id, options.creditCents, t.clock.now());
    }
    const res = await t.post('/v1/auth/sign-in', {
      phone: created.phone,
      password: created.password,
    });
    expect(res.statusCode, res.body).toBe(200);
    return { id: created.id, token: res.json<{ accessToken: string }>().accessToken };
  }

  const preview = (a: Account, planId: string, when: PlanChangeTiming) =>
    send(t, a, 'POST', '/v1/account/plan/preview', { planId, when });
  const change = (a: Account, body: Record<string, unknown>, key: string | null = newKey()) =>
    send(
      t,
      a,
      'POST',
      '/v1/account/plan/change',
      body,
      key === null ? {} : { 'idempotency-key': key },
    );
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
  /** The balance the summary shows is the sum of the ledger, always. */
  const expectBalanceIsLedgerSum = async (a: Account) => {
    const [summary, money] = await Promise.all([summaryOf(a), moneyOf(db(), a.id)]);
    expect(summary.balance.amountCents).toBe(money.ledgerSum);
    return money;
  };

  describe('GET /v1/plans', () => {
    it('lists the active catalogue without a token, in catalogue order', async () => {
      const res = await t.get('/v1/plans');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toMatch(/max-age/);
      const body = PlanCatalogue.parse(res.json());
      expect(body).toEqual(res.json());
      expect(body.items.map((p) => p.id)).toEqual([
        'talk-text-1gb',
        'starter-5gb',
        'value-15gb',
        'unlimited',
      ]);
      for (const plan of body.items) {
        expect(plan.monthlyPrice).toEqual({ amountCents: PRICE[plan.id], currency: 'USD' });
      }
      expect(body.items.find((p) => p.id === 'unlimited')).toMatchObject({
        dataAllowanceMb: null,
        hotspotMb: 15 * 1024,
        talkMinutes: null,
        texts: null,
        internationalTexting: true,
        taxesAndFeesIncluded: true,
      });
    });
  });

  describe('authentication', () => {
    it('needs a token for preview, change and add-ons (401)', async () => {
      const json = { 'content-type': 'application/json' };
      const body = { planId: 'unlimited', when: 'now' };
      for (const [method, url] of [
        ['POST', '/v1/account/plan/preview'],
        ['POST', '/v1/account/plan/change'],
        ['GET', '/v1/account/add-ons'],
        ['POST', '/v1/account/add-ons'],
      ] as const) {
        const res = await t.app.inject({
          method,
          url,
          ...(method === 'POST'
            ? { payload: body, headers: { ...json, 'idempotency-key': newKey() } }
            : {}),
        });
        expectError(res, 401, 'unauthorized');
      }
    });
  });

  describe('proration (change now)', () => {
    // Anchor day 1: February 2026 has 28 days, April 30, March 31; anchor 15 spans two months.
    const cases: [label: string, today: string, anchor: number, from: string, to: string][] = [
      ['28-day cycle, first day', '2026-02-01', 1, 'starter-5gb', 'unlimited'],
      ['28-day cycle, middle', '2026-02-15', 1, 'starter-5gb', 'unlimited'],
      ['28-day cycle, last day', '2026-02-28', 1, 'starter-5gb', 'unlimited'],
      ['30-day cycle, first day', '2026-04-01', 1, 'unlimited', 'talk-text-1gb'],
      ['30-day cycle, middle', '2026-04-16', 1, 'starter-5gb', 'value-15gb'],
      ['30-day cycle, last day', '2026-04-30', 1, 'value-15gb', 'starter-5gb'],
      ['31-day cycle, first day', '2026-03-01', 1, 'talk-text-1gb', 'value-15gb'],
      ['31-day cycle, middle', '2026-03-20', 1, 'starter-5gb', 'unlimited'],
      ['31-day cycle, last day', '2026-03-31', 1, 'unlimited', 'starter-5gb'],
      ['31-day cycle across months', '2026-02-03', 15, 'talk-text-1gb', 'starter-5gb'],
    ];

    it.each(cases)('%s: %s on anchor %i, %s → %s', async (_label, today, anchor, from, to) => {
      const a = await account({
        now: `${today}T15:30:00.000Z`,
        anchor,
        planId: from,
        creditCents: 100_00,
      });
      const summary = await summaryOf(a);
      const expected = expectedProration(
        today,
        summary.dueDate,
        summary.cycle.start,
        PRICE[from]!,
        PRICE[to]!,
      );
      expect(summary.cycle.daysLeft).toBe(expected.daysLeft);

      const res = await preview(a, to, 'now');
      expect(res.statusCode, res.body).toBe(200);
      const shown = PlanChangePreview.parse(res.json());
      expect(shown).toEqual(res.json());
      expect(shown).toMatchObject({
        when: 'now',
        effectiveOn: today,
        prorationDays: expected.daysLeft,
        cycleDays: expected.cycleDays,
        creditCents: expected.creditCents,
        chargeNowCents: expected.chargeCents,
        netChargeCents: expected.chargeCents - expected.creditCents,
        balanceCents: 100_00,
        balanceAfterCents: 100_00 - (expected.chargeCents - expected.creditCents),
        currency: 'USD',
      });
      expect(shown.currentPlan.id).toBe(from);
      expect(shown.newPlan.id).toBe(to);
      const toRow = await db()
        .selectFrom('plans')
        .selectAll()
        .where('id', '=', to)
        .executeTakeFirstOrThrow();
      expect(shown.nextRenewalCents).toBe(renewalTotal(toRow));
      expect(shown.explanation.length).toBeGreaterThan(2);
      // Nothing changes on a preview.
      expect(await planOf(a.id)).toBe(from);
      expect((await moneyOf(db(), a.id)).ledger).toHaveLength(1);

      const done = await change(a, {
        planId: to,
        when: 'now',
        expectedChargeCents: shown.netChargeCents,
      });
      expect(done.statusCode, done.body).toBe(200);
      const result = PlanChangeResult.parse(done.json());
      const { changeId, status, ...rest } = result;
      expect(status).toBe('applied');
      expect(changeId).toMatch(/^pc_/);
      expect(rest).toEqual(shown);
      expect(await planOf(a.id)).toBe(to);

      const money = await expectBalanceIsLedgerSum(a);
      const entries = money.ledger.filter((e) => e.id.startsWith(changeId));
      expect(entries.map((e) => [e.kind, e.amount_cents]).sort()).toEqual(
        [
          ['credit', expected.creditCents],
          ['plan_charge', -expected.chargeCents],
        ].sort(),
      );
      expect(money.ledgerSum).toBe(100_00 - expected.chargeCents + expected.creditCents);
      const after = await summaryOf(a);
      expect(after.plan.id).toBe(to);
      expect(after.pendingPlanChange).toBeNull();
    });

    it('lists only the features that differ, with their direction', async () => {
      const a = await account({ planId: 'talk-text-1gb', creditCents: 100_00 });
      const shown = PlanChangePreview.parse((await preview(a, 'unlimited', 'now')).json());
      expect(shown.changes).toEqual([
        { feature: 'data', from: 1024, to: null, unit: 'MB', direction: 'more' },
        { feature: 'hotspot', from: 0, to: 15 * 1024, unit: 'MB', direction: 'more' },
        { feature: 'talk', from: 500, to: null, unit: 'minutes', direction: 'more' },
        { feature: 'texts', from: 1000, to: null, unit: 'texts', direction: 'more' },
        { feature: 'international_texting', from: 0, to: 1, unit: 'included', direction: 'more' },
      ]);
      const back = PlanChangePreview.parse((await preview(a, 'starter-5gb', 'now')).json());
      expect(back.changes.map((c) => c.feature)).toEqual(['data', 'talk', 'texts']);
    });
  });

  describe('refusals', () => {
    it('answers 400 plan_unchanged for the current plan, 404 for unknown or retired plans', async () => {
      const a = await account({ creditCents: 100_00 });
      expectError(await preview(a, 'starter-5gb', 'now'), 400, 'plan_unchanged');
      expectError(await preview(a, 'no-such-plan', 'now'), 404, 'plan_not_found');
      expectError(await preview(a, 'retired-2gb', 'next_renewal'), 404, 'plan_not_found');
      expectError(await change(a, { planId: 'starter-5gb', when: 'now' }), 400, 'plan_unchanged');
      expectError(await change(a, { planId: 'retired-2gb', when: 'now' }), 404, 'plan_not_found');
      expectError(
        await preview(a, 'unlimited', 'tomorrow' as PlanChangeTiming),
        400,
        'invalid_request',
      );
      expect(await planOf(a.id)).toBe('starter-5gb');
      expect((await moneyOf(db(), a.id)).ledger).toHaveLength(1);
    });

    it('answers 409 account_suspended for a suspended account', async () => {
      const a = await account({ creditCents: 100_00 });
      await db()
        .updateTable('subscribers')
        .set({ status: 'suspended' })
        .where('id', '=', a.id)
        .execute();
      const error = expectError(await preview(a, 'unlimited', 'now'), 409, 'account_suspended');
      expect(error.message).toMatch(/suspended/);
      expectError(await change(a, { planId: 'unlimited', when: 'now' }), 409, 'account_suspended');
      expect(await planOf(a.id)).toBe('starter-5gb');
    });

    it('needs an Idempotency-Key to change', async () => {
      const a = await account({ creditCents: 100_00 });
      expectError(
        await change(a, { planId: 'unlimited', when: 'now' }, null),
        400,
        'idempotency_key_required',
      );
      expect(await planOf(a.id)).toBe('starter-5gb');
    });

    it('answers 402 insufficient_balance with the shortfall, and changes nothing', async () => {
      // 2026-11-25 on anchor 25: the first day of a 30-day cycle, so whole prices swap.
      const a = await account({ anchor: 25, creditCents: 10_00 });
      const shown = PlanChangePreview.parse((await preview(a, 'unlimited', 'now')).json());
      expect(shown.netChargeCents).toBe(25_00);
      expect(shown.balanceAfterCents).toBe(-15_00);
      const key = newKey();
      const error = expectError(
        await change(a, { planId: 'unlimited', when: 'now' }, key),
        402,
        'insufficient_balance',
      );
      expect(error.shortfallCents).toBe(15_00);
      expect(await planOf(a.id)).toBe('starter-5gb');
      const money = await expectBalanceIsLedgerSum(a);
      expect(money.ledger).toHaveLength(1);
      // The same key keeps its answer; after a refill, a new key goes through.
      expectError(
        await change(a, { planId: 'unlimited', when: 'now' }, key),
        402,
        'insufficient_balance',
      );
      await creditAccount(db(), a.id, 15_00, t.clock.now());
      const ok = await change(a, { planId: 'unlimited', when: 'now' });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await expectBalanceIsLedgerSum(a)).ledgerSum).toBe(0);
    });

    it('lets a downgrade through on an empty balance: the credit is larger than the charge', async () => {
      const a = await account({ planId: 'unlimited', anchor: 25 });
      const res = await change(a, { planId: 'talk-text-1gb', when: 'now' });
      expect(res.statusCode, res.body).toBe(200);
      expect(PlanChangeResult.parse(res.json()).netChargeCents).toBe(-35_00);
      expect((await expectBalanceIsLedgerSum(a)).ledgerSum).toBe(35_00);
    });

    it('answers 409 plan_price_changed when the expected charge differs, and changes nothing', async () => {
      const a = await account({ creditCents: 100_00 });
      const shown = PlanChangePreview.parse((await preview(a, 'unlimited', 'now')).json());
      const error = expectError(
        await change(a, {
          planId: 'unlimited',
          when: 'now',
          expectedChargeCents: shown.netChargeCents + 1,
        }),
        409,
        'plan_price_changed',
      );
      expect(error.message).toMatch(/preview/);
      expect(await planOf(a.id)).toBe('starter-5gb');
      expect((await moneyOf(db(), a.id)).ledger).toHaveLength(1);
    });
  });

  describe('idempotency', () => {
    it('the same key twice changes once and writes one set of ledger entries', async () => {
      const a = await account({ creditCents: 100_00 });
      const key = newKey();
      const body = { planId: 'unlimited', when: 'now' };
      const first = await change(a, body, key);
      const second = await change(a, { when: 'now', planId: 'unlimited' }, key);
      expect(first.statusCode, first.body).toBe(200);
      expect(second.statusCode).toBe(200);
      expect(second.body).toBe(first.body);
      expect(second.headers['idempotent-replayed']).toBe('true');
      const money = await expectBalanceIsLedgerSum(a);
      expect(money.ledger).toHaveLength(3);
      const changes = await db()
        .selectFrom('plan_changes')
        .selectAll()
        .where('subscriber_id', '=', a.id)
        .execute();
      expect(changes).toHaveLength(1);
      // The same key for another request is refused.
      expectError(
        await change(a, { planId: 'value-15gb', when: 'now' }, key),
        422,
        'idempotency_key_reused',
      );
    });

    it('identical requests racing change once', async () => {
      const a = await account({ creditCents: 100_00 });
      const key = newKey();
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => change(a, { planId: 'value-15gb', when: 'now' }, key)),
      );
      for (const res of answers) {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.body).toBe(answers[0]!.body);
      }
      expect((await expectBalanceIsLedgerSum(a)).ledger).toHaveLength(3);
    });
  });

  describe('change at the next renewal', () => {
    it('charges nothing now, shows the pending change, and applies it on the renewal day only', async () => {
      // Renews on the 10th: the cycle is 2026-11-10 … 2026-12-09.
      const a = await account({ anchor: 10, creditCents: 30_00 });
      const shown = PlanChangePreview.parse((await preview(a, 'unlimited', 'next_renewal')).json());
      expect(shown).toMatchObject({
        effectiveOn: '2026-12-10',
        chargeNowCents: 0,
        creditCents: 0,
        netChargeCents: 0,
        prorationDays: 0,
        cycleDays: 30,
        balanceAfterCents: 30_00,
        nextRenewalCents: 50_00,
      });
      const res = await change(a, { planId: 'unlimited', when: 'next_renewal' });
      expect(res.statusCode, res.body).toBe(200);
      const result = PlanChangeResult.parse(res.json());
      expect(result.status).toBe('pending');
      const { changeId: _id, status: _status, ...rest } = result;
      expect(rest).toEqual(shown);
      expect(await planOf(a.id)).toBe('starter-5gb');
      expect((await expectBalanceIsLedgerSum(a)).ledger).toHaveLength(1);

      const summary = await summaryOf(a);
      expect(summary.plan.id).toBe('starter-5gb');
      expect(summary.pendingPlanChange).toMatchObject({
        id: result.changeId,
        plan: { id: 'unlimited' },
        effectiveOn: '2026-12-10',
      });
      // The renewal is on the new plan: $50 with taxes included, less the $30 credit.
      expect(summary.amountDue.amountCents).toBe(20_00);

      // The last moment of the old cycle: not yet.
      expect(await applyDuePlanChanges(db(), Date.parse('2026-12-09T23:59:59.999Z'))).toEqual({
        applied: 0,
        cancelled: 0,
      });
      expect(await planOf(a.id)).toBe('starter-5gb');
      // The renewal day: applied, once.
      const renewal = Date.parse('2026-12-10T00:00:00.000Z');
      const counts = await applyDuePlanChanges(db(), renewal);
      expect(counts.applied).toBeGreaterThanOrEqual(1);
      expect(await planOf(a.id)).toBe('unlimited');
      expect(await applyDuePlanChanges(db(), renewal)).toEqual({ applied: 0, cancelled: 0 });
      const row = await db()
        .selectFrom('plan_changes')
        .selectAll()
        .where('id', '=', result.changeId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'applied', applied_at: renewal });
    });

    it('a newer choice replaces a pending one, and a change made now cancels it', async () => {
      const a = await account({ anchor: 10, creditCents: 100_00 });
      const first = PlanChangeResult.parse(
        (await change(a, { planId: 'unlimited', when: 'next_renewal' })).json(),
      );
      const second = PlanChangeResult.parse(
        (await change(a, { planId: 'talk-text-1gb', when: 'next_renewal' })).json(),
      );
      let summary = await summaryOf(a);
      expect(summary.pendingPlanChange?.id).toBe(second.changeId);
      expect(summary.pendingPlanChange?.plan.id).toBe('talk-text-1gb');
      const statuses = await db()
        .selectFrom('plan_changes')
        .select(['id', 'status'])
        .where('subscriber_id', '=', a.id)
        .execute();
      expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({
        [first.changeId]: 'cancelled',
        [second.changeId]: 'pending',
      });

      const now = await change(a, { planId: 'value-15gb', when: 'now' });
      expect(now.statusCode, now.body).toBe(200);
      summary = await summaryOf(a);
      expect(summary.plan.id).toBe('value-15gb');
      expect(summary.pendingPlanChange).toBeNull();
      await applyDuePlanChanges(db(), Date.parse('2026-12-10T00:00:00.000Z'));
      expect(await planOf(a.id)).toBe('value-15gb');
      await expectBalanceIsLedgerSum(a);
    });

    it('cancels a pending change to a plan taken off sale before the renewal', async () => {
      const a = await account({ anchor: 10, creditCents: 100_00 });
      await db().updateTable('plans').set({ active: 1 }).where('id', '=', 'retired-2gb').execute();
      const res = await change(a, { planId: 'retired-2gb', when: 'next_renewal' });
      await db().updateTable('plans').set({ active: 0 }).where('id', '=', 'retired-2gb').execute();
      expect(res.statusCode, res.body).toBe(200);
      const { changeId } = PlanChangeResult.parse(res.json());
      const counts = await applyDuePlanChanges(db(), Date.parse('2026-12-10T00:00:00.000Z'), a.id);
      expect(counts).toEqual({ applied: 0, cancelled: 1 });
      expect(await planOf(a.id)).toBe('starter-5gb');
      const row = await db()
        .selectFrom('plan_changes')
        .select('status')
        .where('id', '=', changeId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('cancelled');
    });
  });
});
