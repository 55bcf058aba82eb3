import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DeclineCode } from '../../../contract/cards';
import type { ApiErrorBody } from '../../../contract/errors';
import type { CardBrand, PayRequest } from '../../../contract/http/payments';
import type { Database, PaymentsTable } from '../db/schema';
import { ApiHttpError } from '../errors';
import type { Clock } from '../clock';
import { CardRejected, type ChargeResult, type PaymentProcessor } from './processor';
import { balanceAfter } from './balance-after';
import {
  errorBody,
  runIdempotent,
  type IdempotentAnswer,
  type PendingOperation,
  type RecoveryHandlers,
  type RecoveryOutcome,
} from './idempotency';
import { crashPoint } from './crash-point';
import { storedLineItem } from './line-items';
import { receiptNumber, toReceipt } from './receipts';
import { cardError, currencyOf, digitsOf, type SavedCards } from './saved-cards';
import { newId } from '../db/ids';

/** What a card payment records before charging, so recovery can finish it without the request. */
interface CardIntent {
  processorKey: string;
  amountCents: number;
  currency: string;
  token: string;
  brand: CardBrand;
  last4: string;
}

const CARD_PAYMENT = 'card_payment';

/** The processor's idempotency key for one of ours: stable, and scoped to the subscriber. */
export function processorKeyFor(subscriberId: string, key: string): string {
  return `airtime_${createHash('sha256').update(`${subscriberId}\n${key}`).digest('hex').slice(0, 40)}`;
}

const DECLINE_MESSAGES: Record<DeclineCode, string> = {
  card_declined: 'The card was declined. Try another card.',
  insufficient_funds: 'The card was declined for insufficient funds. Try another card.',
  invalid_token: 'The saved card can no longer be charged. Try another card.',
};

/** Payments by card, new or saved, and finishing the ones a crash interrupted. */
export class CardPayments {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly processor: PaymentProcessor,
    private readonly cards: SavedCards,
  ) {}

  /** How interrupted operations of this service are finished (see `recoverPendingOperations`). */
  recoveryHandlers(): RecoveryHandlers {
    return {
      [CARD_PAYMENT]: (pending) => this.recoverCardPayment(pending),
    };
  }

  /** `POST /v1/account/payments`: 201 with a receipt, 402 when declined; once per key. */
  async pay(subscriberId: string, key: string, body: PayRequest): Promise<IdempotentAnswer> {
    return runIdempotent(
      this.db,
      this.clock,
      { subscriberId, key, operation: CARD_PAYMENT, requestBody: body },
      async (ctx) => {
        const currency = await currencyOf(this.db, subscriberId);
        let card: { token: string; brand: CardBrand; last4: string };
        if (body.paymentMethodId !== undefined) {
          const saved = await this.cards.savedCard(this.db, subscriberId, body.paymentMethodId);
          card = { token: saved.token, brand: saved.brand as CardBrand, last4: saved.last4 };
        } else {
          try {
            card = await this.processor.tokenise(digitsOf(body.card!));
          } catch (error) {
            if (error instanceof CardRejected) throw cardError(error, 'body.card');
            throw error;
          }
        }
        const intent: CardIntent = {
          processorKey: processorKeyFor(subscriberId, key),
          amountCents: body.amountCents,
          currency,
          ...card,
        };
        await ctx.saveIntent(intent);
        const result = await this.processor.charge(
          card.token,
          body.amountCents,
          currency,
          intent.processorKey,
        );
        crashPoint('charge');
        if (result.status === 'retry') {
          throw new ApiHttpError(
            503,
            'payment_processor_unavailable',
            'The card processor could not complete the payment. Nothing was charged; try again shortly with the same Idempotency-Key.',
            { retryAfterSeconds: 5 },
          );
        }
        return this.recordCharge(subscriberId, intent, result, ctx.complete);
      },
      { recovery: this.recoveryHandlers() },
    );
  }

  private async recoverCardPayment(pending: PendingOperation): Promise<RecoveryOutcome> {
    const intent = pending.intent as CardIntent;
    const result = await this.processor.lookup(intent.processorKey);
    if (!result || result.status === 'retry') return 'rolled_back';
    await this.recordCharge(pending.subscriberId, intent, result, pending.complete);
    return 'finished';
  }

  /** Writes the outcome of a charge (payment row, ledger entry, stored answer) in one transaction. */
  private async recordCharge(
    subscriberId: string,
    intent: CardIntent,
    result: ChargeResult,
    complete: PendingOperation['complete'],
  ): Promise<{ status: number; body: unknown }> {
    const now = this.clock.now();
    const succeeded = result.status === 'succeeded';
    const item = storedLineItem({ kind: 'card_payment', brand: intent.brand, last4: intent.last4 });
    return this.db.transaction().execute(async (trx) => {
      const balance = succeeded ? await balanceAfter(trx, subscriberId, intent.amountCents) : null;
      const payment: Selectable<PaymentsTable> = {
        id: newId('pay'),
        subscriber_id: subscriberId,
        amount_cents: intent.amountCents,
        currency: intent.currency,
        method: 'card',
        card_last4: intent.last4,
        card_brand: intent.brand,
        status: succeeded ? 'succeeded' : 'failed',
        item,
        created_at: now,
        statement_id: null,
        receipt_number: receiptNumber(now),
        balance_after_cents: balance,
        decline_code: succeeded ? null : (result.declineCode ?? 'card_declined'),
      };
      await trx.insertInto('payments').values(payment).execute();
      if (!succeeded) {
        const code = payment.decline_code!;
        const body: ApiErrorBody = errorBody(
          new ApiHttpError(402, 'card_declined', DECLINE_MESSAGES[code], { declineCode: code }),
        );
        await complete(trx, 402, body, 'failed');
        return { status: 402, body };
      }
      // Payments are credits: positive in the ledger, as the balance is the sum of entries.
      await trx
        .insertInto('ledger_entries')
        .values({
          id: `${payment.id}-credit`,
          subscriber_id: subscriberId,
          kind: 'payment',
          amount_cents: intent.amountCents,
          currency: intent.currency,
          item,
          created_at: now,
          statement_id: null,
          payment_id: payment.id,
        })
        .execute();
      const body = toReceipt(payment);
      await complete(trx, 201, body);
      return { status: 201, body };
    });
  }
}
