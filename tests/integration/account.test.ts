import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
  type Payment,
  type StatementSummary,
} from '../../contract/http/account';
import { AccessTokens } from '../../server/src/auth/tokens';
import { DEMO_SUBSCRIBERS, type DemoSubscriber } from '../../server/src/demo/seed-demo';
import { renewalTotal } from '../../server/src/billing/charges';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

const DAY_MS = 86_400_000;
const TODAY = TEST_NOW.slice(0, 10);

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysFromTo(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The billing cycle containing `day` for an account renewing on day `anchor` of each month. */
function expectedCycle(anchor: number, day: string): { start: string; end: string } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const startMonth = d >= anchor ? m - 1 : m - 2;
  const start = new Date(Date.UTC(y, startMonth, anchor)).toISOString().slice(0, 10);
  const renews = new Date(Date.UTC(y, startMonth + 1, anchor)).toISOString().slice(0, 10);
  return { start, end: addDays(renews, -1) };
}

function ok<T>(res: LightMyRequestResponse, schema: { parse(value: unknown): T }): T {
  expect(res.statusCode, res.body).toBe(200);
  const body: unknown = res.json();
  const parsed = schema.parse(body);
  expect(parsed).toEqual(body);
  return parsed;
}

const byPhone = (phone: string): DemoSubscriber => DEMO_SUBSCRIBERS.find((d) => d.phone === phone)!;
const MARIA = byPhone('+12065550100');
const DANA = byPhone('+13125550142');
const LUIS = byPhone('+14155550175');

describeWithDb(`account (${dbKind})`, () => {
  let t: TestApp;
  /** Access token and subscriber id per demo phone. */
  const sessions = new Map<string, { token: string; id: string }>();
  /** A subscriber with usage on only a few days, to see gaps filled with zeros. */
  let sparse: { token: string; id: string };

  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true });

    // An account opened in August, renewing on the 10th, with usage on two days this cycle.
    t.clock.set('2026-08-03T09:00:00.000Z');
    const added = await t.addSubscriber({
      phone: '+12065550177',
      cycleAnchorDay: 10,
      password: 'Sparse-Usage-Pass-1',
    });
    t.clock.set(TEST_NOW);
    await t.testDb.database.db
      .insertInto('usage_daily')
      .values([
        { subscriber_id: added.id, day: '2026-11-12', data_mb: 300, minutes: 12, texts: 40 },
        { subscriber_id: added.id, day: '2026-11-20', data_mb: 45, minutes: 0, texts: 3 },
        // Outside the current cycle: must not be counted in it.
        { subscriber_id: added.id, day: '2026-11-09', data_mb: 999, minutes: 99, texts: 99 },
      ])
      .execute();

    const signIn = async (phone: string, password: string) => {
      const body = SignInResponse.parse(
        (await t.post('/v1/auth/sign-in', { phone, password })).json(),
      );
      return { token: body.accessToken, id: body.subscriber.id };
    };
    for (const demo of DEMO_SUBSCRIBERS)
      sessions.set(demo.phone, await signIn(demo.display, demo.password));
    sparse = await signIn('+12065550177', 'Sparse-Usage-Pass-1');
  });
  afterAll(async () => t?.close());

  const session = (demo: DemoSubscriber) => sessions.get(demo.phone)!;
  const db = () => t.testDb.database.db;

  async function subscriberRow(id: string) {
    return db()
      .selectFrom('subscribers as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .select([
        's.cycle_anchor_day',
        's.created_at',
        'p.id as plan_id',
        'p.name',
        'p.price_cents',
        'p.taxes_included',
        'p.data_mb',
      ])
      .where('s.id', '=', id)
      .executeTakeFirstOrThrow();
  }

  async function usageRows(id: string, from: string, to: string) {
    return db()
      .selectFrom('usage_daily')
      .select(['day', 'data_mb', 'minutes', 'texts'])
      .where('subscriber_id', '=', id)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .execute();
  }

  const sumUsage = (rows: { data_mb: number; minutes: number; texts: number }[]) => ({
    dataUsedMb: rows.reduce((s, r) => s + Number(r.data_mb), 0),
    minutesUsed: rows.reduce((s, r) => s + Number(r.minutes), 0),
    textsUsed: rows.reduce((s, r) => s + Number(r.texts), 0),
  });

  describe('summary', () => {
    it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
      'matches the database for %s',
      async (_name, demo) => {
        const { token, id } = session(demo);
        const summary = ok(await t.get('/v1/account/summary', token), AccountSummary);
        const row = await subscriberRow(id);

        expect(summary.subscriber).toEqual({
          id,
          phone: demo.phone,
          name: demo.name,
          email: demo.email,
        });
        expect(summary.status).toBe('active');
        expect(summary.plan.id).toBe(demo.planId);

        const ledger = await db()
          .selectFrom('ledger_entries')
          .select('amount_cents')
          .where('subscriber_id', '=', id)
          .execute();
        const balance = ledger.reduce((s, r) => s + Number(r.amount_cents), 0);
        expect(ledger.length).toBeGreaterThan(0);
        expect(summary.balance).toEqual({ amountCents: balance, currency: 'USD' });
        // The demo leaves exactly its story's credit on the account.
        expect(balance).toBe(demo.creditCents);

        const renewal = renewalTotal({
          name: row.name,
          price_cents: row.price_cents,
          taxes_included: row.taxes_included,
        });
        expect(summary.amountDue).toEqual({
          amountCents: Math.max(0, renewal - balance),
          currency: 'USD',
        });

        const cycle = expectedCycle(row.cycle_anchor_day, TODAY);
        expect(summary.cycle).toEqual({ ...cycle, daysLeft: daysFromTo(TODAY, cycle.end) + 1 });
        expect(summary.dueDate).toBe(addDays(cycle.end, 1));
        expect(summary.dueDate).toBe(addDays(TODAY, demo.renewsInDays));

        expect(summary.usage).toEqual(sumUsage(await usageRows(id, cycle.start, TODAY)));
      },
    );

    it('shows Dana above 90% of her data allowance', async () => {
      const summary = ok(await t.get('/v1/account/summary', session(DANA).token), AccountSummary);
      const allowance = summary.plan.dataAllowanceMb;
      expect(allowance).not.toBeNull();
      expect(summary.usage.dataUsedMb / allowance!).toBeGreaterThan(0.9);
      expect(summary.usage.dataUsedMb).toBeLessThanOrEqual(allowance!);
    });

    it('shows Luis’s payment due 2 days from today', async () => {
      const summary = ok(await t.get('/v1/account/summary', session(LUIS).token), AccountSummary);
      expect(summary.dueDate).toBe(addDays(TODAY, 2));
      expect(summary.cycle.daysLeft).toBe(2);
      expect(summary.amountDue.amountCents).toBeGreaterThan(0);
    });

    it('asks for nothing when the credit covers the renewal (Ana)', async () => {
      const ana = DEMO_SUBSCRIBERS.find((d) => d.name === 'Ana Silva')!;
      const summary = ok(await t.get('/v1/account/summary', session(ana).token), AccountSummary);
      expect(summary.balance.amountCents).toBe(ana.creditCents);
      expect(summary.amountDue.amountCents).toBe(0);
    });
  });

  describe('plan', () => {
    it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
      'is the plan of %s',
      async (_name, demo) => {
        const { token, id } = session(demo);
        const plan = ok(await t.get('/v1/account/plan', token), Plan);
        const row = await subscriberRow(id);
        expect(plan.id).toBe(row.plan_id);
        expect(plan.name).toBe(row.name);
        expect(plan.monthlyPrice).toEqual({ amountCents: row.price_cents, currency: 'USD' });
        expect(plan.dataAllowanceMb).toBe(row.data_mb);
        expect(plan.taxesAndFeesIncluded).toBe(row.taxes_included === 1);
        const summary = ok(await t.get('/v1/account/summary', token), AccountSummary);
        expect(plan).toEqual(summary.plan);
      },
    );

    it('shows an unlimited plan with no data allowance', async () => {
      const plan = ok(await t.get('/v1/account/plan', session(LUIS).token), Plan);
      expect(plan.dataAllowanceMb).toBeNull();
    });
  });

  describe('usage', () => {
    it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
      'the current cycle of %s has one point per day up to today, totalling the summary',
      async (_name, demo) => {
        const { token, id } = session(demo);
        const summary = ok(await t.get('/v1/account/summary', token), AccountSummary);
        for (const url of [
          '/v1/account/usage',
          '/v1/account/usage?cycle=current',
          `/v1/account/usage?cycle=${TODAY}`,
        ]) {
          const usage = ok(await t.get(url, token), UsageResponse);
          expect(usage.cycle).toEqual(summary.cycle);
          expect(usage.days.map((d) => d.date)).toEqual(
            Array.from({ length: daysFromTo(summary.cycle.start, TODAY) + 1 }, (_, i) =>
              addDays(summary.cycle.start, i),
            ),
          );
          expect(usage.totals).toEqual(summary.usage);
          expect(usage.totals).toEqual({
            dataUsedMb: usage.days.reduce((s, d) => s + d.dataMb, 0),
            minutesUsed: usage.days.reduce((s, d) => s + d.minutes, 0),
            textsUsed: usage.days.reduce((s, d) => s + d.texts, 0),
          });
          expect(usage.previousCycle).toBe(addDays(summary.cycle.start, -1));
        }
        const rows = await usageRows(id, summary.cycle.start, TODAY);
        const usage = ok(await t.get('/v1/account/usage', token), UsageResponse);
        for (const r of rows) {
          expect(usage.days.find((d) => d.date === r.day)).toEqual({
            date: r.day,
            dataMb: Number(r.data_mb),
            minutes: Number(r.minutes),
            texts: Number(r.texts),
          });
        }
      },
    );

    it('fills days without usage with zeros', async () => {
      const usage = ok(await t.get('/v1/account/usage', sparse.token), UsageResponse);
      expect(usage.cycle).toEqual({ start: '2026-11-10', end: '2026-12-09', daysLeft: 15 });
      expect(usage.days).toHaveLength(16);
      expect(usage.days[0]!.date).toBe('2026-11-10');
      expect(usage.days.at(-1)!.date).toBe(TODAY);
      for (const day of usage.days) {
        if (day.date === '2026-11-12')
          expect(day).toEqual({ date: day.date, dataMb: 300, minutes: 12, texts: 40 });
        else if (day.date === '2026-11-20')
          expect(day).toEqual({ date: day.date, dataMb: 45, minutes: 0, texts: 3 });
        else expect(day).toEqual({ date: day.date, dataMb: 0, minutes: 0, texts: 0 });
      }
      expect(usage.totals).toEqual({ dataUsedMb: 345, minutesUsed: 12, textsUsed: 43 });
      const summary = ok(await t.get('/v1/account/summary', sparse.token), AccountSummary);
      expect(summary.usage).toEqual(usage.totals);
    });

    it('shows a whole older cycle for a date inside it', async () => {
      const { token, id } = session(MARIA);
      const current = ok(await t.get('/v1/account/usage', token), UsageResponse);
      const date = addDays(current.cycle.start, -40);
      const older = ok(await t.get(`/v1/account/usage?cycle=${date}`, token), UsageResponse);
      const expected = expectedCycle((await subscriberRow(id)).cycle_anchor_day, date);
      expect(older.cycle).toEqual({ ...expected, daysLeft: 0 });
      expect(older.cycle.start <= date && date <= older.cycle.end).toBe(true);
      expect(older.cycle.end < current.cycle.start).toBe(true);
      expect(older.days.map((d) => d.date)).toEqual(
        Array.from({ length: daysFromTo(expected.start, expected.end) + 1 }, (_, i) =>
          addDays(expected.start, i),
        ),
      );
      expect(older.totals).toEqual(sumUsage(await usageRows(id, expected.start, expected.end)));
      expect(older.totals.dataUsedMb).toBeGreaterThan(0);
      expect(older.previousCycle).toBe(addDays(expected.start, -1));
      // Any day of that cycle names the same cycle.
      const sameCycle = ok(
        await t.get(`/v1/account/usage?cycle=${expected.end}`, token),
        UsageResponse,
      );
      expect(sameCycle).toEqual(older);
    });

    it('follows previousCycle back through all 12 cycles of history and then stops', async () => {
      const { token } = session(MARIA);
      let usage = ok(await t.get('/v1/account/usage', token), UsageResponse);
      const starts = [usage.cycle.start];
      while (usage.previousCycle !== null && starts.length < 20) {
        usage = ok(
          await t.get(`/v1/account/usage?cycle=${usage.previousCycle}`, token),
          UsageResponse,
        );
        starts.push(usage.cycle.start);
      }
      expect(starts).toHaveLength(12);
      expect(new Set(starts).size).toBe(12);
      expect([...starts].sort().reverse()).toEqual(starts);
      // The first cycle of the account has no predecessor, and the day before it is out of range.
      expectError(
        await t.get(`/v1/account/usage?cycle=${addDays(starts.at(-1)!, -1)}`, token),
        400,
        'cycle_out_of_range',
      );
    });

    it('refuses a cycle that has not started yet', async () => {
      const { token } = session(MARIA);
      const summary = ok(await t.get('/v1/account/summary', token), AccountSummary);
      for (const date of [
        addDays(summary.cycle.end, 1),
        addDays(summary.cycle.end, 45),
        '2030-01-15',
      ]) {
        expectError(
          await t.get(`/v1/account/usage?cycle=${date}`, token),
          400,
          'cycle_out_of_range',
        );
      }
    });

    it('refuses a cycle from before the account existed', async () => {
      const { token } = session(MARIA);
      expectError(
        await t.get('/v1/account/usage?cycle=2020-01-15', token),
        400,
        'cycle_out_of_range',
      );
      // Opened on 3 August, renewing on the 10th: the cycle of 10 June – 9 July predates it.
      expectError(
        await t.get('/v1/account/usage?cycle=2026-07-09', sparse.token),
        400,
        'cycle_out_of_range',
      );
      // The cycle the account was opened in (10 July – 9 August) is available.
      for (const date of ['2026-07-10', '2026-08-03']) {
        const opening = ok(
          await t.get(`/v1/account/usage?cycle=${date}`, sparse.token),
          UsageResponse,
        );
        expect(opening.cycle).toEqual({ start: '2026-07-10', end: '2026-08-09', daysLeft: 0 });
        expect(opening.previousCycle).toBeNull();
      }
    });

    it.each(['garbage', '2026-13-01', '2026-02-30', '25-11-2026', '2026-11-25T00:00:00Z', ''])(
      'cycle=%s is a 400 invalid_request',
      async (cycle) => {
        const error = expectError(
          await t.get(`/v1/account/usage?cycle=${encodeURIComponent(cycle)}`, session(MARIA).token),
          400,
          'invalid_request',
        );
        expect(error.issues?.map((i) => i.path)).toContain('querystring.cycle');
      },
    );

    it('an unknown query parameter is a 400 invalid_request', async () => {
      expectError(
        await t.get('/v1/account/usage?period=current', session(MARIA).token),
        400,
        'invalid_request',
      );
    });
  });

  async function walk<T extends { id: string }>(
    path: string,
    token: string,
    limit: number,
    schema: { parse(value: unknown): { items: T[]; nextCursor: string | null } },
  ): Promise<{ items: T[]; pageSizes: number[] }> {
    const items: T[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = ok(await t.get(url, token), schema);
      items.push(...page.items);
      pageSizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor !== null && pageSizes.length < 50);
    return { items, pageSizes };
  }

  describe('statements', () => {
    it('walks all 12 statements with limit=5, newest first, without duplicates', async () => {
      const { token, id } = session(MARIA);
      const { items, pageSizes } = await walk<StatementSummary>(
        '/v1/account/statements',
        token,
        5,
        StatementList,
      );
      expect(pageSizes).toEqual([5, 5, 2]);
      expect(items).toHaveLength(12);
      expect(new Set(items.map((s) => s.id)).size).toBe(12);
      const starts = items.map((s) => s.periodStart);
      expect(starts).toEqual([...starts].sort().reverse());
      const rows = await db()
        .selectFrom('statements')
        .select(['id', 'total_cents'])
        .where('subscriber_id', '=', id)
        .execute();
      expect(new Set(items.map((s) => s.id))).toEqual(new Set(rows.map((r) => r.id)));
      for (const item of items) {
        expect(item.total.amountCents).toBe(rows.find((r) => r.id === item.id)!.total_cents);
      }
      // The newest statement is the one for the current cycle.
      const summary = ok(await t.get('/v1/account/summary', token), AccountSummary);
      expect(items[0]!.periodStart).toBe(summary.cycle.start);
      // Every demo statement has been paid.
      expect(items.every((s) => s.status === 'paid')).toBe(true);
    });

    it('has no empty last page when the count divides evenly, and the default page holds them all', async () => {
      const { token } = session(MARIA);
      expect((await walk('/v1/account/statements', token, 4, StatementList)).pageSizes).toEqual([
        4, 4, 4,
      ]);
      expect((await walk('/v1/account/statements', token, 12, StatementList)).pageSizes).toEqual([
        12,
      ]);
      const all = ok(await t.get('/v1/account/statements', token), StatementList);
      expect(all.items).toHaveLength(12);
      expect(all.nextCursor).toBeNull();
      const one = await walk<StatementSummary>('/v1/account/statements', token, 1, StatementList);
      expect(one.items.map((s) => s.id)).toEqual(all.items.map((s) => s.id));
    });

    it('lists only the signed-in subscriber’s statements', async () => {
      const maria = ok(
        await t.get('/v1/account/statements?limit=100', session(MARIA).token),
        StatementList,
      );
      const dana = ok(
        await t.get('/v1/account/statements?limit=100', session(DANA).token),
        StatementList,
      );
      const mariaIds = new Set(maria.items.map((s) => s.id));
      expect(dana.items.some((s) => mariaIds.has(s.id))).toBe(false);
      expect(ok(await t.get('/v1/account/statements', sparse.token), StatementList)).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('refuses a bad cursor with 400 invalid_request', async () => {
      const { token } = session(MARIA);
      const payments = ok(await t.get('/v1/account/payments?limit=1', token), PaymentList);
      const wrongKind = payments.nextCursor!;
      const notJson = Buffer.from('not json').toString('base64url');
      const wrongShape = Buffer.from(JSON.stringify({ after: 'x' })).toString('base64url');
      for (const cursor of ['abc', notJson, wrongShape, wrongKind, 'a'.repeat(201), '%21%21%21']) {
        expectError(
          await t.get(`/v1/account/statements?cursor=${cursor}`, token),
          400,
          'invalid_request',
        );
      }
    });

    it.each(['0', '101', 'abc', '-1', '2.5', ''])(
      'refuses limit=%s with 400 invalid_request',
      async (limit) => {
        const error = expectError(
          await t.get(`/v1/account/statements?limit=${limit}`, session(MARIA).token),
          400,
          'invalid_request',
        );
        expect(error.issues?.map((i) => i.path)).toContain('querystring.limit');
      },
    );

    it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
      'statement details of %s add up',
      async (_name, demo) => {
        const { token } = session(demo);
        const plan = ok(await t.get('/v1/account/plan', token), Plan);
        const list = ok(await t.get('/v1/account/statements?limit=100', token), StatementList);
        expect(list.items).toHaveLength(12);
        for (const item of list.items) {
          const detail = ok(
            await t.get(`/v1/account/statements/${item.id}`, token),
            StatementDetail,
          );
          const { planName: _p, lines, subtotal, taxesAndFees, paid, ...summary } = detail;
          expect(summary).toEqual(item);
          expect(lines.length).toBeGreaterThan(0);
          expect(lines.reduce((s, l) => s + l.amount.amountCents, 0)).toBe(
            detail.total.amountCents,
          );
          expect(subtotal.amountCents + taxesAndFees.amountCents).toBe(detail.total.amountCents);
          expect(paid.amountCents).toBeGreaterThanOrEqual(detail.total.amountCents);
          expect(lines.every((l) => l.amount.currency === detail.total.currency)).toBe(true);
          const taxed = lines.some((l) => l.kind === 'tax' || l.kind === 'fee');
          expect(taxesAndFees.amountCents > 0).toBe(taxed);
          // Plans sold "plus taxes and fees" itemise them; the others do not.
          expect(taxed).toBe(!plan.taxesAndFeesIncluded);
        }
      },
    );

    it('answers another subscriber’s statement id exactly like an id that does not exist', async () => {
      const dana = ok(
        await t.get('/v1/account/statements?limit=1', session(DANA).token),
        StatementList,
      );
      const danasId = dana.items[0]!.id;
      expect(
        ok(await t.get(`/v1/account/statements/${danasId}`, session(DANA).token), StatementDetail)
          .id,
      ).toBe(danasId);
      const foreign = await t.get(`/v1/account/statements/${danasId}`, session(MARIA).token);
      const missing = await t.get('/v1/account/statements/no-such-statement', session(MARIA).token);
      expectError(foreign, 404, 'statement_not_found');
      expectError(missing, 404, 'statement_not_found');
      expect(foreign.body).toBe(missing.body);
    });

    it('refuses a statement id that cannot be one', async () => {
      expectError(
        await t.get('/v1/account/statements/bad%20id%21', session(MARIA).token),
        400,
        'invalid_request',
      );
      expectError(
        await t.get(`/v1/account/statements/${'x'.repeat(65)}`, session(MARIA).token),
        400,
        'invalid_request',
      );
    });
  });

  describe('payments', () => {
    it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
      'walks all payments of %s with limit=5, newest first, without duplicates',
      async (_name, demo) => {
        const { token, id } = session(demo);
        const { items, pageSizes } = await walk<Payment>(
          '/v1/account/payments',
          token,
          5,
          PaymentList,
        );
        const rows = await db()
          .selectFrom('payments')
          .select(['id', 'amount_cents', 'created_at', 'method', 'card_last4'])
          .where('subscriber_id', '=', id)
          .execute();
        // One payment per statement, plus a separate refill where the demo leaves credit.
        const count = 12 + (demo.creditCents > 0 ? 1 : 0);
        expect(rows).toHaveLength(count);
        expect(pageSizes).toEqual(count === 12 ? [5, 5, 2] : [5, 5, 3]);
        expect(items).toHaveLength(count);
        expect(new Set(items.map((p) => p.id)).size).toBe(count);
        const times = items.map((p) => Date.parse(p.createdAt));
        expect(times).toEqual([...times].sort((a, b) => b - a));
        for (const item of items) {
          const row = rows.find((r) => r.id === item.id)!;
          expect(row).toBeDefined();
          expect(item.amount).toEqual({ amountCents: row.amount_cents, currency: 'USD' });
          expect(item.createdAt).toBe(new Date(Number(row.created_at)).toISOString());
          expect(item.cardLast4).toBe(row.card_last4);
          if (item.method === 'card') expect(item.cardLast4).toBe(demo.cardLast4);
        }
      },
    );

    it('has no empty last page when the count divides evenly', async () => {
      const { token } = session(DANA);
      expect((await walk('/v1/account/payments', token, 6, PaymentList)).pageSizes).toEqual([6, 6]);
      const first = ok(await t.get('/v1/account/payments?limit=100', token), PaymentList);
      expect(first.nextCursor).toBeNull();
      expect(first.items).toHaveLength(12);
    });

    it('refuses a bad cursor and a bad limit with 400 invalid_request', async () => {
      const { token } = session(MARIA);
      const statements = ok(await t.get('/v1/account/statements?limit=1', token), StatementList);
      for (const cursor of [
        'abc',
        statements.nextCursor!,
        Buffer.from('[1]').toString('base64url'),
      ]) {
        expectError(
          await t.get(`/v1/account/payments?cursor=${cursor}`, token),
          400,
          'invalid_request',
        );
      }
      for (const limit of ['0', '101', 'abc']) {
        const error = expectError(
          await t.get(`/v1/account/payments?limit=${limit}`, token),
          400,
          'invalid_request',
        );
        expect(error.issues?.map((i) => i.path)).toContain('querystring.limit');
      }
    });

    it('is empty for an account without payments', async () => {
      expect(ok(await t.get('/v1/account/payments', sparse.token), PaymentList)).toEqual({
        items: [],
        nextCursor: null,
      });
    });
  });

  describe('routes without a valid bearer token', () => {
    const routes = [
      '/v1/account/summary',
      '/v1/account/plan',
      '/v1/account/usage',
      '/v1/account/usage?cycle=garbage',
      '/v1/account/statements',
      '/v1/account/statements?limit=0',
      '/v1/account/statements/demo-0100-st-2026-11-07',
      '/v1/account/payments',
    ];

    const forged = () =>
      new AccessTokens('another-secret-that-is-long-enough-for-hs256-xyz').issue(
        { subscriberId: session(MARIA).id, sessionId: 'made-up' },
        Date.parse(TEST_NOW),
      );

    it.each(routes)('%s answers 401 to every wrong kind of credential', async (url) => {
      const valid = session(MARIA).token;
      const attempts: Record<string, string | undefined> = {
        none: undefined,
        empty: '',
        garbage: 'Bearer garbage',
        'garbage JWT': 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA',
        'signed with another key': `Bearer ${await forged()}`,
        basic: `Basic ${Buffer.from(`${MARIA.phone}:${MARIA.password}`).toString('base64')}`,
        'bare token': valid,
        'Bearer without a token': 'Bearer ',
        'two tokens': `Bearer ${valid} ${valid}`,
      };
      for (const [label, authorization] of Object.entries(attempts)) {
        const res = await t.app.inject({
          method: 'GET',
          url,
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(res.statusCode, `${label}: ${res.body}`).toBe(401);
        const error = expectError(res, 401, 'unauthorized');
        expect(error.message.length).toBeGreaterThan(0);
      }
    });
  });
});
