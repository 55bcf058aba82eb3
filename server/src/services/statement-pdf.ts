import PDFDocument from 'pdfkit';
import type { Payment, StatementDetail } from '../../../contract/http/account';
import { formatMoney, sumMoney, type Money } from '../../../contract/money';
import { formatPhone } from '../../../contract/phone';

/** Everything a statement PDF shows; loaded by the caller so rendering needs no database. */
export interface StatementDocument {
  statement: StatementDetail;
  subscriber: { name: string; phone: string };
  /** Payments made against this statement, oldest first (failed and refunded ones included). */
  payments: readonly Payment[];
  /**
   * The part of `statement.paid` that did not come from the successful payments listed: positive
   * when the account's earlier money paid toward it, negative when part of those payments went
   * to older statements first or stayed on the account as credit.
   */
  creditApplied: Money;
}

/** A statement whose figures do not add up: never rendered as a document a customer relies on. */
export class StatementTotalsError extends Error {
  constructor(statementId: string, detail: string) {
    super(`Statement ${statementId} does not add up: ${detail}`);
    this.name = 'StatementTotalsError';
  }
}

export function statementPdfFilename(statement: Pick<StatementDetail, 'periodStart'>): string {
  return `airtime-statement-${statement.periodStart.slice(0, 7)}.pdf`;
}

const dayFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

/** `2026-11-25` → `Nov 25, 2026`; days are calendar days in UTC, as everywhere in the API. */
export function formatStatementDay(isoDay: string): string {
  return dayFormat.format(new Date(`${isoDay.slice(0, 10)}T00:00:00Z`));
}

const METHOD_LABELS: Record<Payment['method'], string> = {
  card: 'Card',
  refill_pin: 'Refill PIN',
  autopay: 'AutoPay',
  cash: 'Cash',
};

/** Characters that WinAnsi (the encoding of the standard PDF fonts) has beyond Latin-1. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/**
 * The built-in Helvetica only has WinAnsi glyphs; anything else would come out as a wrong
 * glyph, so it is shown as `?` instead. Control characters (a newline in a description) become
 * spaces so one line item stays one row.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0 && !WIN_ANSI_EXTRA.has(ch))) out += ' ';
    else if (code <= 0xff || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else out += '?';
  }
  return out;
}

/**
 * Checks the figures before anything is drawn: the charge lines add up to the total, the
 * subtotal and taxes split it exactly, and the successful payments add up to what was paid.
 */
export function assertStatementAddsUp(doc: StatementDocument): void {
  const { statement } = doc;
  const currency = statement.total.currency;
  const charges = statement.lines.filter((l) => l.kind !== 'payment');
  const linesTotal = sumMoney(
    charges.map((l) => l.amount),
    currency,
  );
  if (linesTotal.amountCents !== statement.total.amountCents) {
    throw new StatementTotalsError(
      statement.id,
      `lines sum to ${linesTotal.amountCents}, total is ${statement.total.amountCents}`,
    );
  }
  const split = sumMoney([statement.subtotal, statement.taxesAndFees], currency);
  if (split.amountCents !== statement.total.amountCents) {
    throw new StatementTotalsError(
      statement.id,
      `subtotal and taxes sum to ${split.amountCents}, total is ${statement.total.amountCents}`,
    );
  }
  const paid = sumMoney(
    [
      ...doc.payments.filter((p) => p.status === 'succeeded').map((p) => p.amount),
      doc.creditApplied,
    ],
    currency,
  );
  if (paid.amountCents !== statement.paid.amountCents) {
    throw new StatementTotalsError(
      statement.id,
      `payments and account credit sum to ${paid.amountCents}, paid is ${statement.paid.amountCents}`,
    );
  }
}

/** What is still owed on a statement; never negative (overpayment stays as account credit). */
export function amountDue(statement: StatementDetail): Money {
  return {
    amountCents: Math.max(0, statement.total.amountCents - statement.paid.amountCents),
    currency: statement.total.currency,
  };
}

export function statusLine(statement: StatementDetail): string {
  switch (statement.status) {
    case 'paid':
      return 'Paid in full';
    case 'due':
      return `Due by ${formatStatementDay(statement.dueDate)}`;
    case 'overdue':
      return `Overdue since ${formatStatementDay(statement.dueDate)}`;
  }
}

const MARGIN = 54;
const AMOUNT_WIDTH = 110;
const GAP = 12;

/**
 * Renders one statement as a PDF (US Letter, the standard Helvetica fonts, so no font files
 * and no network). Pure: the same document gives the same bytes, as the creation date is the
 * statement's issue time rather than the clock.
 */
export async function renderStatementPdf(input: StatementDocument): Promise<Buffer> {
  assertStatementAddsUp(input);
  const { statement, subscriber, payments, creditApplied } = input;
  const pdf = new PDFDocument({
    size: 'LETTER',
    margin: MARGIN,
    info: {
      Title: `Airtime statement ${statement.periodStart.slice(0, 7)}`,
      Author: 'Airtime',
      CreationDate: new Date(statement.issuedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const left = MARGIN;
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN;
  let y = MARGIN;

  const ensureRoom = (height: number) => {
    if (y + height > bottom()) {
      pdf.addPage();
      y = MARGIN;
    }
  };
  /** One row: wrapped text on the left, an amount right-aligned in its own column. */
  const row = (label: string, amount: string, options: { bold?: boolean; size?: number } = {}) => {
    pdf.font(options.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(options.size ?? 10);
    const text = toWinAnsi(label);
    const labelWidth = width - AMOUNT_WIDTH - GAP;
    const height = Math.max(
      pdf.heightOfString(text, { width: labelWidth }),
      pdf.currentLineHeight(),
    );
    ensureRoom(height);
    pdf.text(text, left, y, { width: labelWidth });
    pdf.text(toWinAnsi(amount), left + width - AMOUNT_WIDTH, y, {
      width: AMOUNT_WIDTH,
      align: 'right',
      lineBreak: false,
    });
    y += height + 5;
  };
  const heading = (text: string) => {
    y += 10;
    ensureRoom(40);
    pdf.font('Helvetica-Bold').fontSize(12).text(toWinAnsi(text), left, y, { width });
    y += pdf.currentLineHeight() + 3;
    pdf
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    y += 6;
  };
  const rule = () => {
    pdf
      .moveTo(left + width - AMOUNT_WIDTH - GAP, y - 2)
      .lineTo(left + width, y - 2)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    y += 4;
  };

  pdf.font('Helvetica-Bold').fontSize(24).fillColor('#000000').text('Airtime', left, y);
  pdf
    .font('Helvetica')
    .fontSize(11)
    .text('Monthly statement', left, y + 8, { width, align: 'right' });
  y += 40;

  pdf.font('Helvetica-Bold').fontSize(11).text(toWinAnsi(subscriber.name), left, y, { width });
  y += pdf.currentLineHeight() + 2;
  pdf.font('Helvetica').fontSize(10).text(formatPhone(subscriber.phone), left, y, { width });
  y += pdf.currentLineHeight() + 10;

  const facts: [string, string][] = [
    [
      'Statement period',
      `${formatStatementDay(statement.periodStart)} – ${formatStatementDay(statement.periodEnd)}`,
    ],
    ['Issue date', formatStatementDay(statement.issuedAt)],
    ['Due date', formatStatementDay(statement.dueDate)],
    ['Plan', statement.planName],
    ['Statement number', statement.id],
  ];
  for (const [label, value] of facts) {
    pdf.font('Helvetica-Bold').fontSize(10).text(label, left, y, { width: 130 });
    pdf
      .font('Helvetica')
      .text(toWinAnsi(value), left + 140, y, { width: width - 140, lineBreak: false });
    y += pdf.currentLineHeight() + 4;
  }

  heading('Charges');
  for (const line of statement.lines) row(line.description, formatMoney(line.amount));
  rule();
  row('Subtotal', formatMoney(statement.subtotal));
  row('Taxes and fees', formatMoney(statement.taxesAndFees));
  row('Total', formatMoney(statement.total), { bold: true });

  heading('Payments applied');
  if (payments.length === 0 && creditApplied.amountCents === 0) {
    row('No payments applied to this statement yet.', '');
  }
  for (const payment of payments) {
    const method = METHOD_LABELS[payment.method];
    const card = payment.cardLast4 ? ` ending in ${payment.cardLast4}` : '';
    const status = payment.status === 'succeeded' ? '' : ` (${payment.status})`;
    row(
      `${formatStatementDay(payment.createdAt)}  ${method}${card}: ${payment.description}${status}`,
      formatMoney(payment.amount),
    );
  }
  if (creditApplied.amountCents > 0) {
    row('Paid from account credit', formatMoney(creditApplied));
  } else if (creditApplied.amountCents < 0) {
    row('Applied to earlier statements or kept as account credit', formatMoney(creditApplied));
  }
  rule();
  row('Amount paid', formatMoney(statement.paid));
  row('Amount due', formatMoney(amountDue(statement)), { bold: true, size: 11 });
  y += 4;
  ensureRoom(20);
  pdf
    .font('Helvetica-Bold')
    .fontSize(11)
    .text(`Status: ${statusLine(statement)}`, left, y, { width });

  pdf.end();
  return done;
}
