import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  AccountSummary,
  StatementDetail,
  StatementList,
  type StatementSummary,
} from '../../contract/http/account';
import type { Database } from '../../server/src/db/schema';
import { DEMO_SUBSCRIBERS } from '../../server/src/demo/seed-demo';
import { loadRefillPinKey } from '../../server/src/secrets';
import { renewalTotal } from '../../server/src/billing/charges';
import { generatePins } from '../../server/src/billing/refill-pins';
import { runStatementJob } from '../../server/src/billing/statement-close';
import { newKey, send, type Account } from './support/payments';
import { escapeMoney, pdfText, usd } from './support/statements';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

const dollars = (cents: number) => (cents / 100).toFixed(2);

/** Starter 5 GB with its taxes and fee: $25.00 + $2.06 + $1.50. */
const STARTER_RENEWAL = 28_56;

const ANA = DEMO_SUBSCRIBERS.find((d) => d.name === 'Ana Silva')!;
const LUIS = DEMO_SUBSCRIBERS.find((d) => d.name === 'Luis Ortega')!;

describeWithDb(`what each statement has been paid (${dbKind})`, () => {
  let t: TestApp;
  let db: Kysely<Database>;

  beforeEach(async () => {
    t = await createTestApp({
      seedDemo: true,
      statementIntervalMs: 0,
      autopayIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    db = t.testDb.database.db;
  });
  afterEach(async () => t?.close());

  async function runJob() {
    const errors: unknown[] = [];
    const result = await runStatementJob(db, t.clock, { onError: (e) => errors.push(e) });
    expect(errors).toEqual([]);
    return result;
  }

  async function signIn(phone: string, password: string): Promise<Account> {
    const res = await t.post('/v1/auth/sign-in', { phone, password });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ accessToken: string; subscriber: { id: string } }>();
    return { id: body.subscriber.id, token: body.accessToken };
  }

  async function refill(a: Account, valueCents: number) {
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
  }

  async function statements(a: Account, query = 'limit=100'): Promise<StatementSummary[]> {
    const res = await send(t, a, 'GET', `/v1/account/statements?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return StatementList.parse(res.json()).items;
  }

  async function detail(a: Account, id: string) {
    const res = await send(t, a, 'GET', `/v1/account/statements/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return StatementDetail.parse(res.json());
  }

  /** The statements CSV as [id, total, paid, amount due, status] rows, newest first. */
  async function csvRows(a: Account) {
    const res = await send(t, a, 'GET', '/v1/account/statements.csv');
    expect(res.statusCode, res.body).toBe(200);
    return res.body
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => {
        const cells = line.split(',');
        return [cells[0], cells[6], cells[7], cells[8], cells[10]];
      });
  }

  /** A subscriber on Starter 5 GB renewing on the 1st, with nothing paid, and two statements. */
  async function twoUnpaidStatements() {
    const s = await t.addSubscriber({ cycleAnchorDay: 1, planId: 'starter-5gb' });
    t.clock.set('2026-12-01T00:30:00Z');
    await runJob();
    t.clock.set('2027-01-01T01:00:00Z');
    await runJob();
    t.clock.set('2027-02-01T01:00:00Z');
    await runJob();
    return { s, a: await signIn(s.phone, s.password) };
  }

  it('leaves the seeded history as it was: every demo statement paid in full by its payment', async () => {
    for (const demo of DEMO_SUBSCRIBERS) {
      const a = await signIn(demo.display, demo.password);
      const rows = await csvRows(a);
      expect(rows).toHaveLength(12);
      for (const [, total, paid, due, status] of rows) {
        expect([paid, due, status]).toEqual([total, '0.00', 'paid']);
      }
    }
  });

  it('counts the credit of a subscriber who lives on it toward her next statement', async () => {
    // Both renew after today; the job books the renewal, then closes the cycle a month on.
    t.clock.set('2026-12-15T01:00:00Z');
    await runJob();
    t.clock.set('2027-01-15T01:00:00Z');
    await runJob();

    const ana = await signIn(ANA.display, ANA.password);
    const plan = { name: 'Talk & Text 1 GB', price_cents: 15_00, taxes_included: 0 };
    const renewal = renewalTotal(plan);
    const [newest] = await statements(ana);
    expect(newest).toMatchObject({ periodStart: '2026-12-15', total: { amountCents: renewal } });
    // Nothing was paid against it, but the $40.00 of credit she refilled earlier covers it.
    expect(newest!.status).toBe('paid');
    const d = await detail(ana, newest!.id);
    expect([d.status, d.paid.amountCents]).toEqual(['paid', renewal]);
    const summary = AccountSummary.parse((await send(t, ana, 'GET', '/v1/account/summary')).json());
    expect(summary.balance.amountCents).toBe(ANA.creditCents - 2 * renewal);
    const pdf = await send(t, ana, 'GET', `/v1/account/statements/${newest!.id}/pdf`);
    expect(pdf.statusCode, pdf.body).toBe(200);
    const text = await pdfText(pdf.rawPayload);
    expect(text).toMatch(new RegExp(`Paid from account credit\\n${escapeMoney(usd(renewal))}`));
    expect(text).toMatch(/Amount due\n\$0\.00/);
    expect(text).toContain('Status: Paid in full');

    // Luis kept no credit: his statement for the same kind of cycle is overdue, with nothing paid.
    const luis = await signIn(LUIS.display, LUIS.password);
    const [his] = await statements(luis);
    expect(his!.status).toBe('overdue');
    expect((await detail(luis, his!.id)).paid.amountCents).toBe(0);
  });

  it('pays the oldest statement first from a refill, and turns an overdue statement paid', async () => {
    const { a } = await twoUnpaidStatements();
    const before = await statements(a);
    expect(before.map((s) => [s.periodStart, s.total.amountCents, s.status])).toEqual([
      ['2027-01-01', STARTER_RENEWAL, 'overdue'],
      ['2026-12-01', STARTER_RENEWAL, 'overdue'],
    ]);

    // $40.00: December in full, then $11.44 toward January.
    await refill(a, 40_00);
    const partial = 40_00 - STARTER_RENEWAL;
    expect(await csvRows(a)).toEqual([
      [
        before[0]!.id,
        dollars(STARTER_RENEWAL),
        dollars(partial),
        dollars(STARTER_RENEWAL - partial),
        'overdue',
      ],
      [before[1]!.id, dollars(STARTER_RENEWAL), dollars(STARTER_RENEWAL), '0.00', 'paid'],
    ]);
    const january = await detail(a, before[0]!.id);
    expect([january.status, january.paid.amountCents]).toEqual(['overdue', partial]);
    // Paged one at a time, or filtered to one month, each statement reads the same.
    const first = await send(t, a, 'GET', '/v1/account/statements?limit=1');
    const page1 = StatementList.parse(first.json());
    const page2 = await statements(a, `limit=1&cursor=${page1.nextCursor}`);
    expect([...page1.items, ...page2]).toEqual(await statements(a));
    expect(await statements(a, 'month=2027-01')).toEqual([page1.items[0]]);
    expect(page1.items[0]!.status).toBe('overdue');
    expect(page2[0]!.status).toBe('paid');
    const pdf = await send(t, a, 'GET', `/v1/account/statements/${before[0]!.id}/pdf`);
    const text = await pdfText(pdf.rawPayload);
    expect(text).toMatch(new RegExp(`Amount paid\\n${escapeMoney(usd(partial))}`));
    expect(text).toMatch(new RegExp(`Amount due\\n${escapeMoney(usd(STARTER_RENEWAL - partial))}`));
    expect(text).toContain('Status: Overdue since Jan 1, 2027');

    // The rest of January: both paid. February's renewal is not on a statement yet.
    await refill(a, STARTER_RENEWAL - partial);
    const after = await statements(a);
    expect(after.map((s) => s.status)).toEqual(['paid', 'paid']);
    expect((await detail(a, before[0]!.id)).paid.amountCents).toBe(STARTER_RENEWAL);
    const summary = AccountSummary.parse((await send(t, a, 'GET', '/v1/account/summary')).json());
    expect(summary.balance.amountCents).toBe(-STARTER_RENEWAL);
  });

  it('lets a credit larger than its statement’s charges pay the older statements', async () => {
    const { s } = await twoUnpaidStatements();
    // Customer care credits more than February's charges; it lands on February's statement.
    const credit = 3 * STARTER_RENEWAL + 10_00;
    t.clock.set('2027-02-02T10:00:00Z');
    const a = await signIn(s.phone, s.password);
    await db
      .insertInto('ledger_entries')
      .values({
        id: `test-credit-${s.id}`,
        subscriber_id: s.id,
        kind: 'credit',
        amount_cents: credit,
        currency: 'USD',
        item: JSON.stringify({ kind: 'other', text: 'Goodwill credit' }),
        created_at: Date.parse('2027-02-02T10:00:00Z'),
        statement_id: null,
        payment_id: null,
      })
      .execute();
    // Not on a statement yet: what exceeds February's charges already pays the older two.
    expect((await statements(a)).map((x) => x.status)).toEqual(['paid', 'paid']);
    t.clock.set('2027-03-01T01:00:00Z');
    await runJob();
    const list = await statements(await signIn(s.phone, s.password));
    expect(list.map((x) => [x.periodStart, x.total.amountCents, x.status])).toEqual([
      ['2027-02-01', STARTER_RENEWAL - credit, 'paid'],
      ['2027-01-01', STARTER_RENEWAL, 'paid'],
      ['2026-12-01', STARTER_RENEWAL, 'paid'],
    ]);
    // A statement whose credits exceed its charges has nothing to pay.
    const b = await signIn(s.phone, s.password);
    expect((await detail(b, list[0]!.id)).paid.amountCents).toBe(0);
  });
});
