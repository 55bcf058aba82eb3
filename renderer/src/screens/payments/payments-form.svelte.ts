import type { ApiError } from '../../../../contract/errors';
import type { Receipt, SavedCard } from '../../../../contract/http/payments';
import type { Result } from '../../../../contract/ipc';
import type { Message, TranslationKey } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { errorMessage, isRetryable } from '../../lib/errors';
import { CardEntry } from './card-entry.svelte';
import { amountError, formatPin, parseAmount, pinError } from './payment-input';

/**
 * Answers of the payment routes that have words of their own on this screen. A declined card is
 * worded by {@link errorMessage}, with the processor's reason when it gave one.
 */
const PAYMENT_ERRORS: Partial<Record<string, TranslationKey>> = {
  invalid_refill_pin_format: 'payments.refill.pinFormat',
  refill_pin_invalid: 'payments.errors.pinInvalid',
  payment_method_not_found: 'payments.errors.cardGone',
};

export function paymentErrorMessage(error: ApiError): Message {
  const key = PAYMENT_ERRORS[error.code];
  return key ? { key } : errorMessage(error);
}

export type PayMethod = 'new' | (string & {});

/**
 * The "Refill and pay" screen's state: a refill PIN, a payment by saved or new card, the saved
 * cards, and the receipt after either succeeds. Each action is busy until it answers, so a
 * second click does nothing; a retry after a network failure goes through main, which sends the
 * same Idempotency-Key again.
 */
export class PaymentsForm {
  pin = $state('');
  amount = $state('');
  method = $state<PayMethod>('new');
  /** The new card, when paying with one. */
  readonly card = new CardEntry();
  saveCard = $state(false);

  #cards = $state.raw<SavedCard[]>([]);
  #cardsError = $state.raw<ApiError | null>(null);
  #cardsLoaded = $state(false);
  #pinError = $state.raw<Message | null>(null);
  #amountError = $state.raw<Message | null>(null);
  #refillError = $state.raw<ApiError | null>(null);
  #payError = $state.raw<ApiError | null>(null);
  #busy = $state<null | 'refill' | 'pay' | 'cards'>(null);
  #receipt = $state.raw<Receipt | null>(null);
  readonly #onPaid: (receipt: Receipt) => void;

  constructor(options: { onPaid?: (receipt: Receipt) => void } = {}) {
    this.#onPaid = options.onPaid ?? (() => {});
  }

  get cards(): SavedCard[] {
    return this.#cards;
  }
  get cardsLoaded(): boolean {
    return this.#cardsLoaded;
  }
  get cardsError(): Message | null {
    return this.#cardsError ? paymentErrorMessage(this.#cardsError) : null;
  }
  get pinError(): Message | null {
    return this.#pinError;
  }
  get amountError(): Message | null {
    return this.#amountError;
  }
  get refillError(): Message | null {
    return this.#refillError ? paymentErrorMessage(this.#refillError) : null;
  }
  get payError(): Message | null {
    return this.#payError ? paymentErrorMessage(this.#payError) : null;
  }
  /** The last failure left the outcome open (network, timeout): the same click may be tried again. */
  get payRetryable(): boolean {
    return this.#payError !== null && isRetryable(this.#payError.code);
  }
  get refillRetryable(): boolean {
    return this.#refillError !== null && isRetryable(this.#refillError.code);
  }
  get busy(): boolean {
    return this.#busy !== null;
  }
  get busyWith(): 'refill' | 'pay' | 'cards' | null {
    return this.#busy;
  }
  get receipt(): Receipt | null {
    return this.#receipt;
  }

  /** Keeps what is typed (or pasted) in the shape it is printed in. */
  typePin(raw: string): void {
    this.pin = formatPin(raw);
    if (this.#pinError && pinError(this.pin) === null) this.#pinError = null;
  }

  async loadCards(): Promise<void> {
    const result = await settle(() => airtime().payments.methods());
    this.#cardsLoaded = true;
    if (!result.ok) {
      this.#cardsError = result.error;
      return;
    }
    this.#cardsError = null;
    this.#useCards(result.value.items);
  }

  #useCards(cards: SavedCard[]): void {
    this.#cards = cards;
    if (this.method !== 'new' && !cards.some((c) => c.id === this.method)) this.method = 'new';
    if (this.method === 'new' && this.card.number === '') {
      const preferred = cards.find((c) => c.isDefault) ?? cards[0];
      if (preferred) this.method = preferred.id;
    }
  }

  async refill(): Promise<Receipt | null> {
    if (this.#busy) return null;
    const problem = pinError(this.pin);
    this.#pinError = problem ? { key: problem } : null;
    if (problem) return null;
    return this.#money('refill', () => airtime().payments.refill({ pin: this.pin }));
  }

  async pay(): Promise<Receipt | null> {
    if (this.#busy) return null;
    const problem = amountError(this.amount);
    this.#amountError = problem ? { key: problem } : null;
    const amountCents = parseAmount(this.amount);
    if (this.method === 'new') {
      const card = this.card.check();
      if (problem || !card || amountCents === null) return null;
      const saveCard = this.saveCard;
      return this.#money('pay', () => airtime().payments.pay({ amountCents, card, saveCard }));
    }
    this.card.clearErrors();
    if (problem || amountCents === null) return null;
    const paymentMethodId = this.method;
    return this.#money('pay', () => airtime().payments.pay({ amountCents, paymentMethodId }));
  }

  async #money(kind: 'refill' | 'pay', call: () => Promise<Result<Receipt>>) {
    this.#busy = kind;
    if (kind === 'refill') this.#refillError = null;
    else this.#payError = null;
    try {
      const result = await settle(call);
      if (!result.ok) {
        if (kind === 'refill') this.#refillError = result.error;
        else this.#payError = result.error;
        return null;
      }
      this.#receipt = result.value;
      if (kind === 'refill') this.pin = '';
      else this.card.clear();
      this.#onPaid(result.value);
      return result.value;
    } finally {
      this.#busy = null;
    }
  }

  /** Back from the receipt to the forms, with the saved cards read again (one may be new). */
  done(): void {
    this.#receipt = null;
    void this.loadCards();
  }

  async removeCard(id: string): Promise<void> {
    if (this.#busy) return;
    this.#busy = 'cards';
    try {
      const result = await settle(() => airtime().payments.removeMethod({ id }));
      if (!result.ok) {
        this.#cardsError = result.error;
        return;
      }
      this.#cardsError = null;
      this.#useCards(this.#cards.filter((c) => c.id !== id));
    } finally {
      this.#busy = null;
    }
  }

  async makeDefault(id: string): Promise<void> {
    if (this.#busy) return;
    this.#busy = 'cards';
    try {
      const result = await settle(() => airtime().payments.setDefault({ id }));
      if (!result.ok) {
        this.#cardsError = result.error;
        return;
      }
      this.#cardsError = null;
      this.#useCards(result.value.items);
    } finally {
      this.#busy = null;
    }
  }
}
