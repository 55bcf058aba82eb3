import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AccountSummary, StatementList } from '../../contract/http/account';
import { AutopayView } from '../../contract/http/autopay';
import { SavedCard } from '../../contract/http/payments';
import { PlanChangePreview, PlanChangeResult } from '../../contract/http/plans';
import type { Database } from '../../server/src/db/schema';
import { loadRefillPinKey } from '../../server/src/secrets';
import { generatePins } from '../../server/src/billing/refill-pins';
import { runStatementJob } from '../../server/src/billing/statement-close';
import { expectError } from './support/expect-error';
import { CARDS, card, newKey, send, type Account } from './support/payments';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

/** Starter 5 GB's renewal: $25.00 plan, $2.06 taxes, $1.50 fee. */
const STARTER = { plan: 25_00, tax: 206, fee: 150, total: 28_56 };
/** Value 15 GB: $35.00 a month, taxes and fees included. */
const VALUE = 35_00;

/*
 * On renewal day, a request can arrive before the statement job has booked the renewal (it runs
 * every 15 minutes). Whatever prices against the new cycle books the renewal first, once.
 */
describeWithDb(`renewal day before the statement job (${dbKind})`, () => {
  let t: TestApp;
  let db: Kysely<Database>;

  beforeEach(async () => {
    t = await createTestApp({ statementIntervalMs: 0, autopayIntervalMs: 0, pruneIntervalMs: 0 });
    db = t.testDb.database.db;
  });
  afterEach(async () => t?.close());

  async function runJob() {
    const errors: unknown[] = [];
    const result = await runStatementJob(db, t.clock, { onError: (e) => errors.push(e) });
    expect(errors).toEqual([]);
    return result;
  }

  async function signIn(s: { id: string; phone: string; password: string }): Promise<Account> {
    const res = await t.post('/v1/auth/sign-in', { phone: s.phone, password: s.password });
    expect(res.statusCode, res.body).toBe(200);
    return { id: s.id, token: res.json<{ accessToken: string }>().accessToken };
  }

  /** A Starter 5 GB subscriber renewing on the 1st (joined 2026-11-25), with a refill of `cents`. */
  async function subscriberWithCredit(cents: number) {
    const s = await t.addSubscriber({ cycleAnchorDay: 1, planId: 'starter-5gb' });
    const key = await loadRefillPinKey(db, t.clock);
    const [pin] = (await generatePins(db, t.clock, key, { count: 1, valueCents: cents })).pins;
    const res = await send(
      t,
      await signIn(s),
      'POST',
      '/v1/account/refill',
      { pin },
      { 'idempotency-key': newKey() },
    );
    expect(res.statusCode, res.body).toBe(201);
    return s;
  }

  const ledgerOf = (subscriberId: string) =>
    db
      .selectFrom('ledger_entries')
      .select(['kind', 'amount_cents', 'item'])
      .where('subscriber_id', '=', subscriberId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();

  const renewalsOf = (subscriberId: string) =>
    db
      .selectFrom('renewals')
      .select(['cycle_start', 'plan_id', 'total_cents'])
      .where('subscriber_id', '=', subscriberId)
      .orderBy('cycle_start')
      .execute();

  it('changing plan now charges the renewal once, prorates it, and the job books nothing twice', async () => {
    const s = await subscriberWithCredit(100_00);
    // Five minutes into the renewal day: the job has not run yet.
    t.clock.set('2026-12-01T00:05:00Z');
    const a = await signIn(s);

    const preview = PlanChangePreview.parse(
      (
        await send(t, a, 'POST', '/v1/account/plan/preview', {
          planId: 'value-15gb',
          when: 'now',
        })
      ).json(),
    );
    // The preview already sees December's renewal taken from the balance, and the whole of it
    // to credit back: 31 of 31 days of Starter for 31 of 31 days of Value.
    expect(preview).toMatchObject({
      prorationDays: 31,
      cycleDays: 31,
      balanceCents: 100_00 - STARTER.total,
      creditCents: STARTER.plan,
      chargeNowCents: VALUE,
      netChargeCents: VALUE - STARTER.plan,
      balanceAfterCents: 100_00 - STARTER.total - (VALUE - STARTER.plan),
    });

    t.clock.set('2026-12-01T00:06:00Z');
    const changed = await send(
      t,
      a,
      'POST',
      '/v1/account/plan/change',
      { planId: 'value-15gb', when: 'now', expectedChargeCents: preview.netChargeCents },
      { 'idempotency-key': newKey() },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    const result = PlanChangeResult.parse(changed.json());
    expect(result.balanceAfterCents).toBe(preview.balanceAfterCents);

    // Exactly one renewal, of the plan the cycle started on, then the change.
    expect(await renewalsOf(s.id)).toEqual([
      { cycle_start: '2026-12-01', plan_id: 'starter-5gb', total_cents: STARTER.total },
    ]);
    const expectedLedger = [
      ['refill', 100_00],
      ['plan_charge', -STARTER.plan],
      ['tax', -STARTER.tax],
      ['fee', -STARTER.fee],
      ['plan_charge', -VALUE],
      ['credit', STARTER.plan],
    ];
    expect((await ledgerOf(s.id)).map((e) => [e.kind, Number(e.amount_cents)])).toEqual(
      expectedLedger,
    );

    // The job runs: December's renewal is there already, so nothing more is booked.
    t.clock.set('2026-12-01T00:30:00Z');
    expect(await runJob()).toEqual({ renewals: 0, statements: 1, errors: 0 });
    expect(await renewalsOf(s.id)).toHaveLength(1);
    expect((await ledgerOf(s.id)).map((e) => [e.kind, Number(e.amount_cents)])).toEqual(
      expectedLedger,
    );

    // January renews on Value, once; December's statement adds up and is paid from the refill.
    t.clock.set('2027-01-01T01:00:00Z');
    expect(await runJob()).toEqual({ renewals: 1, statements: 1, errors: 0 });
    expect(await renewalsOf(s.id)).toEqual([
      { cycle_start: '2026-12-01', plan_id: 'starter-5gb', total_cents: STARTER.total },
      { cycle_start: '2027-01-01', plan_id: 'value-15gb', total_cents: VALUE },
    ]);
    const b = await signIn(s);
    const list = StatementList.parse((await send(t, b, 'GET', '/v1/account/statements')).json());
    const december = STARTER.total + VALUE - STARTER.plan;
    expect(list.items.map((i) => [i.periodStart, i.total.amountCents, i.status])).toEqual([
      ['2026-12-01', december, 'paid'],
      // November's statement lists the refill alone: no charges.
      ['2026-11-01', 0, 'paid'],
    ]);
    const lines = await db
      .selectFrom('statement_lines')
      .select(['kind', 'amount_cents'])
      .where('statement_id', '=', list.items[0]!.id)
      .orderBy('position')
      .execute();
    expect(lines.map((l) => [l.kind, Number(l.amount_cents)])).toEqual([
      ['plan', STARTER.plan],
      ['tax', STARTER.tax],
      ['fee', STARTER.fee],
      ['plan', VALUE],
      ['credit', -STARTER.plan],
    ]);
    const summary = AccountSummary.parse((await send(t, b, 'GET', '/v1/account/summary')).json());
    // The refill, less December's statement and January's renewal: nothing else moved.
    expect(summary.balance.amountCents).toBe(100_00 - december - VALUE);
  });

  it('takes the renewal from the balance before a data pass is paid from it', async () => {
    const s = await subscriberWithCredit(30_00);
    t.clock.set('2026-12-01T00:05:00Z');
    const a = await signIn(s);
    // $30.00 less the $28.56 renewal leaves $1.44: not enough for a $5.00 pass.
    const error = expectError(
      await send(
        t,
        a,
        'POST',
        '/v1/account/add-ons',
        { addOnId: 'data-1gb' },
        { 'idempotency-key': newKey() },
      ),
      402,
      'insufficient_balance',
    );
    expect(error.shortfallCents).toBe(5_00 - (30_00 - STARTER.total));
    const summary = AccountSummary.parse((await send(t, a, 'GET', '/v1/account/summary')).json());
    expect(summary.balance.amountCents).toBe(30_00 - STARTER.total);
    expect(await renewalsOf(s.id)).toHaveLength(1);

    t.clock.set('2026-12-01T00:30:00Z');
    expect((await runJob()).renewals).toBe(0);
    expect(await renewalsOf(s.id)).toHaveLength(1);
  });

  it('estimates the next AutoPay charge from the balance the renewal has been taken from', async () => {
    const s = await subscriberWithCredit(40_00);
    t.clock.set('2026-12-01T00:05:00Z');
    const a = await signIn(s);
    const saved = await send(t, a, 'POST', '/v1/account/payment-methods', card(CARDS.approves));
    expect(saved.statusCode, saved.body).toBe(201);
    const enabled = await t.app.inject({
      method: 'PUT',
      url: '/v1/account/autopay',
      payload: { enabled: true, paymentMethodId: SavedCard.parse(saved.json()).id },
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
    });
    expect(enabled.statusCode, enabled.body).toBe(200);
    const view = AutopayView.parse(enabled.json());
    // January's renewal, less the AutoPay discount and the $11.44 left after December's.
    expect(view.renewsOn).toBe('2027-01-01');
    expect(view.nextChargeCents).toBe(STARTER.total - view.discountCents - (40_00 - STARTER.total));
    expect(await renewalsOf(s.id)).toHaveLength(1);
  });

  it('shows the balance with the renewal taken, and books it only on and after renewal day', async () => {
    const s = await subscriberWithCredit(50_00);
    // The day before: nothing is due yet.
    t.clock.set('2026-11-30T23:55:00Z');
    let a = await signIn(s);
    let summary = AccountSummary.parse((await send(t, a, 'GET', '/v1/account/summary')).json());
    expect(summary.balance.amountCents).toBe(50_00);
    expect(await renewalsOf(s.id)).toEqual([]);

    t.clock.set('2026-12-01T00:01:00Z');
    a = await signIn(s);
    const reads = await Promise.all(
      Array.from({ length: 4 }, () => send(t, a, 'GET', '/v1/account/summary')),
    );
    for (const res of reads) {
      summary = AccountSummary.parse(res.json());
      expect(summary.balance.amountCents).toBe(50_00 - STARTER.total);
    }
    expect(await renewalsOf(s.id)).toHaveLength(1);
    expect(
      (await ledgerOf(s.id)).filter((e) => e.kind === 'plan_charge').map((e) => JSON.parse(e.item)),
    ).toEqual([
      {
        kind: 'plan_renewal',
        planId: 'starter-5gb',
        planName: 'Starter 5 GB',
        period: { from: '2026-12-01', to: '2026-12-31' },
      },
    ]);
  });
});
