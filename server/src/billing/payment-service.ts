import type { Kysely } from 'kysely';
import type {
  AddCardRequest,
  PayRequest,
  Receipt,
  SavedCard,
  SavedCardList,
} from '../../../contract/http/payments';
import type { Database } from '../db/schema';
import { ApiHttpError } from '../errors';
import type { Clock } from '../clock';
import type { PaymentProcessor } from './processor';
import type { IdempotentAnswer, RecoveryHandlers } from './idempotency';
import { DEFAULT_REFILL_LIMIT, type RefillLimit } from './refill-limit';
import type { KeyRing } from '../keys/key-ring';
import { CardPayments } from './card-payments';
import { Refills } from './refills';
import { SavedCards } from './saved-cards';
import { toReceipt } from './receipts';

export { DEFAULT_REFILL_LIMIT, type RefillLimit } from './refill-limit';
export { processorKeyFor } from './card-payments';
export { receiptNumber, toReceipt } from './receipts';

/** Payments by card, saved cards, refill PINs and receipts: everything that moves money in. */
export class PaymentService {
  private readonly cards: SavedCards;
  private readonly cardPayments: CardPayments;
  private readonly refills: Refills;

  constructor(
    private readonly db: Kysely<Database>,
    clock: Clock,
    processor: PaymentProcessor,
    pinKey: string | KeyRing,
    refillLimit: RefillLimit = DEFAULT_REFILL_LIMIT,
  ) {
    this.cards = new SavedCards(db, clock, processor);
    this.cardPayments = new CardPayments(db, clock, processor, this.cards);
    this.refills = new Refills(db, clock, pinKey, refillLimit);
  }

  /** How interrupted operations of this service are finished (see `recoverPendingOperations`). */
  recoveryHandlers(): RecoveryHandlers {
    return this.cardPayments.recoveryHandlers();
  }

  // ---- saved cards ----

  /** The default card first, then the newest. */
  listCards(subscriberId: string): Promise<SavedCardList> {
    return this.cards.listCards(subscriberId);
  }

  addCard(subscriberId: string, body: AddCardRequest): Promise<SavedCard> {
    return this.cards.addCard(subscriberId, body);
  }

  deleteCard(subscriberId: string, id: string): Promise<void> {
    return this.cards.deleteCard(subscriberId, id);
  }

  setDefault(subscriberId: string, id: string): Promise<SavedCardList> {
    return this.cards.setDefault(subscriberId, id);
  }

  // ---- card payments ----

  /** `POST /v1/account/payments`: 201 with a receipt, 402 when declined; once per key. */
  pay(subscriberId: string, key: string, body: PayRequest): Promise<IdempotentAnswer> {
    return this.cardPayments.pay(subscriberId, key, body);
  }

  // ---- refill PINs ----

  /** `POST /v1/account/refill`: 201 with a receipt; see {@link Refills.refill}. */
  refill(
    subscriberId: string,
    /** Who the per-client limit counts (see `clientKey`): the address, or the kiosk visit. */
    client: string | undefined,
    key: string,
    pinInput: string,
  ): Promise<IdempotentAnswer> {
    return this.refills.refill(subscriberId, client, key, pinInput);
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
