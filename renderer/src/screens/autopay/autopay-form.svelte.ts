import type { ApiError } from '../../../../contract/errors';
import type { AutopayView } from '../../../../contract/http/autopay';
import type { SavedCard } from '../../../../contract/http/payments';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { Resource, type ResourceOptions } from '../../lib/resource.svelte';
import { CardEntry } from '../payments/card-entry.svelte';
import { paymentErrorMessage } from '../payments/payments-form.svelte';
import { autopayErrorMessage, cardExpired } from './autopay-view';

export type AutopayBusy = 'on' | 'off' | 'add-card';

/**
 * The AutoPay screen's state: the account's AutoPay, the saved cards to choose from, turning it
 * on (or changing its card), off, and adding a card on the spot. Each action is busy until main
 * answers, so a second click does nothing.
 */
export class AutopayForm {
  readonly view: Resource<AutopayView>;
  /** The card chosen for AutoPay in the chooser. */
  chosen = $state<string | null>(null);
  /** The chooser is open: turning AutoPay on, or changing its card. */
  choosing = $state(false);
  /** The "turn off" confirmation is open. */
  confirmingOff = $state(false);
  /** The add-card form is open. */
  addingCard = $state(false);
  /** The card being added on the spot. */
  readonly card = new CardEntry();

  #cards = $state.raw<SavedCard[]>([]);
  #cardsLoaded = $state(false);
  #cardsError = $state.raw<ApiError | null>(null);
  #error = $state.raw<Message | null>(null);
  #addCardError = $state.raw<Message | null>(null);
  #busy = $state<AutopayBusy | null>(null);
  /** What just changed, said once in a status region. */
  #done = $state<'on' | 'off' | 'changed' | null>(null);
  readonly #onChanged: (view: AutopayView) => void;
  /** A fixed "today" for tests; without one, the expiry checks use this computer's date. */
  readonly #today: (() => Date) | undefined;

  constructor(
    options: ResourceOptions & {
      onChanged?: (view: AutopayView) => void;
      /** Today's date on this computer; a fixed one in tests. */
      today?: () => Date;
    } = {},
  ) {
    this.view = new Resource(() => airtime().autopay.get(), options);
    this.#onChanged = options.onChanged ?? (() => {});
    this.#today = options.today;
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
  /** Why turning AutoPay on or off did not work. */
  get error(): Message | null {
    return this.#error;
  }
  get addCardError(): Message | null {
    return this.#addCardError;
  }
  get busy(): boolean {
    return this.#busy !== null;
  }
  get busyWith(): AutopayBusy | null {
    return this.#busy;
  }
  get done(): 'on' | 'off' | 'changed' | null {
    return this.#done;
  }

  /** True for a saved card whose expiry month is over. */
  expired(card: { expMonth: number; expYear: number }): boolean {
    return cardExpired(card, this.#today?.());
  }

  async load(): Promise<void> {
    await Promise.all([this.view.load(), this.loadCards()]);
  }

  async loadCards(): Promise<void> {
    const result = await settle(() => airtime().payments.methods());
    this.#cardsLoaded = true;
    if (!result.ok) {
      this.#cardsError = result.error;
      return;
    }
    this.#cardsError = null;
    this.#cards = result.value.items;
    if (this.chosen !== null && !this.#cards.some((c) => c.id === this.chosen)) this.chosen = null;
  }

  /** Opens the chooser on the card AutoPay uses, else the default card, else the first current one. */
  startChoosing(): void {
    const current = this.view.value?.paymentMethod?.id;
    const usable = this.#cards.filter((c) => !this.expired(c));
    this.chosen =
      (current && this.#cards.some((c) => c.id === current) ? current : null) ??
      (usable.find((c) => c.isDefault) ?? usable[0])?.id ??
      null;
    this.#error = null;
    this.#done = null;
    this.choosing = true;
    this.addingCard = this.#cards.length === 0;
  }

  cancelChoosing(): void {
    this.choosing = false;
    this.addingCard = false;
    this.#error = null;
    this.card.clearErrors();
    this.#addCardError = null;
  }

  /** Saves a new card (the API checks it with the issuer) and chooses it for AutoPay. */
  async addCard(): Promise<SavedCard | null> {
    if (this.#busy) return null;
    const card = this.card.check(this.#today?.());
    this.#addCardError = null;
    if (!card) return null;
    this.#busy = 'add-card';
    try {
      const result = await settle(() => airtime().payments.addMethod(card));
      if (!result.ok) {
        this.#addCardError = paymentErrorMessage(result.error);
        return null;
      }
      this.#cards = [...this.#cards.filter((c) => c.id !== result.value.id), result.value];
      this.chosen = result.value.id;
      this.addingCard = false;
      this.card.clear();
      return result.value;
    } finally {
      this.#busy = null;
    }
  }

  /** Turns AutoPay on with the chosen card (or moves it to that card). */
  async turnOn(): Promise<AutopayView | null> {
    if (this.#busy) return null;
    const card = this.#cards.find((c) => c.id === this.chosen);
    if (!card) {
      this.#error = { key: 'autopay.errors.chooseCard' };
      return null;
    }
    // Said before asking: the API would refuse the same card with card_invalid.
    if (this.expired(card)) {
      this.#error = { key: 'autopay.errors.cardExpired' };
      return null;
    }
    const wasOn = this.view.value?.enabled === true;
    const view = await this.#update('on', { enabled: true, paymentMethodId: card.id });
    if (view) {
      this.choosing = false;
      this.#done = wasOn ? 'changed' : 'on';
    }
    return view;
  }

  /** Turns AutoPay off (after the confirmation dialog). */
  async turnOff(): Promise<AutopayView | null> {
    if (this.#busy) return null;
    const view = await this.#update('off', { enabled: false });
    this.confirmingOff = false;
    if (view) this.#done = 'off';
    return view;
  }

  async #update(
    kind: 'on' | 'off',
    update: { enabled: true; paymentMethodId: string } | { enabled: false },
  ): Promise<AutopayView | null> {
    this.#busy = kind;
    this.#error = null;
    this.#done = null;
    try {
      const result = await settle(() => airtime().autopay.update(update));
      if (!result.ok) {
        this.#error = autopayErrorMessage(result.error);
        // The card list is out of date (removed elsewhere, or expired): show it as it is now.
        if (
          result.error.code === 'payment_method_not_found' ||
          result.error.code === 'card_invalid'
        ) {
          void this.loadCards();
        }
        return null;
      }
      this.view.replace(result.value);
      this.#onChanged(result.value);
      return result.value;
    } finally {
      this.#busy = null;
    }
  }
}
