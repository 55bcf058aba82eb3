import type { CardBrand, DeclineCode } from '../../../contract/cards';

/** A card as the processor keeps it for us: a token and what may be shown. */
export interface TokenisedCard {
  token: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface CardDetails {
  /** Digits only. */
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** Why a card was refused before any charge; the field tells the client what to fix. */
export class CardRejected extends Error {
  constructor(
    readonly field: 'number' | 'expMonth' | 'expYear' | 'cvc' | 'card',
    message: string,
    /** Set when the issuer refused the card (not a typing mistake). */
    readonly declineCode?: DeclineCode,
  ) {
    super(message);
    this.name = 'CardRejected';
  }
}

export interface ChargeResult {
  chargeId: string;
  /** `retry`: the processor could not finish; nothing was charged and the same key may be retried. */
  status: 'succeeded' | 'declined' | 'retry';
  /**
   * Why a declined charge was declined. A real processor's adapter maps its own reasons onto
   * these, `card_declined` for any it has no closer match for.
   */
  declineCode?: DeclineCode;
}

/**
 * What the API needs from a card processor. Every charge carries an idempotency key, so asking
 * twice never charges twice and `lookup` can tell, after a crash, whether a charge happened.
 */
export interface PaymentProcessor {
  /**
   * Validates a card and keeps it; throws `CardRejected` for a card that cannot be used. With
   * `verify` (a card being saved) the issuer is asked too, so a card it refuses is not saved.
   */
  tokenise(card: CardDetails, options?: { verify?: boolean }): Promise<TokenisedCard>;
  charge(
    token: string,
    amountCents: number,
    currency: string,
    idempotencyKey: string,
  ): Promise<ChargeResult>;
  /** The charge made under `idempotencyKey`, or null when none was made. */
  lookup(idempotencyKey: string): Promise<ChargeResult | null>;
}
