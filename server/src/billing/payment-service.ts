import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DeclineCode } from '../../../contract/cards';
import type { ApiErrorBody, ErrorIssue } from '../../../contract/errors';
import {
  REFILL_PIN_FORMAT_MESSAGE,
  RefillPin,
  type AddCardRequest,
  type CardBrand,
  type CardInput,
  type PayRequest,
  type Receipt,
  type SavedCard,
  type SavedCardList,
} from '../../../contract/http/payments';
import type { Database, PaymentsTable } from '../db/schema';
import { withBudgetLocks } from '../db/budget-lock';
import { ApiHttpError, unauthorized } from '../errors';
import type { Clock } from '../clock';
import { CardRejected, type ChargeResult, type PaymentProcessor } from './processor';
import { balanceAfter } from './balance-after';
import {
  errorBody,
  runIdempotent,
  type IdempotencyContext,
  type IdempotentAnswer,
  type PendingOperation,
  type RecoveryHandlers,
  type RecoveryOutcome,
} from './idempotency';
import { lockSubscriber } from '../account/plan-change-store';
import {
  DEFAULT_REFILL_LIMIT,
  recordWrongRefillPin,
  refillBudgetKeys,
  refillRetryAfter,
  type RefillLimit,
} from './refill-limit';
import { pinCandidates, redeemPin } from './refill-pins';
import type { KeyRing } from '../keys/key-ring';
import { crashPoint } from './crash-point';
import { readLineItem, storedLineItem } from './line-items';

export { DEFAULT_REFILL_LIMIT, type RefillLimit } from './refill-limit';

type Db = Kysely<Database> | Transaction<Database>;

/** What a card payment records before charging, so recovery can finish it without the request. */
interface CardIntent {
  processorKey: string;
  amountCents: number;
  currency: string;
  token: string;
  brand: CardBrand;
  last4: string;
}

/** How one refill try ended, decided under the budget's locks. */
type RefillOutcome =
  | { kind: 'limited'; retryAfterSeconds: number }
  | { kind: 'wrong' }
  | { kind: 'redeemed'; answer: { status: number; body: unknown } };

const CARD_PAYMENT = 'card_payment';
const REFILL = 'refill';

/** The processor's idempotency key for one of ours: stable, and scoped to the subscriber. */
export function processorKeyFor(subscriberId: string, key: string): string {
  return `airtime_${createHash('sha256').update(`${subscriberId}\n${key}`).digest('hex').slice(0, 40)}`;
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export function receiptNumber(now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `R-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

function digitsOf(card: CardInput) {
  return {
    number: card.number.replace(/[\s-]/g, ''),
    expMonth: card.expMonth,
    expYear: card.expYear,
    cvc: card.cvc,
  };
}

function cardError(error: CardRejected, pathPrefix: string): ApiHttpError {
  if (error.declineCode) {
    return new ApiHttpError(402, 'card_declined', error.message, {
      declineCode: error.declineCode,
    });
  }
  const issue: ErrorIssue = { path: `${pathPrefix}.${error.field}`, message: error.message };
  return new ApiHttpError(400, 'card_invalid', error.message, { issues: [issue] });
}

const DECLINE_MESSAGES: Record<DeclineCode, string> = {
  card_declined: 'The card was declined. Try another card.',
  insufficient_funds: 'The card was declined for insufficient funds. Try another card.',
  invalid_token: 'The saved card can no longer be charged. Try another card.',
};

/** Payments by card, saved cards, refill PINs and receipts: everything that moves money in. */
export class PaymentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly processor: PaymentProcessor,
    private readonly pinKey: string | KeyRing,
    private readonly refillLimit: RefillLimit = DEFAULT_REFILL_LIMIT,
  ) {}

  /** How interrupted operations of this service are finished (see `recoverPendingOperations`). */
  recoveryHandlers(): RecoveryHandlers {
    return {
      [CARD_PAYMENT]: (pending) => this.recoverCardPayment(pending),
    };
  }

  private async currencyOf(subscriberId: string): Promise<string> {
    const row = await this.db
      .selectFrom('subscribers as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .select('p.currency')
      .where('s.id', '=', subscriberId)
      .executeTakeFirst();
    if (!row) throw unauthorized('This account no longer exists.');
    return row.currency;
  }

  // ---- saved cards ----

  /** The default card first, then the newest. */
  async listCards(subscriberId: string): Promise<SavedCardList> {
    const [rows, autopay] = await Promise.all([
      this.db
        .selectFrom('payment_methods')
        .selectAll()
        .where('subscriber_id', '=', subscriberId)
        .where('deleted_at', 'is', null)
        .orderBy('is_default', 'desc')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute(),
      // So the app can warn before the card AutoPay charges is removed.
      this.db
        .selectFrom('autopay_settings')
        .select('payment_method_id')
        .where('subscriber_id', '=', subscriberId)
        .where('enabled', '=', 1)
        .executeTakeFirst(),
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id,
        brand: r.brand as CardBrand,
        last4: r.last4,
        expMonth: r.exp_month,
        expYear: r.exp_year,
        nickname: r.nickname,
        isDefault: r.is_default === 1,
        createdAt: new Date(r.created_at).toISOString(),
        usedByAutopay: autopay?.payment_method_id === r.id,
      })),
    };
  }

  async addCard(subscriberId: string, body: AddCardRequest): Promise<SavedCard> {
    await this.currencyOf(subscriberId);
    let card;
    try {
      card = await this.processor.tokenise(digitsOf(body), { verify: true });
    } catch (error) {
      if (error instanceof CardRejected) throw cardError(error, 'body');
      throw error;
    }
    const id = newId('pm');
    await this.db.transaction().execute(async (trx) => {
      // Whether this is the first card is a count: under the lock, two cards saved at once
      // cannot both find none and both become the default.
      await lockSubscriber(trx, subscriberId);
      const others = await trx
        .selectFrom('payment_methods')
        .select('id')
        .where('subscriber_id', '=', subscriberId)
        .where('deleted_at', 'is', null)
        .execute();
      const makeDefault = body.makeDefault === true || others.length === 0;
      if (makeDefault) {
        await trx
          .updateTable('payment_methods')
          .set({ is_default: 0 })
          .where('subscriber_id', '=', subscriberId)
          .execute();
      }
      await trx
        .insertInto('payment_methods')
        .values({
          id,
          subscriber_id: subscriberId,
          token: card.token,
          brand: card.brand,
          last4: card.last4,
          exp_month: card.expMonth,
          exp_year: card.expYear,
          nickname: body.nickname ?? null,
          is_default: makeDefault ? 1 : 0,
          created_at: this.clock.now(),
          deleted_at: null,
        })
        .execute();
    });
    return (await this.listCards(subscriberId)).items.find((c) => c.id === id)!;
  }

  private async savedCard(db: Db, subscriberId: string, id: string) {
    const row = await db
      .selectFrom('payment_methods')
      .selectAll()
      .where('id', '=', id)
      // Another account's card reads as "not found".
      .where('subscriber_id', '=', subscriberId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) {
      throw new ApiHttpError(
        404,
        'payment_method_not_found',
        'There is no such saved card on this account.',
      );
    }
    return row;
  }

  async deleteCard(subscriberId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // One change to the cards at a time, so exactly one card is left the default.
      await lockSubscriber(trx, subscriberId);
      const row = await this.savedCard(trx, subscriberId, id);
      // Kept (without the card) so old receipts still name it; the token is dropped.
      await trx
        .updateTable('payment_methods')
        .set({ deleted_at: this.clock.now(), is_default: 0, token: '' })
        .where('id', '=', id)
        .execute();
      if (row.is_default === 1) {
        const next = await trx
          .selectFrom('payment_methods')
          .select('id')
          .where('subscriber_id', '=', subscriberId)
          .where('deleted_at', 'is', null)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .executeTakeFirst();
        if (next) {
          await trx
            .updateTable('payment_methods')
            .set({ is_default: 1 })
            .where('id', '=', next.id)
            .execute();
        }
      }
    });
  }

  async setDefault(subscriberId: string, id: string): Promise<SavedCardList> {
    await this.db.transaction().execute(async (trx) => {
      await lockSubscriber(trx, subscriberId);
      await this.savedCard(trx, subscriberId, id);
      await trx
        .updateTable('payment_methods')
        .set({ is_default: 0 })
        .where('subscriber_id', '=', subscriberId)
        .execute();
      await trx
        .updateTable('payment_methods')
        .set({ is_default: 1 })
        .where('id', '=', id)
        .execute();
    });
    return this.listCards(subscriberId);
  }

  // ---- card payments ----

  /** `POST /v1/account/payments`: 201 with a receipt, 402 when declined; once per key. */
  async pay(subscriberId: string, key: string, body: PayRequest): Promise<IdempotentAnswer> {
    return runIdempotent(
      this.db,
      this.clock,
      { subscriberId, key, operation: CARD_PAYMENT, requestBody: body },
      async (ctx) => {
        const currency = await this.currencyOf(subscriberId);
        let card: { token: string; brand: CardBrand; last4: string };
        if (body.paymentMethodId !== undefined) {
          const saved = await this.savedCard(this.db, subscriberId, body.paymentMethodId);
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

  // ---- refill PINs ----

  /**
   * `POST /v1/account/refill`: 201 with a receipt; unknown and used PINs answer alike. The PIN is
   * checked and made canonical ({@link RefillPin}) before anything else, and the request is
   * remembered under its key in that form: the same PIN typed with dashes on the first try and
   * with spaces on the retry is the same request, not `idempotency_key_reused`.
   */
  async refill(
    subscriberId: string,
    /** Who the per-client limit counts (see `clientKey`): the address, or the kiosk visit. */
    client: string | undefined,
    key: string,
    pinInput: string,
  ): Promise<IdempotentAnswer> {
    const parsed = RefillPin.safeParse(pinInput);
    if (!parsed.success) {
      // Nothing was tried, so nothing is kept under the key: like any other malformed request.
      throw new ApiHttpError(400, 'invalid_refill_pin_format', REFILL_PIN_FORMAT_MESSAGE, {
        issues: parsed.error.issues.map((issue) => ({ path: 'body.pin', message: issue.message })),
      });
    }
    const digits = parsed.data;
    return runIdempotent(
      this.db,
      this.clock,
      { subscriberId, key, operation: REFILL, requestBody: { pin: digits } },
      async (ctx) => {
        const now = this.clock.now();
        const keys = refillBudgetKeys(subscriberId, client);
        const candidates = pinCandidates(this.pinKey, digits);
        // The budget check, the PIN lookup and counting a wrong PIN are one step under the
        // budget's locks: a try that finds budget left is counted before the next try looks.
        const outcome = await withBudgetLocks(
          this.db,
          keys,
          now,
          async (trx): Promise<RefillOutcome> => {
            const retryAfterSeconds = await refillRetryAfter(trx, keys, now, this.refillLimit);
            if (retryAfterSeconds !== null) return { kind: 'limited', retryAfterSeconds };
            const pin = await redeemPin(trx, candidates, subscriberId, now);
            if (!pin) {
              await recordWrongRefillPin(trx, keys, now, this.refillLimit);
              return { kind: 'wrong' };
            }
            return { kind: 'redeemed', answer: await this.recordRefill(trx, ctx, pin, now) };
          },
        );
        if (outcome.kind === 'limited') {
          throw new ApiHttpError(
            429,
            'rate_limited',
            'Too many wrong refill PINs. Wait before trying again.',
            { retryAfterSeconds: outcome.retryAfterSeconds },
          );
        }
        if (outcome.kind === 'wrong') {
          throw new ApiHttpError(
            400,
            'refill_pin_invalid',
            'That refill PIN is not valid or has already been used. Check the digits on the card.',
          );
        }
        crashPoint('refill');
        return outcome.answer;
      },
    );
  }

  /** The payment, ledger credit and stored answer of a redeemed PIN, in the redeeming transaction. */
  private async recordRefill(
    trx: Transaction<Database>,
    ctx: IdempotencyContext,
    pin: { value_cents: number; currency: string },
    now: number,
  ): Promise<{ status: number; body: unknown }> {
    const { subscriberId } = ctx;
    const item = storedLineItem({ kind: 'refill_pin' });
    const payment: Selectable<PaymentsTable> = {
      id: newId('pay'),
      subscriber_id: subscriberId,
      amount_cents: pin.value_cents,
      currency: pin.currency,
      method: 'refill_pin',
      card_last4: null,
      card_brand: null,
      status: 'succeeded',
      item,
      created_at: now,
      statement_id: null,
      receipt_number: receiptNumber(now),
      balance_after_cents: await balanceAfter(trx, subscriberId, pin.value_cents),
      decline_code: null,
    };
    await trx.insertInto('payments').values(payment).execute();
    await trx
      .insertInto('ledger_entries')
      .values({
        id: `${payment.id}-credit`,
        subscriber_id: subscriberId,
        kind: 'refill',
        amount_cents: pin.value_cents,
        currency: pin.currency,
        item,
        created_at: now,
        statement_id: null,
        payment_id: payment.id,
      })
      .execute();
    const body = toReceipt(payment);
    await ctx.complete(trx, 201, body);
    return { status: 201, body };
  }

  // ---- receipts ----

  async receipt(subscriberId: string, paymentId: string): Promise<Receipt> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    if (!row) {
      throw new ApiHttpError(404, 'payment_not_found', 'There is no such payment on this account.');
    }
    return toReceipt(row);
  }
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
