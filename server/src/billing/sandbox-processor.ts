import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CardBrand, DeclineCode } from '../../../contract/cards';
import type { Database, SandboxCardsTable } from '../db/schema';
import type { Clock } from '../clock';
import {
  CardRejected,
  type CardDetails,
  type ChargeResult,
  type PaymentProcessor,
  type TokenisedCard,
} from './processor';

/**
 * Test numbers and what they do (any future expiry, any CVC of the right length). Every other
 * number that passes the Luhn check is approved.
 */
export const SANDBOX_TEST_CARDS = {
  approves: '4242424242424242',
  declines: '4000000000000002',
  insufficientFunds: '4000000000009995',
  processingError: '4000000000000119',
} as const;

const BEHAVIOUR: Record<string, SandboxCardsTable['behaviour']> = {
  [SANDBOX_TEST_CARDS.declines]: 'card_declined',
  [SANDBOX_TEST_CARDS.insufficientFunds]: 'insufficient_funds',
  [SANDBOX_TEST_CARDS.processingError]: 'processing_error',
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): CardBrand {
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/.test(digits)) return 'mastercard';
  if (/^(6011|65|64[4-9])/.test(digits)) return 'discover';
  return 'unknown';
}

/**
 * A processor in test mode, in the API's own database: it checks cards like a real one and keeps
 * its charges by idempotency key, so it can say what happened to a charge after a restart. It
 * stores a token, the brand, the last four digits and the expiry; never the number or the CVC.
 */
export class SandboxProcessor implements PaymentProcessor {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async tokenise(card: CardDetails, options: { verify?: boolean } = {}): Promise<TokenisedCard> {
    const digits = card.number;
    if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) {
      throw new CardRejected('number', 'That card number is not valid. Check it and try again.');
    }
    const brand = cardBrand(digits);
    const cvcLength = brand === 'amex' ? 4 : 3;
    if (card.cvc.length !== cvcLength) {
      throw new CardRejected('cvc', `The security code of this card is ${cvcLength} digits.`);
    }
    const now = new Date(this.clock.now());
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth() + 1;
    if (card.expYear < year || (card.expYear === year && card.expMonth < month)) {
      throw new CardRejected('expYear', 'This card has expired.');
    }
    if (card.expYear > year + 20) {
      throw new CardRejected('expYear', 'That expiry year is too far in the future.');
    }
    const behaviour = BEHAVIOUR[digits] ?? 'approve';
    if (options.verify && (behaviour === 'card_declined' || behaviour === 'insufficient_funds')) {
      throw new CardRejected('card', 'The card issuer declined this card.', behaviour);
    }
    const stored: SandboxCardsTable = {
      token: `tok_${randomBytes(12).toString('hex')}`,
      brand,
      last4: digits.slice(-4),
      exp_month: card.expMonth,
      exp_year: card.expYear,
      behaviour,
      created_at: this.clock.now(),
    };
    await this.db.insertInto('sandbox_cards').values(stored).execute();
    return {
      token: stored.token,
      brand,
      last4: stored.last4,
      expMonth: stored.exp_month,
      expYear: stored.exp_year,
    };
  }

  async charge(
    token: string,
    amountCents: number,
    currency: string,
    idempotencyKey: string,
  ): Promise<ChargeResult> {
    const earlier = await this.lookup(idempotencyKey);
    if (earlier) return earlier;
    const card = await this.db
      .selectFrom('sandbox_cards')
      .select('behaviour')
      .where('token', '=', token)
      .executeTakeFirst();
    // A processing error leaves no charge behind, as with a real processor: retrying may work.
    if (card?.behaviour === 'processing_error') return { chargeId: '', status: 'retry' };
    const declineCode: DeclineCode | null = !card
      ? 'invalid_token'
      : card.behaviour === 'approve'
        ? null
        : card.behaviour;
    const row = {
      idempotency_key: idempotencyKey,
      charge_id: `ch_${randomBytes(12).toString('hex')}`,
      token,
      amount_cents: amountCents,
      currency,
      status: declineCode ? ('declined' as const) : ('succeeded' as const),
      decline_code: declineCode,
      created_at: this.clock.now(),
    };
    // Two charges racing on one key: the second finds the first and answers the same.
    await this.db
      .insertInto('sandbox_charges')
      .values(row)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    return (await this.lookup(idempotencyKey))!;
  }

  async lookup(idempotencyKey: string): Promise<ChargeResult | null> {
    const row = await this.db
      .selectFrom('sandbox_charges')
      .select(['charge_id', 'status', 'decline_code'])
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    if (!row) return null;
    return {
      chargeId: row.charge_id,
      status: row.status,
      ...(row.decline_code ? { declineCode: row.decline_code } : {}),
    };
  }
}
