import type { CardInput } from '../../../../contract/http/payments';
import {
  formatCardNumber,
  formatExpiry,
  validateCard,
  type CardErrors,
  type CardFields,
} from './payment-input';

/**
 * A new card as it is being typed: number, expiry and security code, kept in the shape they are
 * printed in, and what is wrong with them after the last check. Paying with a new card and adding
 * one for AutoPay take the same fields, so both forms hold one of these.
 */
export class CardEntry implements CardFields {
  number = $state('');
  expiry = $state('');
  cvc = $state('');

  #errors = $state.raw<CardErrors>({});

  get errors(): CardErrors {
    return this.#errors;
  }

  /** Keeps what is typed (or pasted) in the shape it is printed in. */
  type(field: keyof CardFields, raw: string): void {
    if (field === 'number') this.number = formatCardNumber(raw);
    else if (field === 'expiry') this.expiry = formatExpiry(raw);
    else this.cvc = raw;
  }

  /** Checks the fields and shows what is wrong; gives the card as the API takes it, or null. */
  check(today?: Date): CardInput | null {
    const checked = validateCard(
      { number: this.number, expiry: this.expiry, cvc: this.cvc },
      today,
    );
    this.#errors = checked.errors ?? {};
    return checked.card;
  }

  clearErrors(): void {
    this.#errors = {};
  }

  /** Empties the fields once the card was used: its number and code are not kept on screen. */
  clear(): void {
    this.number = '';
    this.expiry = '';
    this.cvc = '';
  }
}
