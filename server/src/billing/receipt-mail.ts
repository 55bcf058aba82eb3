import type { Kysely } from 'kysely';
import { CARD_BRAND_NAMES } from '../../../contract/cards';
import type { Receipt } from '../../../contract/http/payments';
import type { PlanChangeReceipt } from '../../../contract/http/plans';
import { lineItemText } from '../../../contract/line-item-words';
import type { ReceiptEmailResponse } from '../../../contract/http/kiosk';
import { formatMoney, type Money } from '../../../contract/money';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { HOUR_MS } from '../clock';
import type { Delivery } from '../delivery/types';
import { ApiHttpError } from '../errors';
import { recordWindowedFailure } from '../auth/captcha';
import { withBudgetLocks } from '../db/budget-lock';
import { formatNoticeTime } from '../security/security-notices';
import type { PaymentService } from './payment-service';
import { maskEmail } from '../auth/recovery-service';
import { planChangeReceipt } from '../account/plan-change-receipt';

export interface ReceiptMailLimit {
  /** E-mails of one receipt allowed within `windowMs`. */
  max: number;
  windowMs: number;
}

export const DEFAULT_RECEIPT_MAIL_LIMIT: ReceiptMailLimit = { max: 5, windowMs: HOUR_MS };

const FOOTER =
  'You get this message because you asked for this receipt. Airtime never asks for your ' +
  'password, a code or card details by e-mail.';

const METHODS: Record<Receipt['method'], string> = {
  card: 'Card',
  refill_pin: 'Refill PIN',
  autopay: 'AutoPay',
  cash: 'Cash',
};

const STATUSES: Record<Receipt['status'], string> = {
  succeeded: 'Paid',
  failed: 'Failed (nothing was charged)',
  refunded: 'Refunded',
};

/** `$12.00 in credit`, `$5.00 due` or `$0.00`: a balance as a subscriber reads it. */
function balanceWords(balance: Money): string {
  if (balance.amountCents > 0) return `${formatMoney(balance)} in credit`;
  if (balance.amountCents < 0)
    return `${formatMoney({ ...balance, amountCents: -balance.amountCents })} due`;
  return formatMoney(balance);
}

function line(label: string, amount: string): string {
  return `  ${label.padEnd(44)} ${amount}`;
}

export function paymentReceiptText(
  receipt: Receipt,
  name: string,
): { subject: string; text: string } {
  const method = receipt.card
    ? `${CARD_BRAND_NAMES[receipt.card.brand]} ending in ${receipt.card.last4}`
    : METHODS[receipt.method];
  const kind = receipt.method === 'refill_pin' ? 'refill' : 'payment';
  return {
    subject: `Your Airtime receipt ${receipt.receiptNumber}`,
    text: [
      `Hello ${name},`,
      '',
      `Here is the receipt for your ${kind} of ${formatMoney(receipt.amount)}.`,
      '',
      `Receipt: ${receipt.receiptNumber}`,
      `Date: ${formatNoticeTime(Date.parse(receipt.createdAt))}`,
      `Paid with: ${method}`,
      `Status: ${STATUSES[receipt.status]}`,
      '',
      ...receipt.items.map((i) => line(lineItemText(i.item, 'en'), formatMoney(i.amount))),
      line('Total', formatMoney(receipt.amount)),
      '',
      ...(receipt.balanceAfter
        ? [`Balance after this ${kind}: ${balanceWords(receipt.balanceAfter)}`, '']
        : []),
      '--',
      FOOTER,
      '',
    ].join('\n'),
  };
}

export function planChangeReceiptText(
  receipt: PlanChangeReceipt,
  name: string,
): { subject: string; text: string } {
  const when =
    receipt.when === 'now'
      ? `It took effect at once, on ${receipt.effectiveOn}; the days left in this cycle are prorated.`
      : `It takes effect at your renewal, on ${receipt.effectiveOn}; nothing was charged now.`;
  const status =
    receipt.status === 'cancelled'
      ? ['This change was cancelled before its renewal day: you stayed on your plan.', '']
      : [];
  const net = receipt.netCharge.amountCents;
  return {
    subject: `Your Airtime plan change: ${receipt.fromPlan.name} to ${receipt.toPlan.name}`,
    text: [
      `Hello ${name},`,
      '',
      `Here is the receipt for your plan change from ${receipt.fromPlan.name} to ${receipt.toPlan.name}.`,
      when,
      '',
      ...status,
      `Change: ${receipt.changeId}`,
      `Date: ${formatNoticeTime(Date.parse(receipt.createdAt))}`,
      '',
      ...receipt.lines.map((l) => line(lineItemText(l.item, 'en'), formatMoney(l.amount))),
      net >= 0
        ? line('Charged to your balance', formatMoney(receipt.netCharge))
        : line('Added to your balance', formatMoney({ ...receipt.netCharge, amountCents: -net })),
      '',
      ...(receipt.balanceAfter
        ? [`Balance after this change: ${balanceWords(receipt.balanceAfter)}`, '']
        : []),
      '--',
      FOOTER,
      '',
    ].join('\n'),
  };
}

/**
 * E-mails a receipt to the account's own address, never anywhere else, and keeps nothing of it.
 * Sent while the request waits, so the answer can say it went (and where, masked). A few per
 * receipt an hour: enough to retry, not enough to flood a mailbox.
 */
export class ReceiptMailer {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly delivery: Delivery,
    private readonly payments: PaymentService,
    private readonly limit: ReceiptMailLimit = DEFAULT_RECEIPT_MAIL_LIMIT,
  ) {}

  async emailPayment(subscriberId: string, paymentId: string): Promise<ReceiptEmailResponse> {
    const receipt = await this.payments.receipt(subscriberId, paymentId);
    return this.send(subscriberId, `receipt:payment:${receipt.paymentId}`, (name) =>
      paymentReceiptText(receipt, name),
    );
  }

  async planChangeReceipt(subscriberId: string, changeId: string): Promise<PlanChangeReceipt> {
    return planChangeReceipt(this.db, subscriberId, changeId);
  }

  async emailPlanChange(subscriberId: string, changeId: string): Promise<ReceiptEmailResponse> {
    const receipt = await planChangeReceipt(this.db, subscriberId, changeId);
    return this.send(subscriberId, `receipt:plan-change:${receipt.changeId}`, (name) =>
      planChangeReceiptText(receipt, name),
    );
  }

  private async send(
    subscriberId: string,
    counterKey: string,
    message: (name: string) => { subject: string; text: string },
  ): Promise<ReceiptEmailResponse> {
    const subscriber = await this.db
      .selectFrom('subscribers')
      .select(['name', 'email'])
      .where('id', '=', subscriberId)
      .executeTakeFirst();
    const email = subscriber?.email.trim() ?? '';
    if (!subscriber || !email.includes('@')) {
      throw new ApiHttpError(
        409,
        'invalid_request',
        'This account has no e-mail address to send the receipt to. Add one under Security, or print the receipt.',
      );
    }
    const sender = this.delivery.email;
    if (!sender) {
      throw new ApiHttpError(
        503,
        'service_unavailable',
        'This service cannot send e-mail. Print the receipt instead.',
      );
    }
    const now = this.clock.now();
    // Counted before sending, and in one step with the check under the counter's lock: of a
    // burst of requests only the allowed number find room, and a send that fails still counts.
    const retryAfterSeconds = await withBudgetLocks(this.db, [counterKey], now, async (trx) => {
      const sent = await trx
        .selectFrom('risk_counters')
        .select(['failures', 'window_started_at'])
        .where('key', '=', counterKey)
        .where('window_started_at', '>', now - this.limit.windowMs)
        .executeTakeFirst();
      if (sent && sent.failures >= this.limit.max) {
        const until = Number(sent.window_started_at) + this.limit.windowMs;
        return Math.max(1, Math.ceil((until - now) / 1000));
      }
      await recordWindowedFailure(trx, [counterKey], now, this.limit.windowMs);
      return null;
    });
    if (retryAfterSeconds !== null) {
      throw new ApiHttpError(
        429,
        'rate_limited',
        'This receipt was just e-mailed several times. Check your inbox, or try again later.',
        { retryAfterSeconds },
      );
    }
    try {
      await sender.send({ to: email, ...message(subscriber.name) });
    } catch {
      throw new ApiHttpError(
        502,
        'delivery_failed',
        'The receipt could not be e-mailed just now. Try again in a moment, or print it.',
      );
    }
    return { sentTo: maskEmail(email) };
  }
}
