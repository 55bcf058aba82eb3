import { createHash, randomBytes } from 'node:crypto';
import type { CardBrand, Receipt } from '../../../contract/http/payments';
import type { PaymentsTable } from '../db/schema';
import { readLineItem } from './line-items';

export function receiptNumber(now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `R-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

/** A payment as its receipt. Payments recorded before receipts existed get a derived number. */
export function toReceipt(row: {
  id: string;
  amount_cents: number;
  currency: string;
  method: PaymentsTable['method'];
  card_last4: string | null;
  card_brand: string | null;
  status: PaymentsTable['status'];
  item: string;
  created_at: number;
  receipt_number: string | null;
  balance_after_cents: number | null;
}): Receipt {
  const amount = { amountCents: row.amount_cents, currency: row.currency };
  return {
    paymentId: row.id,
    receiptNumber:
      row.receipt_number ??
      `R-${createHash('sha256').update(row.id).digest('hex').slice(0, 12).toUpperCase()}`,
    createdAt: new Date(row.created_at).toISOString(),
    status: row.status,
    method: row.method,
    card: row.card_last4
      ? { brand: (row.card_brand ?? 'unknown') as CardBrand, last4: row.card_last4 }
      : null,
    items: [{ item: readLineItem(row.item), amount }],
    amount,
    balanceAfter:
      row.balance_after_cents === null
        ? null
        : { amountCents: row.balance_after_cents, currency: row.currency },
  };
}
