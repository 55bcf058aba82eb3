import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import { UsageInsights } from '../../contract/http/insights';
import { DEMO_SUBSCRIBERS } from '../../server/src/demo/seed-demo';
import { renewalTotal } from '../../server/src/billing/charges';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

const DAY_MS = 86_400_000;
const TODAY = TEST_NOW.slice(0, 10);

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The billing cycle containing `day` for an account renewing on day `anchor` of each month. */
function expectedCycle(anchor: number, day: string): { start: string; end: string } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const startMonth = d >= anchor ? m - 1 : m - 2;
  const start = new Date(Date.UTC(y, startMonth, anchor)).toISOString().slice(0, 10);
  const renews = new Date(Date.UTC(y, startMonth + 1, anchor)).toISOString().slice(0, 10);
  return { start, end: addDays(renews, -1) };
}

type Row = { day: string; data_mb: number; minutes: number; texts: number };

function ok(res: LightMyRequestResponse): UsageInsights {
  expect(res.statusCode, res.body).toBe(200);
  const body: unknown = res.json();
  const parsed = UsageInsights.parse(body);
  expect(parsed).toEqual(body);
  return parsed;
}

describeWithDb(`usage insights (${dbKind})`, () => {
  let t: TestApp;
  const tokens = new Map<string, { token: string; id: string }>();
  /** On Unlimited but using little: a cheaper plan would have done. */
  let light: { token: string; id: string };
  /** Opened today: nothing to go on yet. */
  let fresh: { token: string; id: string };

  const signIn = async (phone: string, password: string) => {
    const body = SignInResponse.parse(
      (await t.post('/v1/auth/sign-in', { phone, password })).json(),
    );
    return { token: body.accessToken, id: body.subscriber.id };
  };

  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true });
    for (const demo of DEMO_SUBSCRIBERS)
      tokens.set(demo.phone, await signIn(demo.display, demo.password));

    // Opened on 10 June, renewing on the 10th: cycles Aug 10, Sep 10 and Oct 10 are the last
    // three completed ones on 25 November; a heavy July must not count.
    t.clock.set('2026-06-10T09:00:00.000Z');
    const added = await t.addSubscriber({
      phone: '+12065550188',
      planId: 'unlimited',
      cycleAnchorDay: 10,
      password: 'Light-User-Pass-22',
    });
    t.clock.set(TEST_NOW);
    const rows: Row[] = [{ day: '2026-07-20', data_mb: 50_000, minutes: 900, texts: 900 }];
    for (let day = '2026-08-10'; day <= TODAY; day = addDays(day, 1)) {
      const n = Number(day.slice(8, 10));
      rows.push({ day, data_mb: 20 + (n % 7), minutes: n % 5, texts: 3 + (n % 4) });
    }
    await t.testDb.database.db
      .insertInto('usage_daily')
      .values(rows.map((r) => ({ subscriber_id: added.id, ...r })))
      .execute();
    light = await signIn('+12065550188', 'Light-User-Pass-22');

    const opened = await t.addSubscriber({
      planId: 'starter-5gb',
      password: 'Fresh-Start-Pass-31',
    });
    fresh = await signIn(opened.phone, 'Fresh-Start-Pass-31');
  });
  afterAll(async () => t?.close());

  const db = () => t.testDb.database.db;

  /** What the insights should be, worked out here from the rows, day by day. */
  async function expected(id: string) {
    const sub = await db()
      .selectFrom('subscribers as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .select(['s.cycle_anchor_day', 's.created_at', 'p.id as plan_id', 'p.data_mb'])
      .where('s.id', '=', id)
      .executeTakeFirstOrThrow();
    const plans = await db().selectFrom('plans').selectAll().execute();
    const rows = (await db()
      .selectFrom('usage_daily')
      .select(['day', 'data_mb', 'minutes', 'texts'])
      .where('subscriber_id', '=', id)
      .execute()) as Row[];
    const firstDay = new Date(Number(sub.created_at)).toISOString().slice(0, 10);
    const cycle = expectedCycle(sub.cycle_anchor_day, TODAY);
    const sum = (from: string, to: string, key: 'data_mb' | 'minutes' | 'texts') =>
      rows.filter((r) => r.day >= from && r.day <= to).reduce((s, r) => s + Number(r[key]), 0);

    // Forecast: pace over the whole days before today, simulated with plain numbers.
    const usedMb = sum(cycle.start, TODAY, 'data_mb');
    const measureFrom = firstDay > cycle.start ? firstDay : cycle.start;
    let measured = 0;
    for (let d = measureFrom; d < TODAY; d = addDays(d, 1)) measured++;
    const pastMb = sum(measureFrom, addDays(TODAY, -1), 'data_mb');
    const todayMb = sum(TODAY, TODAY, 'data_mb');
    const allowance = sub.data_mb;
    let status: string;
    let runsOutOn: string | null = null;
    let projected: number | null = null;
    if (measured > 0 && usedMb > 0) {
      const pace = pastMb / measured;
      let running = pastMb + Math.max(todayMb, pace);
      let day = TODAY;
      while (day < cycle.end) {
        if (allowance !== null && runsOutOn === null && running >= allowance - 1e-9)
          runsOutOn = day;
        day = addDays(day, 1);
        running += pace;
      }
      if (allowance !== null && runsOutOn === null && running >= allowance - 1e-9)
        runsOutOn = cycle.end;
      projected = Math.round(running);
    }
    if (allowance !== null && usedMb >= allowance) status = 'used_up';
    else if (allowance === null) status = 'unlimited';
    else if (projected === null) status = 'not_enough_data';
    else status = runsOutOn ? 'runs_out' : 'lasts';

    // Advisor: the last three whole cycles since the account opened.
    const cycles: { start: string; end: string; dataMb: number; minutes: number; texts: number }[] =
      [];
    let before = addDays(cycle.start, -1);
    while (cycles.length < 3) {
      const c = expectedCycle(sub.cycle_anchor_day, before);
      if (c.start < firstDay) break;
      cycles.push({
        ...c,
        dataMb: sum(c.start, c.end, 'data_mb'),
        minutes: sum(c.start, c.end, 'minutes'),
        texts: sum(c.start, c.end, 'texts'),
      });
      before = addDays(c.start, -1);
    }
    const cost = (p: (typeof plans)[number]) => renewalTotal(p);
    const current = plans.find((p) => p.id === sub.plan_id)!;
    const fits = (p: (typeof plans)[number]) =>
      cycles.every(
        (c) =>
          (p.data_mb === null || c.dataMb <= p.data_mb) &&
          (p.talk_minutes === null || c.minutes <= p.talk_minutes) &&
          (p.texts === null || c.texts <= p.texts),
      );
    const cheaper = plans
      .filter((p) => p.active === 1 && p.id !== current.id && fits(p))
      .filter((p) => cost(p) < cost(current))
      .sort((a, b) => cost(a) - cost(b) || a.sort_order - b.sort_order);
    return {
      status,
      usedMb,
      runsOutOn: status === 'used_up' ? undefined : runsOutOn,
      projected,
      cycles,
      currentCost: cost(current),
      best: cycles.length > 0 ? cheaper[0] : undefined,
      savings: cheaper[0] ? (cost(current) - cost(cheaper[0])) * cycles.length : 0,
      bestCost: cheaper[0] ? cost(cheaper[0]) : 0,
    };
  }

  it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
    'matches the seeded usage for %s',
    async (_name, demo) => {
      const { token, id } = tokens.get(demo.phone)!;
      const insights = ok(await t.get('/v1/account/insights', token));
      const want = await expected(id);

      expect(insights.forecast.status).toBe(want.status);
      expect(insights.forecast.usedMb).toBe(want.usedMb);
      if (want.runsOutOn !== undefined) expect(insights.forecast.runsOutOn).toBe(want.runsOutOn);
      if (want.projected !== null) {
        expect(Math.abs(insights.forecast.projectedMb! - want.projected)).toBeLessThanOrEqual(1);
      }
      expect(insights.advisor.cycles).toEqual(want.cycles);
      expect(insights.advisor.cycles).toHaveLength(3);
      expect(insights.advisor.currentCycleCost).toEqual({
        amountCents: want.currentCost,
        currency: 'USD',
      });
      expect(insights.advisor.recommendation?.plan.id).toBe(want.best?.id);
      expect(insights.advisor.reason).toBe(want.best ? 'cheaper_plan' : 'current_plan_best');
    },
  );

  it('warns Dana, close to her cap, that her data runs out before the cycle ends', async () => {
    const dana = DEMO_SUBSCRIBERS.find((d) => d.name === 'Dana Whitfield')!;
    const insights = ok(await t.get('/v1/account/insights', tokens.get(dana.phone)!.token));
    expect(insights.forecast.status).toBe('runs_out');
    expect(insights.forecast.runsOutOn! >= TODAY).toBe(true);
    expect(insights.forecast.runsOutOn! <= insights.forecast.cycle.end).toBe(true);
  });

  it('suggests the cheapest plan that covered the last three cycles, with the savings', async () => {
    const insights = ok(await t.get('/v1/account/insights', light.token));
    const want = await expected(light.id);
    expect(insights.forecast.status).toBe('unlimited');
    expect(insights.forecast.runsOutOn).toBeNull();
    // The heavy July is older than the three cycles looked at.
    expect(insights.advisor.cycles.map((c) => c.start)).toEqual([
      '2026-10-10',
      '2026-09-10',
      '2026-08-10',
    ]);
    expect(insights.advisor.cycles).toEqual(want.cycles);
    expect(want.best?.id).toBe('talk-text-1gb');
    expect(insights.advisor).toMatchObject({
      reason: 'cheaper_plan',
      recommendation: {
        plan: { id: 'talk-text-1gb', name: 'Talk & Text 1 GB' },
        cycleCost: { amountCents: want.bestCost, currency: 'USD' },
        savings: { amountCents: want.savings, currency: 'USD' },
      },
    });
    // $50.00 a cycle against $15.00 + $1.24 tax + $1.50 fee, over three cycles.
    expect(want.savings).toBe(3 * (50_00 - 17_74));
  });

  it('has nothing to go on for an account opened today', async () => {
    const insights = ok(await t.get('/v1/account/insights', fresh.token));
    expect(insights.forecast).toMatchObject({
      status: 'not_enough_data',
      usedMb: 0,
      dailyPaceMb: null,
      runsOutOn: null,
    });
    expect(insights.advisor).toMatchObject({
      reason: 'not_enough_history',
      cycles: [],
      recommendation: null,
    });
  });

  it('needs a bearer token', async () => {
    expectError(await t.get('/v1/account/insights'), 401, 'unauthorized');
  });
});
