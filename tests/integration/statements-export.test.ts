import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import { StatementDetail, StatementList, type StatementSummary } from '../../contract/http/account';
import { lineItemText } from '../../contract/line-item-words';
import type { LineItem } from '../../contract/line-items';
import { formatMoney } from '../../contract/money';
import { formatPhone } from '../../contract/phone';
import { DEMO_SUBSCRIBERS } from '../../server/src/demo/seed-demo';
import { AccountService } from '../../server/src/account/account-service';
import { StatementExports } from '../../server/src/billing/statement-exports';
import {
  renderStatementPdf,
  StatementTotalsError,
  toWinAnsi,
  type StatementDocument,
} from '../../server/src/billing/statement-pdf';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';
import { pdfText } from './support/statements';

/** RFC 4180: CRLF records, fields quoted when needed, `""` for a quote inside a quoted field. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i += 1;
      } else {
        field += ch;
        i += 1;
      }
    } else if (ch === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      i += 1;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      field += ch;
      i += 1;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('last record does not end with CRLF');
  return rows;
}

/** Parsed CSV as objects keyed by the header row. */
function csvRecords(res: LightMyRequestResponse): Record<string, string>[] {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  const [header, ...rows] = parseCsv(res.body);
  expect(header).toBeDefined();
  return rows.map((r) => {
    expect(r).toHaveLength(header!.length);
    return Object.fromEntries(header!.map((h, i) => [h, r[i]!]));
  });
}

const dollars = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
const dayFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const day = (iso: string) => dayFormat.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
const dayRange = (from: string, to: string) =>
  dayFormat.formatRange(new Date(`${from}T00:00:00Z`), new Date(`${to}T00:00:00Z`));
const diaFormat = new Intl.DateTimeFormat('es-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const dia = (iso: string) => diaFormat.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
const diaRange = (from: string, to: string) =>
  diaFormat.formatRange(new Date(`${from}T00:00:00Z`), new Date(`${to}T00:00:00Z`));

const MARIA = DEMO_SUBSCRIBERS[0]!;
const DANA = DEMO_SUBSCRIBERS[1]!;

/**
 * Words a spreadsheet or a naive CSV writer would get wrong, on lines of no kind the API writes
 * (as lines from before kinds are kept in their own words).
 */
const ADDON = 'International pack, "Mexico" 50 min';
const CREDIT = '-Goodwill credit';
const MULTILINE = 'Declined by bank\n"retry later", please';
const FORMULA = '=HYPERLINK("http://evil.example","click")';

describeWithDb(`statement exports (${dbKind})`, () => {
  let t: TestApp;
  let maria: { token: string; id: string };
  let dana: { token: string; id: string };
  /** A subscriber with hand-made statements and payments (tricky text, partial payment). */
  let zoe: { token: string; id: string; phone: string; name: string };
  let mariaStatements: StatementSummary[];

  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true });
    const signIn = async (phone: string, password: string) => {
      const body = SignInResponse.parse(
        (await t.post('/v1/auth/sign-in', { phone, password })).json(),
      );
      return { token: body.accessToken, id: body.subscriber.id };
    };
    maria = await signIn(MARIA.display, MARIA.password);
    dana = await signIn(DANA.display, DANA.password);

    const name = 'Zoë O’Brien, Jr.';
    const added = await t.addSubscriber({ name, cycleAnchorDay: 10 });
    zoe = { ...(await signIn(added.phone, added.password)), phone: added.phone, name };
    const db = t.testDb.database.db;
    const statement = (id: string, start: string, end: string, total: number) => ({
      id,
      subscriber_id: zoe.id,
      period_start: start,
      period_end: end,
      issued_at: Date.parse(`${start}T06:00:00Z`),
      due_date: start,
      plan_name: 'Starter 5 GB',
      total_cents: total,
      currency: 'USD',
    });
    await db
      .insertInto('statements')
      .values([
        statement('zoe-st-2026-10', '2026-10-10', '2026-11-09', 3698),
        statement('zoe-st-2026-09', '2026-09-10', '2026-10-09', 1000),
        statement('zoe-st-2025-12', '2025-12-10', '2026-01-09', 2500),
      ])
      .execute();
    const line = (st: string, position: number, kind: string, item: LineItem, cents: number) => ({
      id: `${st}-l${position}`,
      statement_id: st,
      position,
      kind: kind as 'plan',
      item: JSON.stringify(item),
      amount_cents: cents,
    });
    const starter: LineItem = {
      kind: 'plan_renewal',
      planId: 'starter-5gb',
      planName: 'Starter 5 GB',
      period: null,
    };
    await db
      .insertInto('statement_lines')
      .values([
        line('zoe-st-2026-10', 0, 'plan', starter, 3000),
        line('zoe-st-2026-10', 1, 'addon', { kind: 'other', text: ADDON }, 500),
        line('zoe-st-2026-10', 2, 'credit', { kind: 'other', text: CREDIT }, -200),
        line('zoe-st-2026-10', 3, 'tax', { kind: 'tax', name: 'state_and_local' }, 248),
        line('zoe-st-2026-10', 4, 'fee', { kind: 'fee', name: 'regulatory_911' }, 150),
        line('zoe-st-2026-09', 0, 'plan', starter, 1000),
        line('zoe-st-2025-12', 0, 'plan', starter, 2500),
      ])
      .execute();
    const payment = (
      id: string,
      at: string,
      cents: number,
      description: string,
      status: 'succeeded' | 'failed',
      statementId: string | null,
      method: 'card' | 'refill_pin' = 'card',
    ) => ({
      id,
      subscriber_id: zoe.id,
      amount_cents: cents,
      currency: 'USD',
      method,
      card_last4: method === 'card' ? '4242' : null,
      status,
      item: JSON.stringify({ kind: 'other', text: description }),
      created_at: Date.parse(at),
      statement_id: statementId,
    });
    await db
      .insertInto('payments')
      .values([
        payment(
          'zoe-pay-1',
          '2026-10-09T15:00:00Z',
          2000,
          'Card payment, part 1',
          'succeeded',
          'zoe-st-2026-10',
        ),
        payment('zoe-pay-2', '2026-10-20T15:00:00Z', 1698, MULTILINE, 'failed', 'zoe-st-2026-10'),
        payment('zoe-pay-3', '2026-11-02T09:30:00Z', 500, FORMULA, 'succeeded', null, 'refill_pin'),
        payment(
          'zoe-pay-4',
          '2026-09-09T09:30:00Z',
          1000,
          '+1 bonus',
          'succeeded',
          'zoe-st-2026-09',
        ),
        payment(
          'zoe-pay-5',
          '2025-12-09T09:30:00Z',
          2500,
          '@SUM(A1:A9)',
          'succeeded',
          'zoe-st-2025-12',
        ),
      ])
      .execute();
    // Every successful payment is money in the ledger, as the payment service books it.
    const paid = await db
      .selectFrom('payments')
      .selectAll()
      .where('subscriber_id', '=', zoe.id)
      .where('status', '=', 'succeeded')
      .execute();
    await db
      .insertInto('ledger_entries')
      .values(
        paid.map((p) => ({
          id: `${p.id}-credit`,
          subscriber_id: zoe.id,
          kind: p.method === 'refill_pin' ? ('refill' as const) : ('payment' as const),
          amount_cents: p.amount_cents,
          currency: p.currency,
          item: p.item,
          created_at: p.created_at,
          statement_id: null,
          payment_id: p.id,
        })),
      )
      .execute();

    mariaStatements = StatementList.parse(
      (await t.get('/v1/account/statements?limit=100', maria.token)).json(),
    ).items;
  });
  afterAll(async () => t?.close());

  const detail = async (token: string, id: string) =>
    StatementDetail.parse((await t.get(`/v1/account/statements/${id}`, token)).json());

  describe('GET /v1/account/statements/{id}/pdf', () => {
    it('is a PDF with the subscriber, period, every line and the totals', async () => {
      const newest = mariaStatements[0]!;
      const res = await t.get(`/v1/account/statements/${newest.id}/pdf`, maria.token);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="airtime-statement-${newest.periodStart.slice(0, 7)}.pdf"`,
      );
      expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');

      const st = await detail(maria.token, newest.id);
      const text = await pdfText(res.rawPayload);
      expect(text).toContain('Airtime');
      expect(text).toContain(MARIA.name);
      expect(text).toContain(formatPhone(MARIA.phone));
      expect(text).toContain(`${day(st.periodStart)} – ${day(st.periodEnd)}`);
      expect(text).toContain(day(st.dueDate));
      expect(text).toContain(st.planName);
      expect(st.lines.length).toBeGreaterThan(0);
      for (const line of st.lines) {
        expect(text).toContain(toWinAnsi(lineItemText(line.item, 'en')));
        expect(text).toContain(formatMoney(line.amount));
      }
      expect(text).toContain(
        toWinAnsi(`Value 15 GB plan, monthly (${dayRange(st.periodStart, st.periodEnd)})`),
      );
      expect(text).toMatch(new RegExp(`Total\\n${formatMoney(st.total).replace('$', '\\$')}`));
      expect(text).toContain(formatMoney(st.subtotal));
      expect(text).toContain(formatMoney(st.taxesAndFees));
      expect(text).toMatch(/Amount due\n\$0\.00/);
      expect(text).toContain('Status: Paid in full');
    });

    it('shows credits, partial and failed payments, and what is still due', async () => {
      const res = await t.get('/v1/account/statements/zoe-st-2026-10/pdf', zoe.token);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="airtime-statement-2026-10.pdf"',
      );
      const text = await pdfText(res.rawPayload);
      expect(text).toContain(zoe.name);
      expect(text).toContain(formatPhone(zoe.phone));
      expect(text).toContain('Oct 10, 2026 – Nov 9, 2026');
      for (const description of [
        'Starter 5 GB plan, monthly',
        ADDON,
        CREDIT,
        'State and local taxes',
        'Regulatory and 911 fee',
      ])
        expect(text).toContain(description);
      expect(text).toContain('-$2.00');
      expect(text).toMatch(/Subtotal\n\$33\.00/);
      expect(text).toMatch(/Taxes and fees\n\$3\.98/);
      expect(text).toMatch(/Total\n\$36\.98/);
      expect(text).toContain('Oct 9, 2026 Card payment, part 1');
      // The newline inside the description is drawn as a space, on one row.
      expect(text).toContain('Declined by bank "retry later", please (failed)');
      // The refill made later, not against this statement, is not listed on it, but its $5.00
      // pays toward it: the older statements were paid in full, and this is the oldest still open.
      expect(text).not.toContain('HYPERLINK');
      expect(text).toMatch(/Paid from account credit\n\$5\.00/);
      expect(text).toMatch(/Amount paid\n\$25\.00/);
      expect(text).toMatch(/Amount due\n\$11\.98/);
      expect(text).toContain('Status: Overdue since Oct 10, 2026');
    });

    it('GET …/pdf?lang=es, or Accept-Language: es, answers the statement in Spanish', async () => {
      const newest = mariaStatements[0]!;
      for (const [url, headers] of [
        [`/v1/account/statements/${newest.id}/pdf?lang=es`, {}],
        [
          `/v1/account/statements/${newest.id}/pdf`,
          { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' },
        ],
      ] as const) {
        const res = await t.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${maria.token}`, ...headers },
        });
        expect(res.statusCode, res.body).toBe(200);
        const text = await pdfText(res.rawPayload);
        expect(text).toContain('Estado de cuenta mensual');
        expect(text).not.toContain('plan, monthly');
      }
      // Without either, English; a language the API does not speak is refused by name.
      const plain = await t.get(`/v1/account/statements/${newest.id}/pdf`, maria.token);
      expect(await pdfText(plain.rawPayload)).toContain('plan, monthly');
      const refused = await t.get(`/v1/account/statements/${newest.id}/pdf?lang=fr`, maria.token);
      expect(refused.statusCode).toBe(400);
    });

    it('is written in Spanish when asked, every line worded from its kind', async () => {
      const db = t.testDb.database.db;
      const exports = new StatementExports(db, t.clock, new AccountService(db, t.clock));
      const newest = mariaStatements[0]!;
      const document = await exports.statementDocument(maria.id, newest.id);
      const text = await pdfText(await renderStatementPdf(document, 'es'));
      const st = document.statement;
      expect(text).toContain('Estado de cuenta mensual');
      expect(text).toContain(
        toWinAnsi(`Plan Value 15 GB, mensual (${diaRange(st.periodStart, st.periodEnd)})`),
      );
      for (const line of st.lines) expect(text).toContain(toWinAnsi(lineItemText(line.item, 'es')));
      expect(text).toMatch(/Cargos\n/);
      expect(text).toMatch(new RegExp(`Total\\n${formatMoney(st.total).replace('$', '\\$')}`));
      expect(text).toMatch(/Monto a pagar\n\$0\.00/);
      expect(text).toContain('Estado: Pagado en su totalidad');
      // The payments that paid it, worded the same way, on the day they were made.
      for (const payment of document.payments) {
        expect(text).toContain(
          `${dia(payment.createdAt)} ${toWinAnsi(lineItemText(payment.item, 'es'))}`,
        );
      }
      expect(text).not.toContain('plan, monthly');
      expect(text).not.toContain('Card payment');

      const zoes = await exports.statementDocument(zoe.id, 'zoe-st-2026-10');
      const zoeText = await pdfText(await renderStatementPdf(zoes, 'es'));
      for (const words of [
        'Plan Starter 5 GB, mensual',
        'Impuestos estatales y locales',
        'Cargo regulatorio y del 911',
        // Words kept from before lines had kinds stay as they were.
        ADDON,
        CREDIT,
        'Pagado con el crédito de la cuenta',
        'Estado: Vencido desde el 10 oct 2026',
      ]) {
        expect(zoeText).toContain(words);
      }
      expect(zoeText).toContain('20 oct 2026 Declined by bank "retry later", please (fallido)');
    });

    it("is 404 statement_not_found for another subscriber's statement and for unknown ids", async () => {
      expectError(
        await t.get(`/v1/account/statements/${mariaStatements[0]!.id}/pdf`, dana.token),
        404,
        'statement_not_found',
      );
      expectError(
        await t.get('/v1/account/statements/zoe-st-2026-10/pdf', maria.token),
        404,
        'statement_not_found',
      );
      expectError(
        await t.get('/v1/account/statements/no-such-statement/pdf', maria.token),
        404,
        'statement_not_found',
      );
      expectError(
        await t.get('/v1/account/statements/bad.id/pdf', maria.token),
        400,
        'invalid_request',
      );
    });

    it('is 401 without a valid token', async () => {
      const url = `/v1/account/statements/${mariaStatements[0]!.id}/pdf`;
      expectError(await t.get(url), 401, 'unauthorized');
      expectError(await t.get(url, 'not-a-token'), 401, 'unauthorized');
    });

    it('renders the same bytes for the same statement, and refuses figures that do not add up', async () => {
      const input: StatementDocument = {
        statement: await detail(zoe.token, 'zoe-st-2026-10'),
        subscriber: { name: zoe.name, phone: zoe.phone },
        payments: [],
        creditApplied: { amountCents: 0, currency: 'USD' },
      };
      // Neither payments nor credit listed while 25.00 counts as paid.
      await expect(renderStatementPdf(input)).rejects.toBeInstanceOf(StatementTotalsError);
      const noPayments = {
        ...input,
        statement: { ...input.statement, paid: { amountCents: 0, currency: 'USD' } },
      };
      const a = await renderStatementPdf(noPayments);
      expect(a.equals(await renderStatementPdf(noPayments))).toBe(true);
      expect(await pdfText(a)).toContain('No payments applied to this statement yet.');
      const wrongTotal = {
        ...noPayments,
        statement: { ...noPayments.statement, total: { amountCents: 3699, currency: 'USD' } },
      };
      await expect(renderStatementPdf(wrongTotal)).rejects.toThrow(/lines sum to 3698/);
    });
  });

  describe('CSV exports', () => {
    it('statements.csv has a header and one row per statement, newest first', async () => {
      const res = await t.get('/v1/account/statements.csv', maria.token);
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="airtime-statements.csv"',
      );
      expect(res.body.split('\r\n')[0]).toBe(
        'statement_id,period_start,period_end,issue_date,due_date,plan,total,paid,amount_due,currency,status',
      );
      const records = csvRecords(res);
      expect(records.map((r) => r['statement_id'])).toEqual(mariaStatements.map((s) => s.id));
      for (const [i, s] of mariaStatements.entries()) {
        expect(records[i]).toMatchObject({
          period_start: s.periodStart,
          period_end: s.periodEnd,
          issue_date: s.issuedAt.slice(0, 10),
          due_date: s.dueDate,
          total: dollars(s.total.amountCents),
          currency: 'USD',
          status: s.status,
        });
      }
    });

    it('statements.csv shows paid and amount due', async () => {
      const records = csvRecords(await t.get('/v1/account/statements.csv', zoe.token));
      expect(
        records.map((r) => [
          r['statement_id'],
          r['total'],
          r['paid'],
          r['amount_due'],
          r['status'],
        ]),
      ).toEqual([
        ['zoe-st-2026-10', '36.98', '25.00', '11.98', 'overdue'],
        ['zoe-st-2026-09', '10.00', '10.00', '0.00', 'paid'],
        ['zoe-st-2025-12', '25.00', '25.00', '0.00', 'paid'],
      ]);
    });

    it('payments.csv quotes commas, quotes and line breaks, and defuses formulas', async () => {
      const res = await t.get('/v1/account/payments.csv', zoe.token);
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="airtime-payments.csv"',
      );
      const records = csvRecords(res);
      expect(records.map((r) => r['payment_id'])).toEqual([
        'zoe-pay-3',
        'zoe-pay-2',
        'zoe-pay-1',
        'zoe-pay-4',
        'zoe-pay-5',
      ]);
      const byId = new Map(records.map((r) => [r['payment_id'], r]));
      expect(byId.get('zoe-pay-1')).toEqual({
        payment_id: 'zoe-pay-1',
        created_at: '2026-10-09T15:00:00.000Z',
        amount: '20.00',
        currency: 'USD',
        method: 'card',
        description: 'Card payment, part 1',
        card_last4: '4242',
        status: 'succeeded',
        statement_id: 'zoe-st-2026-10',
      });
      expect(byId.get('zoe-pay-2')!['description']).toBe(MULTILINE);
      expect(byId.get('zoe-pay-2')!['status']).toBe('failed');
      expect(byId.get('zoe-pay-3')!['description']).toBe(`'${FORMULA}`);
      expect(byId.get('zoe-pay-3')!['statement_id']).toBe('');
      expect(byId.get('zoe-pay-3')!['card_last4']).toBe('');
      expect(byId.get('zoe-pay-4')!['description']).toBe("'+1 bonus");
      expect(byId.get('zoe-pay-5')!['description']).toBe("'@SUM(A1:A9)");
      // On the wire: quoted, quotes doubled, the formula prefixed inside the quotes.
      expect(res.body).toContain('"Card payment, part 1"');
      expect(res.body).toContain('"Declined by bank\n""retry later"", please"');
      expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
      // No cell of the file starts with a formula character.
      for (const r of records)
        for (const cell of Object.values(r)) expect(cell, cell).not.toMatch(/^[=+@]/);
    });

    it('payments.csv words each payment in the language asked for, English by default', async () => {
      const english = csvRecords(await t.get('/v1/account/payments.csv', maria.token));
      const spanish = csvRecords(await t.get('/v1/account/payments.csv?lang=es', maria.token));
      expect(spanish.map((r) => r['payment_id'])).toEqual(english.map((r) => r['payment_id']));
      const words = (records: Record<string, string>[], method: string) => [
        ...new Set(records.filter((r) => r['method'] === method).map((r) => r['description'])),
      ];
      // Maria's demo history: card payments with the card's last digits, and refill cards.
      expect(words(english, 'card')).toEqual([`Card payment ending in ${MARIA.cardLast4}`]);
      expect(words(spanish, 'card')).toEqual([`Pago con tarjeta terminada en ${MARIA.cardLast4}`]);
      expect(words(english, 'refill_pin')).toEqual(['Refill card']);
      expect(words(spanish, 'refill_pin')).toEqual(['Tarjeta de recarga']);
      // Everything but the description is codes and figures, the same in both.
      for (const [i, r] of spanish.entries()) {
        expect({ ...r, description: '' }).toEqual({ ...english[i], description: '' });
      }
      expect(csvRecords(await t.get('/v1/account/payments.csv?lang=en', maria.token))).toEqual(
        english,
      );
      // Words kept from before lines had kinds stay as they were, and stay defused.
      const zoes = csvRecords(await t.get('/v1/account/payments.csv?lang=es', zoe.token));
      expect(zoes.find((r) => r['payment_id'] === 'zoe-pay-3')!['description']).toBe(`'${FORMULA}`);
      const error = expectError(
        await t.get('/v1/account/payments.csv?lang=fr', maria.token),
        400,
        'invalid_request',
      );
      expect(error.issues?.map((i) => i.path)).toEqual(['querystring.lang']);
      expect(
        csvRecords(await t.get('/v1/account/statements.csv?lang=es', maria.token)),
      ).toHaveLength(12);
    });

    it('a line description starting with a minus sign is text, an amount stays a number', async () => {
      const records = csvRecords(
        await t.get('/v1/account/statements.csv?maxAmountCents=0', zoe.token),
      );
      expect(records).toEqual([]);
      const { csvField } = await import('../../server/src/billing/csv');
      expect(csvField(CREDIT)).toBe(`'${CREDIT}`);
      expect(csvField({ cents: -200 })).toBe('-2.00');
      expect(csvField({ cents: 5 })).toBe('0.05');
    });

    it('takes the same filters as the list', async () => {
      const month = csvRecords(await t.get('/v1/account/statements.csv?month=2026-09', zoe.token));
      expect(month.map((r) => r['statement_id'])).toEqual(['zoe-st-2026-09']);
      const range = csvRecords(
        await t.get('/v1/account/statements.csv?from=2025-12&to=2026-09', zoe.token),
      );
      expect(range.map((r) => r['statement_id'])).toEqual(['zoe-st-2026-09', 'zoe-st-2025-12']);
      const payments = csvRecords(
        await t.get('/v1/account/payments.csv?month=2026-10&minAmountCents=1700', zoe.token),
      );
      expect(payments.map((r) => r['payment_id'])).toEqual(['zoe-pay-1']);
      const paymentRange = csvRecords(
        await t.get(
          '/v1/account/payments.csv?from=2026-09&to=2026-10&maxAmountCents=1698',
          zoe.token,
        ),
      );
      expect(paymentRange.map((r) => r['payment_id'])).toEqual(['zoe-pay-2', 'zoe-pay-4']);
      const error = expectError(
        await t.get('/v1/account/payments.csv?from=2026-10&to=2026-09', zoe.token),
        400,
        'invalid_request',
      );
      expect(error.issues).toEqual([
        { path: 'querystring.to', message: 'to must not be before from.' },
      ]);
      expectError(
        await t.get('/v1/account/statements.csv?limit=5', zoe.token),
        400,
        'invalid_request',
      );
    });

    it('only exports the signed-in subscriber’s rows, and needs a token', async () => {
      const records = csvRecords(await t.get('/v1/account/payments.csv', dana.token));
      expect(records.length).toBeGreaterThan(0);
      expect(records.every((r) => r['payment_id']!.startsWith('demo-0142-'))).toBe(true);
      expectError(await t.get('/v1/account/statements.csv'), 401, 'unauthorized');
      expectError(await t.get('/v1/account/payments.csv'), 401, 'unauthorized');
    });
  });

  describe('GET /v1/account/statements filters', () => {
    const list = async (query: string, token = maria.token) => {
      const res = await t.get(`/v1/account/statements?${query}`, token);
      expect(res.statusCode, res.body).toBe(200);
      return StatementList.parse(res.json());
    };

    it('without filters answers as before', async () => {
      expect(mariaStatements).toHaveLength(12);
      const page = await list('limit=5');
      expect(page.items).toEqual(mariaStatements.slice(0, 5));
      expect(page.nextCursor).not.toBeNull();
    });

    it('month selects the statement whose period starts in that month', async () => {
      const target = mariaStatements[4]!;
      const page = await list(`month=${target.periodStart.slice(0, 7)}`);
      expect(page.items).toEqual([target]);
      expect(page.nextCursor).toBeNull();
      expect((await list('month=2001-01')).items).toEqual([]);
    });

    it('from/to is an inclusive range of months, and pages through with the cursor', async () => {
      const from = mariaStatements[9]!.periodStart.slice(0, 7);
      const to = mariaStatements[2]!.periodStart.slice(0, 7);
      const expected = mariaStatements.slice(2, 10);
      const seen: StatementSummary[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: StatementList = await list(
          `from=${from}&to=${to}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);
      expect((await list(`from=${from}`)).items).toEqual(mariaStatements.slice(0, 10));
      expect((await list(`to=${to}&limit=100`)).items).toEqual(mariaStatements.slice(2));
    });

    it('minAmountCents and maxAmountCents bound the total, inclusively', async () => {
      const ids = async (q: string) => (await list(q, zoe.token)).items.map((s) => s.id);
      expect(await ids('minAmountCents=2500')).toEqual(['zoe-st-2026-10', 'zoe-st-2025-12']);
      expect(await ids('maxAmountCents=2500')).toEqual(['zoe-st-2026-09', 'zoe-st-2025-12']);
      expect(await ids('minAmountCents=1000&maxAmountCents=1000')).toEqual(['zoe-st-2026-09']);
      expect(await ids('from=2026-01&minAmountCents=1001')).toEqual(['zoe-st-2026-10']);
    });

    it.each([
      ['month=2026-13', 'querystring.month'],
      ['month=2026-1', 'querystring.month'],
      ['from=26-01', 'querystring.from'],
      ['to=2026-10-01', 'querystring.to'],
      ['month=2026-10&from=2026-01', 'querystring.month'],
      ['month=2026-10&to=2026-11', 'querystring.month'],
      ['from=2026-10&to=2026-09', 'querystring.to'],
      ['minAmountCents=-1', 'querystring.minAmountCents'],
      ['minAmountCents=1.5', 'querystring.minAmountCents'],
      ['maxAmountCents=lots', 'querystring.maxAmountCents'],
      ['minAmountCents=500&maxAmountCents=100', 'querystring.maxAmountCents'],
      ['status=paid', 'querystring'],
    ])('%s is 400 invalid_request naming %s', async (query, issuePath) => {
      const error = expectError(
        await t.get(`/v1/account/statements?${query}`, maria.token),
        400,
        'invalid_request',
      );
      expect(error.issues?.map((i) => i.path)).toContain(issuePath);
    });
  });

  describe('statements and the ledger', () => {
    /**
     * For every demo statement: the total is the sum of its lines, each line has exactly one
     * ledger charge tagged with the statement (same kind, item, and the negated amount),
     * the statement's charges are the only charges booked in its period, and its payments are in
     * the ledger as credits. Statements are stored, not derived from the ledger at read time, so
     * this is the check that the two records agree.
     */
    it.each(DEMO_SUBSCRIBERS.map((d) => [d.name, d] as const))(
      'agree for %s',
      async (_name, demo) => {
        const db = t.testDb.database.db;
        const subscriberId = `demo-${demo.phone.slice(-4)}`;
        const statements = await db
          .selectFrom('statements')
          .selectAll()
          .where('subscriber_id', '=', subscriberId)
          .orderBy('period_start')
          .execute();
        expect(statements).toHaveLength(12);
        const ledger = await db
          .selectFrom('ledger_entries')
          .selectAll()
          .where('subscriber_id', '=', subscriberId)
          .execute();
        const charges = ledger.filter((e) => !['payment', 'refill'].includes(e.kind));
        const ledgerKind = (kind: string) =>
          kind === 'plan' ? 'plan_charge' : kind === 'addon' ? 'addon_charge' : kind;

        for (const st of statements) {
          const lines = await db
            .selectFrom('statement_lines')
            .selectAll()
            .where('statement_id', '=', st.id)
            .orderBy('position')
            .execute();
          expect(lines.length).toBeGreaterThan(0);
          expect(
            lines.reduce((t, l) => t + l.amount_cents, 0),
            st.id,
          ).toBe(st.total_cents);

          const tagged = charges.filter((e) => e.statement_id === st.id);
          const asLines = (rows: { kind: string; item: string; amount_cents: number }[]) =>
            rows.map((r) => `${r.kind}|${r.item}|${r.amount_cents}`).sort();
          expect(asLines(tagged), st.id).toEqual(
            asLines(
              lines.map((l) => ({
                kind: ledgerKind(l.kind),
                item: l.item,
                amount_cents: -l.amount_cents,
              })),
            ),
          );
          // Booked inside the statement's period, and nothing else charged in that period.
          const start = Date.parse(`${st.period_start}T00:00:00Z`);
          const end = Date.parse(`${st.period_end}T00:00:00Z`) + 86_400_000;
          const inPeriod = charges.filter(
            (e) => Number(e.created_at) >= start && Number(e.created_at) < end,
          );
          expect(inPeriod.map((e) => e.id).sort(), st.id).toEqual(tagged.map((e) => e.id).sort());

          // The statement's payments are credits in the ledger, and together they pay it.
          const payments = await db
            .selectFrom('payments')
            .selectAll()
            .where('statement_id', '=', st.id)
            .execute();
          for (const p of payments) {
            const credit = ledger.filter((e) => e.payment_id === p.id);
            expect(credit.map((e) => e.amount_cents)).toEqual([p.amount_cents]);
          }
          expect(
            payments
              .filter((p) => p.status === 'succeeded')
              .reduce((t, p) => t + p.amount_cents, 0),
          ).toBe(st.total_cents);
        }
        // Every charge in the ledger belongs to a statement.
        expect(charges.every((e) => statements.some((s) => s.id === e.statement_id))).toBe(true);

        // And the API's own figures agree with the lines.
        const { token } = await (async () => {
          const body = SignInResponse.parse(
            (
              await t.post('/v1/auth/sign-in', { phone: demo.display, password: demo.password })
            ).json(),
          );
          return { token: body.accessToken };
        })();
        const newest = await detail(token, statements.at(-1)!.id);
        expect(newest.subtotal.amountCents + newest.taxesAndFees.amountCents).toBe(
          newest.total.amountCents,
        );
      },
    );
  });
});
