import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AccountSummary, StatementDetail, StatementList } from '../../contract/http/account';
import { lineItemText } from '../../contract/line-item-words';
import type { LineItem } from '../../contract/line-items';
import { formatMoney } from '../../contract/money';
import { DAY_MS } from '../../server/src/clock';
import { openDatabase } from '../../server/src/db/database';
import type { Database } from '../../server/src/db/schema';
import { DEMO_SUBSCRIBERS } from '../../server/src/demo/seed-demo';
import { loadRefillPinKey } from '../../server/src/secrets';
import { renewalTotal } from '../../server/src/billing/charges';
import { generatePins } from '../../server/src/billing/refill-pins';
import { toWinAnsi } from '../../server/src/billing/statement-pdf';
import {
  runStatementJob,
  STATEMENT_LINE_KIND,
  statementIdFor,
} from '../../server/src/billing/statement-close';
import { runCli } from './support/cli';
import { CARDS, card, newKey, send, type Account } from './support/payments';
import { escapeMoney, pdfText, usd } from './support/statements';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

/** The lines of a Starter 5 GB renewal for the cycle `from`–`to`: $25.00 + 8.25 % tax ($2.06) + $1.50 fee. */
const starter = (from: string, to: string): [string, LineItem, number][] => [
  [
    'plan',
    {
      kind: 'plan_renewal',
      planId: 'starter-5gb',
      planName: 'Starter 5 GB',
      period: { from, to },
    },
    25_00,
  ],
  ['tax', { kind: 'tax', name: 'state_and_local' }, 206],
  ['fee', { kind: 'fee', name: 'regulatory_911' }, 150],
];

/** A statement line or ledger entry as kind, item and amount. */
const asLine = (kind: string, item: string, amountCents: number) => [
  kind,
  JSON.parse(item) as LineItem,
  amountCents,
];

describeWithDb(`statements generated from the ledger (${dbKind})`, () => {
  let t: TestApp;
  let db: Kysely<Database>;

  beforeEach(async () => {
    // Every job is run by the test itself, at the moments it sets on the clock.
    t = await createTestApp({ statementIntervalMs: 0, autopayIntervalMs: 0, pruneIntervalMs: 0 });
    db = t.testDb.database.db;
  });
  afterEach(async () => t?.close());

  /** Runs the job like the timer does, and fails the test on any subscriber's error. */
  async function runJob(database: Kysely<Database> = db) {
    const errors: unknown[] = [];
    const result = await runStatementJob(database, t.clock, {
      onError: (error) => errors.push(error),
    });
    expect(errors).toEqual([]);
    return result;
  }

  /** A subscriber on `planId` renewing on the 1st, joined on 2026-11-25 (the first cycle is November). */
  async function subscriber(planId = 'starter-5gb') {
    return t.addSubscriber({ cycleAnchorDay: 1, planId });
  }

  async function signIn(s: { id: string; phone: string; password: string }): Promise<Account> {
    const res = await t.post('/v1/auth/sign-in', { phone: s.phone, password: s.password });
    expect(res.statusCode, res.body).toBe(200);
    return { id: s.id, token: res.json<{ accessToken: string }>().accessToken };
  }

  const statementsOf = (subscriberId: string) =>
    db
      .selectFrom('statements')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .orderBy('period_start')
      .execute();

  const balanceOf = async (subscriberId: string) =>
    Number(
      (
        await db
          .selectFrom('ledger_entries')
          .select((eb) => eb.fn.sum<number>('amount_cents').as('b'))
          .where('subscriber_id', '=', subscriberId)
          .executeTakeFirstOrThrow()
      ).b ?? 0,
    );

  /**
   * A goodwill credit as customer care would add it (there is no subscriber-facing route), in its
   * own words: there is no kind for it.
   */
  const credit = (subscriberId: string, cents: number, at: number, text: string) =>
    db
      .insertInto('ledger_entries')
      .values({
        id: `test-${randomBytes(6).toString('hex')}`,
        subscriber_id: subscriberId,
        kind: 'credit',
        amount_cents: cents,
        currency: 'USD',
        item: JSON.stringify({ kind: 'other', text }),
        created_at: at,
        statement_id: null,
        payment_id: null,
      })
      .execute();

  const refill = async (a: Account, valueCents: number) => {
    const key = await loadRefillPinKey(db, t.clock);
    const [pin] = (await generatePins(db, t.clock, key, { count: 1, valueCents })).pins;
    const res = await send(
      t,
      a,
      'POST',
      '/v1/account/refill',
      { pin },
      { 'idempotency-key': newKey() },
    );
    expect(res.statusCode, res.body).toBe(201);
  };

  it('turns a cycle of plan, taxes and fees, a data pass, a card payment, a refill and a credit into one statement that adds up', async () => {
    const s = await subscriber();

    t.clock.set('2026-12-01T00:30:00Z');
    // November had no activity: no statement for it; December's renewal is booked.
    expect(await runJob()).toEqual({ renewals: 1, statements: 0, errors: 0 });

    t.clock.set('2026-12-03T10:00:00Z');
    let a = await signIn(s);
    const paid = await send(
      t,
      a,
      'POST',
      '/v1/account/payments',
      { amountCents: 30_00, card: card(CARDS.approves) },
      { 'idempotency-key': newKey() },
    );
    expect(paid.statusCode, paid.body).toBe(201);
    t.clock.set('2026-12-05T10:00:00Z');
    a = await signIn(s);
    await refill(a, 25_00);
    t.clock.set('2026-12-06T10:00:00Z');
    a = await signIn(s);
    const pass = await send(
      t,
      a,
      'POST',
      '/v1/account/add-ons',
      { addOnId: 'data-1gb' },
      { 'idempotency-key': newKey() },
    );
    expect(pass.statusCode, pass.body).toBe(201);
    await credit(s.id, 2_00, Date.parse('2026-12-07T10:00:00Z'), 'Goodwill credit');

    // Five seconds into January: after the period, so it waits for January's statement.
    t.clock.set('2027-01-01T00:00:05Z');
    a = await signIn(s);
    await refill(a, 10_00);

    // December has ended, but writes begun in it may still be landing: not closed yet.
    t.clock.set('2027-01-01T00:10:00Z');
    expect(await runJob()).toEqual({ renewals: 1, statements: 0, errors: 0 });
    const balanceBefore = await balanceOf(s.id);

    t.clock.set('2027-01-01T01:00:00Z');
    expect(await runJob()).toEqual({ renewals: 0, statements: 1, errors: 0 });
    // Closing changes no amount: the balance is still the sum of the same entries.
    expect(await balanceOf(s.id)).toBe(balanceBefore);

    const [st, ...others] = await statementsOf(s.id);
    expect(others).toEqual([]);
    expect(st).toMatchObject({
      id: statementIdFor(s.id, '2026-12-01'),
      period_start: '2026-12-01',
      period_end: '2026-12-31',
      due_date: '2026-12-01',
      issued_at: Date.parse('2027-01-01T01:00:00Z'),
      plan_name: 'Starter 5 GB',
      currency: 'USD',
      // Charges less the credit: $28.56 + $5.00 - $2.00. Payments are not charges.
      total_cents: 25_00 + 206 + 150 + 5_00 - 2_00,
    });

    // One line per entry of the period, in the order they happened, each entry stamped.
    const entries = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('subscriber_id', '=', s.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const onStatement = entries.filter((e) => e.statement_id === st!.id);
    const lines = await db
      .selectFrom('statement_lines')
      .selectAll()
      .where('statement_id', '=', st!.id)
      .orderBy('position')
      .execute();
    expect(lines.map((l) => asLine(l.kind, l.item, l.amount_cents))).toEqual([
      ...starter('2026-12-01', '2026-12-31'),
      ['payment', { kind: 'card_payment', brand: 'visa', last4: '4242' }, -30_00],
      ['payment', { kind: 'refill_pin' }, -25_00],
      [
        'addon',
        { kind: 'data_pass', addOnId: 'data-1gb', dataMb: 1024, until: '2026-12-31' },
        5_00,
      ],
      ['credit', { kind: 'other', text: 'Goodwill credit' }, -2_00],
    ]);
    expect(
      onStatement.map((e) => asLine(STATEMENT_LINE_KIND[e.kind], e.item, -e.amount_cents)),
    ).toEqual(lines.map((l) => asLine(l.kind, l.item, l.amount_cents)));
    // January's refill and renewal are left for January's statement.
    const open = entries.filter((e) => e.statement_id === null);
    expect(open.map((e) => [e.kind, e.amount_cents])).toEqual([
      ['refill', 10_00],
      ['plan_charge', -25_00],
      ['tax', -206],
      ['fee', -150],
    ]);
    const payments = await db
      .selectFrom('payments')
      .select(['amount_cents', 'statement_id'])
      .where('subscriber_id', '=', s.id)
      .orderBy('created_at')
      .execute();
    expect(payments).toEqual([
      { amount_cents: 30_00, statement_id: st!.id },
      { amount_cents: 25_00, statement_id: st!.id },
      { amount_cents: 10_00, statement_id: null },
    ]);

    // The API reads it like any other statement.
    a = await signIn(s);
    const list = StatementList.parse((await send(t, a, 'GET', '/v1/account/statements')).json());
    expect(list.items.map((i) => [i.id, i.total.amountCents, i.status])).toEqual([
      [st!.id, 31_56, 'paid'],
    ]);
    const detail = StatementDetail.parse(
      (await send(t, a, 'GET', `/v1/account/statements/${st!.id}`)).json(),
    );
    expect(detail.subtotal.amountCents).toBe(25_00 + 5_00 - 2_00);
    expect(detail.taxesAndFees.amountCents).toBe(206 + 150);
    expect(detail.subtotal.amountCents + detail.taxesAndFees.amountCents).toBe(
      detail.total.amountCents,
    );
    // $55.00 was paid during December; the statement is paid in full, and the rest is credit.
    expect(detail.paid.amountCents).toBe(31_56);
    const csv = (await send(t, a, 'GET', '/v1/account/statements.csv')).body;
    expect(csv).toContain(
      `${st!.id},2026-12-01,2026-12-31,2027-01-01,2026-12-01,Starter 5 GB,31.56,31.56,0.00,USD,paid`,
    );

    // …and so does the PDF: every line, the total, what was paid.
    const pdf = await send(t, a, 'GET', `/v1/account/statements/${st!.id}/pdf`);
    expect(pdf.statusCode, pdf.body).toBe(200);
    const text = await pdfText(pdf.rawPayload);
    expect(text).toContain('Dec 1, 2026 – Dec 31, 2026');
    for (const line of detail.lines) {
      expect(text).toContain(toWinAnsi(lineItemText(line.item, 'en')));
      expect(text).toContain(formatMoney(line.amount));
    }
    // English, as the API said it before lines had kinds, with the cycle and the card added.
    expect(text).toContain('Starter 5 GB plan, monthly (Dec 1 – 31, 2026)');
    expect(text).toContain('1 GB data pass, until Dec 31, 2026');
    expect(text).toContain('Card payment, Visa ending in 4242');
    expect(text).toMatch(new RegExp(`Subtotal\\n${escapeMoney(usd(28_00))}`));
    expect(text).toMatch(new RegExp(`Taxes and fees\\n${escapeMoney(usd(3_56))}`));
    expect(text).toMatch(new RegExp(`Total\\n${escapeMoney(usd(31_56))}`));
    expect(text).toMatch(
      new RegExp(
        `Applied to earlier statements or kept as account credit\\n${escapeMoney(usd(-23_44))}`,
      ),
    );
    expect(text).toMatch(new RegExp(`Amount paid\\n${escapeMoney(usd(31_56))}`));
    expect(text).toContain('Status: Paid in full');

    // A month on, January's statement takes what was left, and an entry that landed in
    // December after December was closed, rather than losing it.
    await credit(s.id, 1_00, Date.parse('2026-12-20T10:00:00Z'), 'Late credit');
    t.clock.set('2027-02-01T01:00:00Z');
    expect(await runJob()).toEqual({ renewals: 1, statements: 1, errors: 0 });
    const january = (await statementsOf(s.id))[1]!;
    expect(january.period_start).toBe('2027-01-01');
    const janLines = await db
      .selectFrom('statement_lines')
      .select(['kind', 'item', 'amount_cents'])
      .where('statement_id', '=', january.id)
      .orderBy('position')
      .execute();
    expect(janLines.map((l) => asLine(l.kind, l.item, l.amount_cents))).toEqual([
      ['credit', { kind: 'other', text: 'Late credit' }, -1_00],
      ['payment', { kind: 'refill_pin' }, -10_00],
      ...starter('2027-01-01', '2027-01-31'),
    ]);
    expect(january.total_cents).toBe(
      renewalTotal({ name: 'Starter 5 GB', price_cents: 25_00, taxes_included: 0 }) - 1_00,
    );
  });

  it('issues exactly one statement and books each renewal once, run twice or by two instances at once', async () => {
    const subs = await Promise.all([1, 2, 3, 4].map(() => subscriber()));
    t.clock.set('2026-12-01T00:30:00Z');
    expect(await runJob()).toEqual({ renewals: 4, statements: 0, errors: 0 });
    // Run again at once: nothing more to book.
    expect(await runJob()).toEqual({ renewals: 0, statements: 0, errors: 0 });
    for (const s of subs)
      await credit(s.id, 3_00, Date.parse('2026-12-15T00:00:00Z'), 'Goodwill credit');

    // Two instances on one database, racing over the same renewals and statements.
    t.clock.set('2027-01-01T01:00:00Z');
    let closing = false;
    const second = openDatabase(t.testDb.location, {
      onConnectionError: (error) => {
        if (!closing) throw error;
      },
    });
    try {
      let runs;
      if (dbKind === 'postgres') {
        runs = await Promise.all(
          Array.from({ length: 8 }, (_, i) => runJob(i % 2 === 0 ? db : second.db)),
        );
      } else {
        // Two SQLite connections in one process cannot overlap a transaction (the waiting one
        // blocks the thread the other needs to commit), so the instances take turns, each
        // running the job several times at once; SQLite serves one instance in production.
        runs = [];
        for (const instance of [db, second.db, db]) {
          runs.push(...(await Promise.all(Array.from({ length: 4 }, () => runJob(instance)))));
        }
      }
      expect(runs.reduce((n, r) => n + r.renewals, 0)).toBe(4);
      expect(runs.reduce((n, r) => n + r.statements, 0)).toBe(4);
    } finally {
      closing = true;
      await second.close();
    }
    expect(await runJob()).toEqual({ renewals: 0, statements: 0, errors: 0 });

    for (const s of subs) {
      const statements = await statementsOf(s.id);
      expect(statements.map((st) => [st.period_start, st.total_cents])).toEqual([
        ['2026-12-01', 28_56 - 3_00],
      ]);
      const lines = await db
        .selectFrom('statement_lines')
        .select('kind')
        .where('statement_id', '=', statements[0]!.id)
        .execute();
      expect(lines).toHaveLength(4);
      const renewals = await db
        .selectFrom('renewals')
        .select(['cycle_start', 'total_cents'])
        .where('subscriber_id', '=', s.id)
        .orderBy('cycle_start')
        .execute();
      expect(renewals).toEqual([
        { cycle_start: '2026-12-01', total_cents: 28_56 },
        { cycle_start: '2027-01-01', total_cents: 28_56 },
      ]);
      const planCharges = await db
        .selectFrom('ledger_entries')
        .select('created_at')
        .where('subscriber_id', '=', s.id)
        .where('kind', '=', 'plan_charge')
        .execute();
      expect(planCharges).toHaveLength(2);
      expect(await balanceOf(s.id)).toBe(3_00 - 2 * 28_56);
    }
  });

  it('puts a plan change chosen for the renewal on the next statement', async () => {
    const s = await subscriber();
    const a = await signIn(s);
    const change = await send(
      t,
      a,
      'POST',
      '/v1/account/plan/change',
      { planId: 'value-15gb', when: 'next_renewal' },
      { 'idempotency-key': newKey() },
    );
    expect(change.statusCode, change.body).toBe(200);

    t.clock.set('2026-12-01T00:30:00Z');
    expect(await runJob()).toEqual({ renewals: 1, statements: 0, errors: 0 });
    const sub = await db
      .selectFrom('subscribers')
      .select('plan_id')
      .where('id', '=', s.id)
      .executeTakeFirstOrThrow();
    expect(sub.plan_id).toBe('value-15gb');

    t.clock.set('2027-01-01T01:00:00Z');
    await runJob();
    const [st] = await statementsOf(s.id);
    expect(st).toMatchObject({
      period_start: '2026-12-01',
      plan_name: 'Value 15 GB',
      total_cents: 35_00,
    });
    const lines = await db
      .selectFrom('statement_lines')
      .select(['kind', 'item', 'amount_cents'])
      .where('statement_id', '=', st!.id)
      .execute();
    // Value 15 GB is sold with taxes and fees included: one line, of the plan renewed into.
    expect(lines.map((l) => asLine(l.kind, l.item, l.amount_cents))).toEqual([
      [
        'plan',
        {
          kind: 'plan_renewal',
          planId: 'value-15gb',
          planName: 'Value 15 GB',
          period: { from: '2026-12-01', to: '2026-12-31' },
        },
        35_00,
      ],
    ]);

    // Nothing paid toward it, and its renewal day has passed.
    const b = await signIn(s);
    const detail = StatementDetail.parse(
      (await send(t, b, 'GET', `/v1/account/statements/${st!.id}`)).json(),
    );
    expect(detail.status).toBe('overdue');
    expect(detail.paid.amountCents).toBe(0);
    const summary = AccountSummary.parse((await send(t, b, 'GET', '/v1/account/summary')).json());
    // December and January renewed on Value 15 GB, and nothing was paid.
    expect(summary.balance.amountCents).toBe(-2 * 35_00);
  });

  it('derives the demo history from the ledger, and carries on from it', async () => {
    await t.close();
    t = await createTestApp({
      seedDemo: true,
      statementIntervalMs: 0,
      autopayIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    db = t.testDb.database.db;
    // Every demo statement lists exactly the ledger entries stamped with its id.
    const statements = await db.selectFrom('statements').selectAll().execute();
    expect(statements).toHaveLength(12 * DEMO_SUBSCRIBERS.length);
    for (const st of statements) {
      const entries = await db
        .selectFrom('ledger_entries')
        .selectAll()
        .where('statement_id', '=', st.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const lines = await db
        .selectFrom('statement_lines')
        .selectAll()
        .where('statement_id', '=', st.id)
        .orderBy('position')
        .execute();
      expect(lines.map((l) => asLine(l.kind, l.item, l.amount_cents))).toEqual(
        entries.map((e) => asLine(STATEMENT_LINE_KIND[e.kind], e.item, -e.amount_cents)),
      );
      expect(lines.reduce((sum, l) => sum + l.amount_cents, 0)).toBe(st.total_cents);
    }
    // Today's cycle was billed with the history: nothing to book or issue now.
    expect(await runJob()).toEqual({ renewals: 0, statements: 0, errors: 0 });

    // After each account's next renewal, that renewal is booked once.
    const balances = new Map<string, number>();
    for (const demo of DEMO_SUBSCRIBERS) {
      const id = `demo-${demo.phone.slice(-4)}`;
      balances.set(id, await balanceOf(id));
    }
    t.clock.set(Date.parse('2026-11-25T12:00:00Z') + 21 * DAY_MS);
    expect(await runJob()).toEqual({ renewals: DEMO_SUBSCRIBERS.length, statements: 0, errors: 0 });
    for (const [id, before] of balances) {
      const plan = await db
        .selectFrom('subscribers as s')
        .innerJoin('plans as p', 'p.id', 's.plan_id')
        .select(['p.name', 'p.price_cents', 'p.taxes_included'])
        .where('s.id', '=', id)
        .executeTakeFirstOrThrow();
      expect(await balanceOf(id)).toBe(before - renewalTotal(plan));
    }
  });
});

// ---- the CLI command ----

describeWithDb(`statements close command (${dbKind})`, () => {
  let t: TestApp;
  beforeEach(async () => {
    // The CLI runs at the real time, so the app's clock does too.
    t = await createTestApp({
      now: new Date().toISOString(),
      statementIntervalMs: 0,
      autopayIntervalMs: 0,
      pruneIntervalMs: 0,
    });
  });
  afterEach(async () => t?.close());

  it(
    'books the due renewal and issues the ended cycle’s statement, once',
    { timeout: 90_000 },
    async () => {
      const db = t.testDb.database.db;
      const now = Date.now();
      const s = await t.addSubscriber({ planId: 'starter-5gb' });
      // Joined 90 days ago, with a refill 60 days ago: a cycle long over, not yet on a statement.
      await db
        .updateTable('subscribers')
        .set({ created_at: now - 90 * DAY_MS })
        .where('id', '=', s.id)
        .execute();
      await db
        .insertInto('ledger_entries')
        .values({
          id: `test-${randomBytes(6).toString('hex')}`,
          subscriber_id: s.id,
          kind: 'refill',
          amount_cents: 40_00,
          currency: 'USD',
          item: JSON.stringify({ kind: 'refill_pin' }),
          created_at: now - 60 * DAY_MS,
          statement_id: null,
          payment_id: null,
        })
        .execute();

      const first = await runCli(['statements', 'close', '--db', t.testDb.location]);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toBe('1 renewal booked, 1 statement issued.\n');
      const again = await runCli(['statements', 'close', '--db', t.testDb.location]);
      expect(again.stdout).toBe('0 renewals booked, 0 statements issued.\n');
      const statements = await db
        .selectFrom('statements')
        .select('total_cents')
        .where('subscriber_id', '=', s.id)
        .execute();
      expect(statements).toEqual([{ total_cents: 0 }]);

      const wrong = await runCli(['statements', 'open', '--db', t.testDb.location]);
      expect(wrong.code).toBe(64);
      expect(wrong.stderr).toContain('Unknown statements command "open".');
    },
  );
});
