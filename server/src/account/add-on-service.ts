import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ActiveAddOn, AddOnList, AddOnPurchase } from '../../../contract/http/plans';
import type { Database, SubscriberAddOnsTable } from '../db/schema';
import type { Clock } from '../clock';
import { ApiHttpError, unauthorized } from '../errors';
import { cycleContaining, isoDay } from '../billing/billing-cycle';
import { runIdempotent, type IdempotentAnswer } from '../billing/idempotency';
import { accountSuspended, insufficientBalance } from './plan-service';
import { storedLineItem } from '../billing/line-items';
import { activeAddOnRows, ledgerBalance, lockSubscriber } from './plan-change-store';
import { bookDueRenewal } from '../billing/renewals';

const ADD_ON_PURCHASE = 'add_on_purchase';

/** Usage drawn from passes oldest first: what each of `sizes` has left after `used`. */
function drawDown(sizes: number[], used: number): number[] {
  let toDraw = used;
  return sizes.map((size) => {
    const fromThis = Math.min(toDraw, size);
    toDraw -= fromThis;
    return size - fromThis;
  });
}

/**
 * What is left on each pass. Data passes are used only once the plan's own allowance is gone;
 * international passes carry every international minute (plans include none). Both run down
 * oldest first, so a pass bought later is the last to run down.
 */
function withRemaining(
  rows: Selectable<SubscriberAddOnsTable>[],
  planDataMb: number | null,
  usedMb: number,
  usedIntlMinutes: number,
): ActiveAddOn[] {
  const overMb = planDataMb === null ? 0 : Math.max(0, usedMb - planDataMb);
  const data = rows.filter((r) => r.kind === 'data');
  const intl = rows.filter((r) => r.kind === 'international');
  const mbLeft = new Map(
    drawDown(
      data.map((r) => r.data_mb),
      overMb,
    ).map((left, i) => [data[i]!.id, left]),
  );
  const minutesLeft = new Map(
    drawDown(
      intl.map((r) => r.intl_minutes),
      usedIntlMinutes,
    ).map((left, i) => [intl[i]!.id, left]),
  );
  return rows.map((r) => {
    const remainingMb = mbLeft.get(r.id) ?? null;
    const remainingMinutes = minutesLeft.get(r.id) ?? null;
    return {
      id: r.id,
      addOnId: r.add_on_id,
      name: r.name,
      kind: r.kind,
      dataMb: r.data_mb,
      remainingMb,
      internationalMinutes: r.intl_minutes,
      remainingMinutes,
      expiresOn: r.expires_on,
      purchasedAt: new Date(r.purchased_at).toISOString(),
    };
  });
}

/** Data passes and international minutes: the catalogue, and buying one from the balance. */
export class AddOnService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  private async subscriber(db: Kysely<Database> | Transaction<Database>, subscriberId: string) {
    const row = await db
      .selectFrom('subscribers as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .select(['s.status', 's.cycle_anchor_day', 'p.data_mb', 'p.currency'])
      .where('s.id', '=', subscriberId)
      .executeTakeFirst();
    if (!row) throw unauthorized('This account no longer exists.');
    return row;
  }

  private async active(subscriberId: string, today: string): Promise<ActiveAddOn[]> {
    const sub = await this.subscriber(this.db, subscriberId);
    const cycle = cycleContaining(sub.cycle_anchor_day, today);
    const [rows, used] = await Promise.all([
      activeAddOnRows(this.db, subscriberId, today),
      this.db
        .selectFrom('usage_daily')
        .select((eb) => [
          eb.fn.coalesce(eb.fn.sum<number>('data_mb'), eb.lit(0)).as('mb'),
          eb.fn.coalesce(eb.fn.sum<number>('intl_minutes'), eb.lit(0)).as('intl'),
        ])
        .where('subscriber_id', '=', subscriberId)
        .where('day', '>=', cycle.start)
        .where('day', '<=', today)
        .executeTakeFirstOrThrow(),
    ]);
    return withRemaining(rows, sub.data_mb, Number(used.mb), Number(used.intl));
  }

  async list(subscriberId: string): Promise<AddOnList> {
    const today = isoDay(this.clock.now());
    const [catalogue, active] = await Promise.all([
      this.db
        .selectFrom('add_ons')
        .selectAll()
        .where('active', '=', 1)
        .orderBy('sort_order')
        .orderBy('id')
        .execute(),
      this.active(subscriberId, today),
    ]);
    return {
      available: catalogue.map((a) => ({
        id: a.id,
        name: a.name,
        kind: a.kind,
        price: { amountCents: a.price_cents, currency: a.currency },
        dataMb: a.data_mb,
        internationalMinutes: a.intl_minutes,
      })),
      active,
    };
  }

  /**
   * `POST /v1/account/add-ons`: 201 with the pass, paid from the balance, good until the end of
   * the current cycle; once per Idempotency-Key. The price includes taxes and fees.
   */
  async purchase(subscriberId: string, key: string, addOnId: string): Promise<IdempotentAnswer> {
    return runIdempotent(
      this.db,
      this.clock,
      { subscriberId, key, operation: ADD_ON_PURCHASE, requestBody: { addOnId } },
      async (ctx) =>
        this.db.transaction().execute(async (trx) => {
          await lockSubscriber(trx, subscriberId);
          // A pass is paid from the balance: the cycle's renewal is taken from it first.
          await bookDueRenewal(trx, subscriberId, this.clock.now());
          const sub = await this.subscriber(trx, subscriberId);
          if (sub.status !== 'active') throw accountSuspended();
          const addOn = await trx
            .selectFrom('add_ons')
            .selectAll()
            .where('id', '=', addOnId)
            .where('active', '=', 1)
            .executeTakeFirst();
          if (!addOn) {
            throw new ApiHttpError(404, 'add_on_not_found', 'There is no such add-on on sale.');
          }
          const balance = await ledgerBalance(trx, subscriberId);
          if (balance < addOn.price_cents) {
            throw insufficientBalance(
              addOn.price_cents - balance,
              addOn.currency,
              `the ${addOn.name}`,
            );
          }
          const now = this.clock.now();
          const today = isoDay(now);
          const cycle = cycleContaining(sub.cycle_anchor_day, today);
          const row: Selectable<SubscriberAddOnsTable> = {
            id: `ao_${randomBytes(12).toString('hex')}`,
            subscriber_id: subscriberId,
            add_on_id: addOn.id,
            name: addOn.name,
            kind: addOn.kind,
            data_mb: addOn.data_mb,
            intl_minutes: addOn.intl_minutes,
            price_cents: addOn.price_cents,
            currency: addOn.currency,
            cycle_start: cycle.start,
            expires_on: cycle.end,
            purchased_at: now,
          };
          await trx.insertInto('subscriber_add_ons').values(row).execute();
          await trx
            .insertInto('ledger_entries')
            .values({
              id: `${row.id}-charge`,
              subscriber_id: subscriberId,
              kind: 'addon_charge',
              amount_cents: -addOn.price_cents,
              currency: addOn.currency,
              item: storedLineItem(
                addOn.kind === 'international'
                  ? {
                      kind: 'international_pass',
                      addOnId: addOn.id,
                      minutes: addOn.intl_minutes,
                      until: cycle.end,
                    }
                  : {
                      kind: 'data_pass',
                      addOnId: addOn.id,
                      dataMb: addOn.data_mb,
                      until: cycle.end,
                    },
              ),
              created_at: now,
              statement_id: null,
              payment_id: null,
            })
            .execute();
          const body: AddOnPurchase = {
            // A new pass is the last to be used, so it is whole when bought.
            addOn: withRemaining([row], null, 0, 0)[0]!,
            charged: { amountCents: addOn.price_cents, currency: addOn.currency },
            balanceAfter: { amountCents: balance - addOn.price_cents, currency: addOn.currency },
          };
          await ctx.complete(trx, 201, body);
          return { status: 201, body };
        }),
    );
  }
}
