import type { Kysely, Selectable, Transaction } from 'kysely';
import { REFILL_PIN_FORMAT_MESSAGE, RefillPin } from '../../../contract/http/payments';
import type { Database, PaymentsTable } from '../db/schema';
import { withBudgetLocks } from '../db/budget-lock';
import { ApiHttpError } from '../errors';
import type { Clock } from '../clock';
import { balanceAfter } from './balance-after';
import { runIdempotent, type IdempotencyContext, type IdempotentAnswer } from './idempotency';
import {
  recordWrongRefillPin,
  refillBudgetKeys,
  refillRetryAfter,
  type RefillLimit,
} from './refill-limit';
import { pinCandidates, redeemPin } from './refill-pins';
import type { KeyRing } from '../keys/key-ring';
import { crashPoint } from './crash-point';
import { storedLineItem } from './line-items';
import { receiptNumber, toReceipt } from './receipts';
import { newId } from '../db/ids';

/** How one refill try ended, decided under the budget's locks. */
type RefillOutcome =
  | { kind: 'limited'; retryAfterSeconds: number }
  | { kind: 'wrong' }
  | { kind: 'redeemed'; answer: { status: number; body: unknown } };

const REFILL = 'refill';

/** Refill PINs: redeeming one as a payment, within the wrong-PIN budget. */
export class Refills {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly pinKey: string | KeyRing,
    private readonly refillLimit: RefillLimit,
  ) {}

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
}
