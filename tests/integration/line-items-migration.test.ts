import { Migrator, type Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LineItem } from '../../contract/line-items';
import { migrateToLatest } from '../../server/src/db/database';
import { migrations } from '../../server/src/db/migrations/index';
import type { Database } from '../../server/src/db/schema';
import { ManualClock } from '../../server/src/clock';
import { AccountService } from '../../server/src/account/account-service';
import { StatementExports } from '../../server/src/billing/statement-exports';
import { renderStatementPdf } from '../../server/src/billing/statement-pdf';
import { pdfText } from './support/statements';
import { createTestDatabase, dbKind, describeWithDb, type TestDatabase } from './support/test-db';

/**
 * Tables as the migrations make them, version by version: any row of any table. The test writes
 * rows as an older version did, so the current `Database` types do not describe them.
 */
type AnySchema = Record<string, Record<string, unknown>>;

/** The last migration before line items: the schema the rows below were written under. */
const BEFORE = '018-device-cookies';

const migrator = (db: Kysely<Database>, upTo: string) =>
  new Migrator({
    db,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= upTo)),
    },
  });

async function migrateTo(db: Kysely<Database>, name: string): Promise<void> {
  const { error } = await migrator(db, '999').migrateTo(name);
  if (error) throw error;
}

const SUB = 'sub-old';
const at = (day: string, n = 0) => Date.parse(`${day}T06:00:00Z`) + n * 1000;

describeWithDb(`sentences written before line items had kinds (${dbKind})`, () => {
  let testDb: TestDatabase;
  let db: Kysely<AnySchema>;

  beforeEach(async () => {
    testDb = await createTestDatabase({ migrate: false });
    db = testDb.database.db as unknown as Kysely<AnySchema>;
    await migrator(testDb.database.db, BEFORE).migrateToLatest();
    await writeOldRows(db);
  });
  afterEach(async () => testDb?.cleanup());

  /** Rows as the API wrote them before 019: every line a sentence in `description`. */
  async function writeOldRows(db: Kysely<AnySchema>): Promise<void> {
    await db
      .insertInto('subscribers')
      .values({
        id: SUB,
        phone: '+12065559900',
        name: 'Old Timer',
        email: 'old@example.com',
        password_hash: 'x',
        plan_id: 'value-15gb',
        status: 'active',
        cycle_anchor_day: 1,
        created_at: at('2026-08-01'),
      })
      .execute();
    await db
      .insertInto('statements')
      .values(
        ['st-oct', 'st-sep'].map((id) => ({
          id,
          subscriber_id: SUB,
          period_start: id === 'st-oct' ? '2026-10-01' : '2026-09-01',
          period_end: id === 'st-oct' ? '2026-10-31' : '2026-09-30',
          issued_at: at(id === 'st-oct' ? '2026-11-01' : '2026-10-01'),
          due_date: id === 'st-oct' ? '2026-10-01' : '2026-09-01',
          plan_name: 'Value 15 GB',
          total_cents: 0,
          currency: 'USD',
        })),
      )
      .execute();
    const payment = (
      id: string,
      method: string,
      description: string,
      card: { brand: string | null; last4: string | null },
      statementId: string | null,
    ) => ({
      id,
      subscriber_id: SUB,
      amount_cents: 20_00,
      currency: 'USD',
      method,
      card_last4: card.last4,
      card_brand: card.brand,
      status: 'succeeded',
      description,
      created_at: at('2026-10-02'),
      statement_id: statementId,
    });
    const none = { brand: null, last4: null };
    await db
      .insertInto('payments')
      .values([
        payment('pay-card', 'card', 'Card payment', { brand: 'visa', last4: '4242' }, 'st-oct'),
        payment('pay-pin', 'refill_pin', 'Refill card', none, 'st-oct'),
        payment('pay-auto', 'autopay', 'AutoPay', { brand: 'mastercard', last4: '4444' }, 'st-oct'),
        // Recorded before brands were kept.
        payment('pay-old', 'card', 'Card payment', { brand: null, last4: '1881' }, null),
        payment('pay-cash', 'cash', 'Paid at the store', none, null),
      ])
      .execute();
    await db
      .insertInto('plan_changes')
      .values({
        id: 'pc-1',
        subscriber_id: SUB,
        from_plan_id: 'starter-5gb',
        to_plan_id: 'value-15gb',
        timing: 'now',
        effective_on: '2026-10-20',
        status: 'applied',
        charge_cents: 14_00,
        credit_cents: 10_00,
        created_at: at('2026-10-20'),
        applied_at: at('2026-10-20'),
      })
      .execute();
    const pass = (
      id: string,
      addOnId: string,
      name: string,
      kind: string,
      mb: number,
      min: number,
    ) => ({
      id,
      subscriber_id: SUB,
      add_on_id: addOnId,
      name,
      kind,
      data_mb: mb,
      intl_minutes: min,
      price_cents: 5_00,
      currency: 'USD',
      cycle_start: '2026-10-01',
      expires_on: '2026-10-31',
      purchased_at: at('2026-10-10'),
    });
    await db
      .insertInto('subscriber_add_ons')
      .values([
        pass('ao-data', 'data-1gb', '1 GB data pass', 'data', 1024, 0),
        pass('ao-intl', 'intl-100min', 'International 100 minutes', 'international', 0, 100),
      ])
      .execute();
    // October's entries, each on October's statement as a line, in the order they were booked.
    const entries: [id: string, kind: string, cents: number, words: string, paymentId?: string][] =
      [
        ['renewal-sub-old-2026-10-01-0', 'plan_charge', -25_00, 'Starter 5 GB plan, monthly'],
        ['renewal-sub-old-2026-10-01-1', 'tax', -206, 'State and local taxes'],
        ['renewal-sub-old-2026-10-01-2', 'fee', -150, 'Regulatory and 911 fee'],
        ['renewal-sub-old-2026-10-01-3', 'credit', 2_00, 'AutoPay discount'],
        ['pay-card-credit', 'payment', 20_00, 'Card payment', 'pay-card'],
        ['pay-pin-credit', 'refill', 20_00, 'Refill card', 'pay-pin'],
        ['pay-auto-credit', 'payment', 20_00, 'AutoPay payment', 'pay-auto'],
        ['ao-data-charge', 'addon_charge', -5_00, '1 GB data pass, until 2026-10-31'],
        ['ao-intl-charge', 'addon_charge', -5_00, 'International 100 minutes, until 2026-10-31'],
        ['pc-1-charge', 'plan_charge', -14_00, 'Value 15 GB plan, 12 of 31 days'],
        ['pc-1-credit', 'credit', 10_00, 'Unused 12 of 31 days of Starter 5 GB'],
        ['goodwill', 'credit', 3_00, 'Goodwill credit'],
      ];
    await db
      .insertInto('ledger_entries')
      .values(
        entries.map(([id, kind, cents, description, paymentId], n) => ({
          id,
          subscriber_id: SUB,
          kind,
          amount_cents: cents,
          currency: 'USD',
          description,
          created_at: at('2026-10-01', n),
          statement_id: 'st-oct',
          payment_id: paymentId ?? null,
        })),
      )
      .execute();
    const lineKind: Record<string, string> = {
      plan_charge: 'plan',
      addon_charge: 'addon',
      refill: 'payment',
    };
    await db
      .insertInto('statement_lines')
      .values([
        ...entries.map(([, kind, cents, description], position) => ({
          id: `st-oct-l${position}`,
          statement_id: 'st-oct',
          position,
          kind: lineKind[kind] ?? kind,
          description,
          amount_cents: 0 - cents,
        })),
        // Lines with no ledger entry behind them: read from their own words alone.
        ...[
          ['plan', 'Starter 5 GB plan, monthly', 25_00],
          ['plan', 'Gold 99 GB plan, monthly', 99_00],
          ['plan', 'Value 15 GB plan, 3 of 30 days', 3_50],
          ['addon', '5 GB data pass, until 2026-09-30', 15_00],
          ['payment', 'Card payment', -20_00],
          ['credit', 'Late fee waived', -1_00],
        ].map(([kind, description, cents], position) => ({
          id: `st-sep-l${position}`,
          statement_id: 'st-sep',
          position,
          kind,
          description,
          amount_cents: cents,
        })),
      ])
      .execute();
  }

  const itemsOf = async (table: 'ledger_entries' | 'payments' | 'statement_lines') => {
    const rows = (await db.selectFrom(table).select(['id', 'item']).orderBy('id').execute()) as {
      id: string;
      item: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.id, LineItem.parse(JSON.parse(r.item))]));
  };

  const change = {
    fromPlanId: 'starter-5gb',
    fromPlanName: 'Starter 5 GB',
    toPlanId: 'value-15gb',
    toPlanName: 'Value 15 GB',
    days: 12,
    cycleDays: 31,
  };
  /** What each of October's sentences stands for, with what the rows around it tell. */
  const OCTOBER: LineItem[] = [
    { kind: 'plan_renewal', planId: 'starter-5gb', planName: 'Starter 5 GB', period: null },
    { kind: 'tax', name: 'state_and_local' },
    { kind: 'fee', name: 'regulatory_911' },
    { kind: 'autopay_discount' },
    { kind: 'card_payment', brand: 'visa', last4: '4242' },
    { kind: 'refill_pin' },
    { kind: 'autopay_payment', brand: 'mastercard', last4: '4444' },
    { kind: 'data_pass', addOnId: 'data-1gb', dataMb: 1024, until: '2026-10-31' },
    { kind: 'international_pass', addOnId: 'intl-100min', minutes: 100, until: '2026-10-31' },
    { kind: 'plan_change_charge', ...change },
    { kind: 'plan_change_credit', ...change },
    { kind: 'other', text: 'Goodwill credit' },
  ];

  it('turns every sentence into its kind, and keeps the ones it does not know as they were', async () => {
    await migrateToLatest(testDb.database.db);

    const ledger = await itemsOf('ledger_entries');
    expect(
      [
        'renewal-sub-old-2026-10-01-0',
        'renewal-sub-old-2026-10-01-1',
        'renewal-sub-old-2026-10-01-2',
        'renewal-sub-old-2026-10-01-3',
        'pay-card-credit',
        'pay-pin-credit',
        'pay-auto-credit',
        'ao-data-charge',
        'ao-intl-charge',
        'pc-1-charge',
        'pc-1-credit',
        'goodwill',
      ].map((id) => ledger[id]),
    ).toEqual(OCTOBER);

    expect(await itemsOf('payments')).toEqual({
      'pay-auto': { kind: 'autopay_payment', brand: 'mastercard', last4: '4444' },
      'pay-card': { kind: 'card_payment', brand: 'visa', last4: '4242' },
      'pay-cash': { kind: 'other', text: 'Paid at the store' },
      'pay-old': { kind: 'card_payment', brand: 'unknown', last4: '1881' },
      'pay-pin': { kind: 'refill_pin' },
    });

    const lines = await itemsOf('statement_lines');
    // October's lines take their entries' items, the plan change's plans and the card included.
    expect(OCTOBER.map((_, position) => lines[`st-oct-l${position}`])).toEqual(OCTOBER);
    expect([0, 1, 2, 3, 4, 5].map((position) => lines[`st-sep-l${position}`])).toEqual([
      { kind: 'plan_renewal', planId: 'starter-5gb', planName: 'Starter 5 GB', period: null },
      // A plan the catalogue does not have, and a change whose plans nothing tells.
      { kind: 'other', text: 'Gold 99 GB plan, monthly' },
      { kind: 'other', text: 'Value 15 GB plan, 3 of 30 days' },
      // The pass named as the catalogue names it.
      { kind: 'data_pass', addOnId: 'data-5gb', dataMb: 5 * 1024, until: '2026-09-30' },
      // A card payment with no payment behind it: which card is not known.
      { kind: 'card_payment', brand: 'unknown', last4: null },
      { kind: 'other', text: 'Late fee waived' },
    ]);

    // The sentences are gone: nothing reads them any more.
    for (const table of ['ledger_entries', 'payments', 'statement_lines'] as const) {
      const row = await db.selectFrom(table).selectAll().executeTakeFirstOrThrow();
      expect(Object.keys(row), table).not.toContain('description');
      expect(Object.keys(row), table).toContain('item');
    }
  });

  it('serves the old statement in Spanish, as one written today', async () => {
    await migrateToLatest(testDb.database.db);
    const clock = new ManualClock('2026-11-05T12:00:00Z');
    const typed = testDb.database.db;
    const account = new AccountService(typed, clock);
    const detail = await account.statement(SUB, 'st-oct');
    expect(detail.lines.map((l) => l.item)).toEqual(OCTOBER);
    const exports = new StatementExports(typed, clock, account);
    const document = await exports.statementDocument(SUB, 'st-oct');
    // Made at the same moment: in the order of their ids.
    expect(document.payments.map((p) => p.item.kind)).toEqual([
      'autopay_payment',
      'card_payment',
      'refill_pin',
    ]);
    const text = await pdfText(
      await renderStatementPdf(
        {
          ...document,
          // The hand-made figures are not a real bill: only the words are looked at here.
          statement: {
            ...detail,
            ...sums(detail.lines.map((l) => [l.kind, l.amount.amountCents])),
          },
          creditApplied: { amountCents: 0, currency: 'USD' },
          payments: [],
        },
        'es',
      ),
    );
    for (const words of [
      'Plan Starter 5 GB, mensual',
      'Impuestos estatales y locales',
      'Descuento por pago automático',
      'Pago con tarjeta, Visa terminada en 4242',
      'Pago automático, Mastercard terminada en 4444',
      'Pase de datos de 1 GB, hasta el 31 oct 2026',
      '100 minutos internacionales, hasta el 31 oct 2026',
      'Plan Value 15 GB, 12 de 31 días',
      '12 de 31 días sin usar de Starter 5 GB',
      'Goodwill credit',
    ]) {
      expect(text).toContain(words);
    }
  });

  it('puts back the sentences the API wrote when rolled back, and reads them again after', async () => {
    const sentences = async (table: 'ledger_entries' | 'payments' | 'statement_lines') =>
      (await db.selectFrom(table).select(['id', 'description']).orderBy('id').execute()) as {
        id: string;
        description: string;
      }[];
    const before = {
      ledger: await sentences('ledger_entries'),
      payments: await sentences('payments'),
      lines: await sentences('statement_lines'),
    };
    await migrateToLatest(testDb.database.db);
    const items = {
      ledger: await itemsOf('ledger_entries'),
      payments: await itemsOf('payments'),
      lines: await itemsOf('statement_lines'),
    };

    await migrateTo(testDb.database.db, BEFORE);
    expect(await sentences('ledger_entries')).toEqual(before.ledger);
    expect(await sentences('payments')).toEqual(before.payments);
    expect(await sentences('statement_lines')).toEqual(before.lines);
    const row = await db.selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    expect(Object.keys(row)).not.toContain('item');

    await migrateToLatest(testDb.database.db);
    expect(await itemsOf('ledger_entries')).toEqual(items.ledger);
    expect(await itemsOf('payments')).toEqual(items.payments);
    expect(await itemsOf('statement_lines')).toEqual(items.lines);
  });
});

/** A statement's figures made to add up from its lines, so the PDF draws them. */
function sums(lines: [kind: string, cents: number][]) {
  const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });
  const of = (kinds: string[]) =>
    lines.filter(([kind]) => kinds.includes(kind)).reduce((sum, [, cents]) => sum + cents, 0);
  const subtotal = of(['plan', 'addon', 'credit']);
  const taxes = of(['tax', 'fee']);
  return {
    subtotal: usd(subtotal),
    taxesAndFees: usd(taxes),
    total: usd(subtotal + taxes),
    paid: usd(0),
  };
}
