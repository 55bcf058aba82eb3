import type { Kysely, Transaction } from 'kysely';
import type { ErrorIssue } from '../../../contract/errors';
import type {
  AddCardRequest,
  CardBrand,
  CardInput,
  SavedCard,
  SavedCardList,
} from '../../../contract/http/payments';
import type { Database } from '../db/schema';
import { ApiHttpError, unauthorized } from '../errors';
import type { Clock } from '../clock';
import { CardRejected, type PaymentProcessor } from './processor';
import { lockSubscriber } from '../account/plan-change-store';
import { newId } from '../db/ids';

type Db = Kysely<Database> | Transaction<Database>;

/** The currency the subscriber's plan bills in. */
export async function currencyOf(db: Kysely<Database>, subscriberId: string): Promise<string> {
  const row = await db
    .selectFrom('subscribers as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .select('p.currency')
    .where('s.id', '=', subscriberId)
    .executeTakeFirst();
  if (!row) throw unauthorized('This account no longer exists.');
  return row.currency;
}

export function digitsOf(card: CardInput) {
  return {
    number: card.number.replace(/[\s-]/g, ''),
    expMonth: card.expMonth,
    expYear: card.expYear,
    cvc: card.cvc,
  };
}

export function cardError(error: CardRejected, pathPrefix: string): ApiHttpError {
  if (error.declineCode) {
    return new ApiHttpError(402, 'card_declined', error.message, {
      declineCode: error.declineCode,
    });
  }
  const issue: ErrorIssue = { path: `${pathPrefix}.${error.field}`, message: error.message };
  return new ApiHttpError(400, 'card_invalid', error.message, { issues: [issue] });
}

/** Saved cards: listing, adding, removing and choosing the default. */
export class SavedCards {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly processor: PaymentProcessor,
  ) {}

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
    await currencyOf(this.db, subscriberId);
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

  /** A live card of this account, or `payment_method_not_found`. */
  async savedCard(db: Db, subscriberId: string, id: string) {
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
}
