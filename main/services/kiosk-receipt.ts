import { CARD_BRAND_NAMES, type CardBrand } from '../../contract/cards';
import type { Receipt } from '../../contract/http/payments';
import type { PlanChangeReceipt } from '../../contract/http/plans';
import { lineItemText } from '../../contract/line-item-words';
import { formatMoney, type Money } from '../../contract/money';
import type { Language } from '../../contract/settings';

/**
 * The printed receipt: a small, plain HTML page built in memory from what the API answered and
 * handed straight to the printer. Nothing is kept, nothing is fetched (no images, no scripts,
 * no links), and every value from the API is escaped.
 */

const LABELS = {
  en: {
    title: 'Receipt',
    planTitle: 'Plan change',
    number: 'Receipt number',
    date: 'Date',
    statusLabel: 'Status',
    status: { succeeded: 'Paid', failed: 'Not paid', refunded: 'Refunded' },
    method: {
      card: 'Card',
      refill_pin: 'Refill PIN',
      autopay: 'AutoPay',
      cash: 'Cash',
    },
    paidWith: 'Paid with',
    total: 'Total',
    balanceAfter: 'Balance afterwards',
    change: 'Change',
    from: 'From',
    to: 'To',
    effectiveOn: 'Starts on',
    changeStatus: {
      applied: 'Applied',
      pending: 'Scheduled for the renewal',
      cancelled: 'Cancelled',
    },
    net: 'Taken from the balance',
    footer: 'Printed at a store kiosk. Airtime keeps no copy of this receipt.',
  },
  es: {
    title: 'Recibo',
    planTitle: 'Cambio de plan',
    number: 'Número de recibo',
    date: 'Fecha',
    statusLabel: 'Estado',
    status: { succeeded: 'Pagado', failed: 'No pagado', refunded: 'Reembolsado' },
    method: {
      card: 'Tarjeta',
      refill_pin: 'PIN de recarga',
      autopay: 'Pago automático',
      cash: 'Efectivo',
    },
    paidWith: 'Pagado con',
    total: 'Total',
    balanceAfter: 'Saldo después',
    change: 'Cambio',
    from: 'De',
    to: 'A',
    effectiveOn: 'Empieza el',
    changeStatus: {
      applied: 'Aplicado',
      pending: 'Programado para la renovación',
      cancelled: 'Cancelado',
    },
    net: 'Descontado del saldo',
    footer: 'Impreso en un quiosco de la tienda. Airtime no guarda ninguna copia de este recibo.',
  },
} as const;

const LOCALES: Record<Language, string> = { en: 'en-US', es: 'es-US' };

export interface ReceiptPrintOptions {
  storeName: string;
  language: Language;
  /** For tests; the kiosk's own time zone otherwise. */
  timeZone?: string;
}

/** `<`, `>`, `&`, `"` and `'` as entities: API text is data, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function page(title: string, options: ReceiptPrintOptions, rows: Array<[string, string]>) {
  const labels = LABELS[options.language];
  const body = rows
    .map(
      ([label, value]) =>
        `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  return [
    '<!doctype html>',
    `<html lang="${options.language}"><head><meta charset="utf-8">`,
    // Nothing in this page may load anything: it is printed from an empty in-memory session.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font:12pt sans-serif;margin:0 4mm}h1{font-size:14pt}table{width:100%;border-collapse:collapse}th{text-align:left;font-weight:normal}td{text-align:right}p{font-size:9pt}</style>',
    '</head><body>',
    `<h1>${escapeHtml(options.storeName)}</h1>`,
    `<h2>${escapeHtml(title)}</h2>`,
    `<table>${body}</table>`,
    `<p>${escapeHtml(labels.footer)}</p>`,
    '</body></html>',
  ].join('');
}

function dateText(iso: string, options: ReceiptPrintOptions, withTime: boolean): string {
  const date = new Date(withTime ? iso : `${iso}T12:00:00Z`);
  return new Intl.DateTimeFormat(LOCALES[options.language], {
    dateStyle: 'medium',
    ...(withTime ? { timeStyle: 'short' } : {}),
    ...(options.timeZone ? { timeZone: options.timeZone } : withTime ? {} : { timeZone: 'UTC' }),
  }).format(date);
}

/** A card's brand as printed on the receipt: the same in every language, but for an unknown one. */
function cardName(brand: CardBrand, language: Language): string {
  const name = brand === 'unknown' ? LABELS[language].method.card : CARD_BRAND_NAMES[brand];
  return name.toUpperCase();
}

/** A payment or refill receipt. */
export function paymentReceiptHtml(receipt: Receipt, options: ReceiptPrintOptions): string {
  const labels = LABELS[options.language];
  const money = (m: Money) => formatMoney(m, LOCALES[options.language]);
  const paidWith = receipt.card
    ? `${cardName(receipt.card.brand, options.language)} •••• ${receipt.card.last4}`
    : labels.method[receipt.method];
  const rows: Array<[string, string]> = [
    [labels.number, receipt.receiptNumber],
    [labels.date, dateText(receipt.createdAt, options, true)],
    ...receipt.items.map((line): [string, string] => [
      lineItemText(line.item, options.language),
      money(line.amount),
    ]),
    [labels.total, money(receipt.amount)],
    [labels.paidWith, paidWith],
    [labels.statusLabel, labels.status[receipt.status]],
  ];
  if (receipt.balanceAfter) rows.push([labels.balanceAfter, money(receipt.balanceAfter)]);
  return page(labels.title, options, rows);
}

/** A plan change's receipt: from which plan to which, when, and what moved on the balance. */
export function planChangeReceiptHtml(
  change: PlanChangeReceipt,
  options: ReceiptPrintOptions,
): string {
  const labels = LABELS[options.language];
  const money = (m: Money) => formatMoney(m, LOCALES[options.language]);
  const rows: Array<[string, string]> = [
    [labels.number, change.changeId],
    [labels.date, dateText(change.createdAt, options, true)],
    [labels.from, change.fromPlan.name],
    [labels.to, change.toPlan.name],
    [labels.change, labels.changeStatus[change.status]],
    [labels.effectiveOn, dateText(change.effectiveOn, options, false)],
    ...change.lines.map((line): [string, string] => [
      lineItemText(line.item, options.language),
      money(line.amount),
    ]),
    [labels.net, money(change.netCharge)],
  ];
  if (change.balanceAfter) rows.push([labels.balanceAfter, money(change.balanceAfter)]);
  return page(labels.planTitle, options, rows);
}
