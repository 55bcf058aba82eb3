import PDFDocument from 'pdfkit';
import type { Payment, StatementDetail } from '../../../contract/http/account';
import { LINE_ITEM_LOCALES, lineItemText } from '../../../contract/line-item-words';
import { formatMoney, sumMoney, type Money } from '../../../contract/money';
import { formatPhone } from '../../../contract/phone';
import type { Language } from '../../../contract/settings';

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

const DAY_FORMATS: Record<Language, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat(LINE_ITEM_LOCALES.en, { dateStyle: 'medium', timeZone: 'UTC' }),
  es: new Intl.DateTimeFormat(LINE_ITEM_LOCALES.es, { dateStyle: 'medium', timeZone: 'UTC' }),
};

/**
 * `2026-11-25` → `Nov 25, 2026` (`25 nov 2026` in Spanish); days are calendar days in UTC, as
 * everywhere in the API.
 */
export function formatStatementDay(isoDay: string, language: Language = 'en'): string {
  return DAY_FORMATS[language].format(new Date(`${isoDay.slice(0, 10)}T00:00:00Z`));
}

/** Everything the PDF says besides the figures and the lines' own words, in each language. */
const TEXTS = {
  en: {
    title: (month: string) => `Airtime statement ${month}`,
    monthly: 'Monthly statement',
    period: 'Statement period',
    issued: 'Issue date',
    due: 'Due date',
    plan: 'Plan',
    number: 'Statement number',
    charges: 'Charges',
    subtotal: 'Subtotal',
    taxesAndFees: 'Taxes and fees',
    total: 'Total',
    payments: 'Payments applied',
    noPayments: 'No payments applied to this statement yet.',
    paymentStatus: { failed: 'failed', refunded: 'refunded' },
    fromCredit: 'Paid from account credit',
    toCredit: 'Applied to earlier statements or kept as account credit',
    amountPaid: 'Amount paid',
    amountDue: 'Amount due',
    status: (status: string) => `Status: ${status}`,
    paid: 'Paid in full',
    dueBy: (day: string) => `Due by ${day}`,
    overdue: (day: string) => `Overdue since ${day}`,
  },
  es: {
    title: (month: string) => `Estado de cuenta de Airtime ${month}`,
    monthly: 'Estado de cuenta mensual',
    period: 'Período',
    issued: 'Fecha de emisión',
    due: 'Fecha de vencimiento',
    plan: 'Plan',
    number: 'Número',
    charges: 'Cargos',
    subtotal: 'Subtotal',
    taxesAndFees: 'Impuestos y cargos',
    total: 'Total',
    payments: 'Pagos aplicados',
    noPayments: 'Todavía no hay pagos aplicados a este estado de cuenta.',
    paymentStatus: { failed: 'fallido', refunded: 'reembolsado' },
    fromCredit: 'Pagado con el crédito de la cuenta',
    toCredit: 'Aplicado a estados de cuenta anteriores o guardado como crédito de la cuenta',
    amountPaid: 'Monto pagado',
    amountDue: 'Monto a pagar',
    status: (status: string) => `Estado: ${status}`,
    paid: 'Pagado en su totalidad',
    dueBy: (day: string) => `Vence el ${day}`,
    overdue: (day: string) => `Vencido desde el ${day}`,
  },
} satisfies Record<Language, unknown>;

/** Characters that WinAnsi (the encoding of the standard PDF fonts) has beyond Latin-1. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Spaces of other widths, such as the thin ones `Intl` puts around the dash of a range of days. */
const OTHER_SPACE = /^\p{Zs}$/u;

/**
 * The built-in Helvetica only has WinAnsi glyphs; anything else would come out as a wrong
 * glyph, so it is shown as `?` instead. Control characters (a newline in a description) and
 * spaces of other widths become plain spaces, so one line item stays one row and a range of days
 * reads as one.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0 && !WIN_ANSI_EXTRA.has(ch))) out += ' ';
    else if (code > 0xff && OTHER_SPACE.test(ch)) out += ' ';
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

export function statusLine(statement: StatementDetail, language: Language = 'en'): string {
  const texts = TEXTS[language];
  switch (statement.status) {
    case 'paid':
      return texts.paid;
    case 'due':
      return texts.dueBy(formatStatementDay(statement.dueDate, language));
    case 'overdue':
      return texts.overdue(formatStatementDay(statement.dueDate, language));
  }
}

/** A payment as a row of "Payments applied": its day, what it was, and how it ended if not paid. */
function paymentRow(payment: Payment, language: Language): string {
  const day = formatStatementDay(payment.createdAt, language);
  const status =
    payment.status === 'succeeded' ? '' : ` (${TEXTS[language].paymentStatus[payment.status]})`;
  return `${day}  ${lineItemText(payment.item, language)}${status}`;
}

const MARGIN = 54;
const AMOUNT_WIDTH = 110;
const GAP = 12;

/**
 * Renders one statement as a PDF (US Letter, the standard Helvetica fonts, so no font files
 * and no network), every text in `language`. Pure: the same document gives the same bytes, as
 * the creation date is the statement's issue time rather than the clock.
 */
export async function renderStatementPdf(
  input: StatementDocument,
  language: Language = 'en',
): Promise<Buffer> {
  assertStatementAddsUp(input);
  const { statement, subscriber, payments, creditApplied } = input;
  const texts = TEXTS[language];
  const day = (isoDay: string) => formatStatementDay(isoDay, language);
  const money = (value: Money) => formatMoney(value, LINE_ITEM_LOCALES[language]);
  const pdf = new PDFDocument({
    size: 'LETTER',
    margin: MARGIN,
    lang: LINE_ITEM_LOCALES[language],
    info: {
      Title: texts.title(statement.periodStart.slice(0, 7)),
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
    .text(toWinAnsi(texts.monthly), left, y + 8, { width, align: 'right' });
  y += 40;

  pdf.font('Helvetica-Bold').fontSize(11).text(toWinAnsi(subscriber.name), left, y, { width });
  y += pdf.currentLineHeight() + 2;
  pdf.font('Helvetica').fontSize(10).text(formatPhone(subscriber.phone), left, y, { width });
  y += pdf.currentLineHeight() + 10;

  const facts: [string, string][] = [
    [texts.period, `${day(statement.periodStart)} – ${day(statement.periodEnd)}`],
    [texts.issued, day(statement.issuedAt)],
    [texts.due, day(statement.dueDate)],
    [texts.plan, statement.planName],
    [texts.number, statement.id],
  ];
  for (const [label, value] of facts) {
    pdf.font('Helvetica-Bold').fontSize(10).text(toWinAnsi(label), left, y, { width: 130 });
    pdf
      .font('Helvetica')
      .text(toWinAnsi(value), left + 140, y, { width: width - 140, lineBreak: false });
    y += pdf.currentLineHeight() + 4;
  }

  heading(texts.charges);
  for (const line of statement.lines) row(lineItemText(line.item, language), money(line.amount));
  rule();
  row(texts.subtotal, money(statement.subtotal));
  row(texts.taxesAndFees, money(statement.taxesAndFees));
  row(texts.total, money(statement.total), { bold: true });

  heading(texts.payments);
  if (payments.length === 0 && creditApplied.amountCents === 0) {
    row(texts.noPayments, '');
  }
  for (const payment of payments) row(paymentRow(payment, language), money(payment.amount));
  if (creditApplied.amountCents > 0) {
    row(texts.fromCredit, money(creditApplied));
  } else if (creditApplied.amountCents < 0) {
    row(texts.toCredit, money(creditApplied));
  }
  rule();
  row(texts.amountPaid, money(statement.paid));
  row(texts.amountDue, money(amountDue(statement)), { bold: true, size: 11 });
  y += 4;
  ensureRoom(20);
  pdf
    .font('Helvetica-Bold')
    .fontSize(11)
    .text(toWinAnsi(texts.status(statusLine(statement, language))), left, y, { width });

  pdf.end();
  return done;
}
