import type { CardBrand, Payment } from '../../../../contract/http/account';
import type { Receipt } from '../../../../contract/http/payments';
import type { Message } from '../../i18n/keys';
import { airtime } from '../../lib/airtime';
import { CursorPages } from '../../lib/cursor-pages.svelte';
import { brandMessage, declineMessage } from '../../lib/messages';
import { Resource, type ResourceOptions } from '../../lib/resource.svelte';

/** Payments per page of the history. */
export const PAYMENT_PAGE_SIZE = 20;

/** A card's brand in words; an unknown or unrecorded brand is just "Card". */
export function brandName(brand: CardBrand | null | undefined): Message {
  return brandMessage(brand);
}

/** Why a failed payment failed, in words; `null` for a payment that did not fail. */
export function failureReason(payment: Pick<Payment, 'status' | 'declineCode'>): Message | null {
  return payment.status === 'failed' ? declineMessage(payment.declineCode) : null;
}

/**
 * How a payment was made, in words: the card (brand and last four digits), a refill PIN, AutoPay
 * (with its card when known) or cash. `brand` is given already in words (see {@link brandName}).
 */
export function methodMessage(
  payment: { method: Payment['method']; last4: string | null },
  brand: string,
): Message {
  switch (payment.method) {
    case 'refill_pin':
      return { key: 'paymentHistory.method.refill_pin' };
    case 'cash':
      return { key: 'paymentHistory.method.cash' };
    case 'autopay':
      return payment.last4
        ? { key: 'paymentHistory.method.autopayCard', values: { brand, last4: payment.last4 } }
        : { key: 'paymentHistory.method.autopay' };
    case 'card':
      return payment.last4
        ? { key: 'paymentHistory.method.card', values: { brand, last4: payment.last4 } }
        : { key: 'paymentHistory.method.cardUnknown' };
  }
}

/** Every payment and refill, newest first: a first page, older ones with "Show more". */
export class PaymentPages extends CursorPages<Payment> {
  constructor(options: ResourceOptions) {
    super((page) => airtime().account.payments(page), PAYMENT_PAGE_SIZE, options);
  }
}

/**
 * The payment history screen: the list, and the receipt of the payment chosen from it. The
 * list stays loaded while a receipt is open, so going back shows it as it was.
 */
export class PaymentHistory {
  readonly pages: PaymentPages;
  #selected = $state.raw<Payment | null>(null);
  #receipt = $state.raw<Resource<Receipt> | null>(null);
  readonly #options: ResourceOptions;

  constructor(options: ResourceOptions = {}) {
    this.#options = options;
    this.pages = new PaymentPages(options);
  }

  /** The payment whose receipt is open, if any. */
  get selected(): Payment | null {
    return this.#selected;
  }
  get receipt(): Resource<Receipt> | null {
    return this.#receipt;
  }

  load(): Promise<void> {
    return this.pages.load();
  }

  /** Opens a payment's receipt, fetched from the API (the list row does not carry its items). */
  openReceipt(payment: Payment): Promise<Receipt | undefined> {
    const receipt = new Resource(
      () => airtime().payments.receipt({ id: payment.id }),
      this.#options,
    );
    this.#selected = payment;
    this.#receipt = receipt;
    return receipt.load();
  }

  closeReceipt(): void {
    this.#selected = null;
    this.#receipt = null;
  }
}
