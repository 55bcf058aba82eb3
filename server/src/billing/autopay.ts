import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CardBrand } from '../../../contract/cards';
import type {
  AutopayCard,
  AutopayRun,
  AutopayUpdate,
  AutopayView,
} from '../../../contract/http/autopay';
import type { AutopayRunsTable, Database } from '../db/schema';
import type { Clock } from '../clock';
import { ApiHttpError, unauthorized } from '../errors';
import { cycleContaining, dayToMs, isoDay } from './billing-cycle';
import { ledgerBalance, lockSubscriber } from '../account/plan-change-store';
import { bookDueRenewal } from './renewals';
import {
  AUTOPAY_WINDOW_MS,
  autopayAmount,
  cardExpiryEnd,
  liveCard,
  renewingPlan,
  settingsOf,
  subscriberPlan,
  upcomingRenewal,
} from './autopay-account';

export { AUTOPAY_WINDOW_MS, autopayAmount, cardExpiryEnd } from './autopay-account';
export {
  AUTOPAY_LEASE_MS,
  autopayChargeKey,
  runAutopay,
  type AutopayJobOptions,
  type AutopayJobResult,
} from './autopay-job';

type Db = Kysely<Database> | Transaction<Database>;

async function lastFinishedRun(db: Db, subscriberId: string) {
  return db
    .selectFrom('autopay_runs')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .where('state', '!=', 'pending')
    .orderBy('finished_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * The renewal the next charge is for: the coming one, unless its run already finished (then the
 * one after).
 */
async function nextRenewal(db: Db, subscriberId: string, anchorDay: number, now: number) {
  const coming = upcomingRenewal(anchorDay, now);
  const done = await db
    .selectFrom('autopay_runs')
    .select('id')
    .where('subscriber_id', '=', subscriberId)
    .where('renews_on', '=', coming.renewsOn)
    .where('state', '!=', 'pending')
    .executeTakeFirst();
  if (!done) return coming;
  const renewsOn = cycleContaining(anchorDay, coming.renewsOn).renewsOn;
  const renewsAt = dayToMs(renewsOn);
  return { renewsOn, renewsAt, windowOpensAt: renewsAt - AUTOPAY_WINDOW_MS };
}

function toRun(row: Selectable<AutopayRunsTable>): AutopayRun {
  return {
    at: new Date(row.finished_at ?? row.created_at).toISOString(),
    status: row.state as AutopayRun['status'],
    message: row.message ?? '',
    renewsOn: row.renews_on,
    amountCents: row.state === 'skipped' ? null : row.amount_cents,
    declineCode: row.decline_code,
    reason: row.reason ?? null,
  };
}

/** What the dashboard needs to flag AutoPay: on or off, a failed last run, an expiring card. */
export async function autopayFlags(
  db: Kysely<Database>,
  subscriberId: string,
  anchorDay: number,
  now: number,
): Promise<{ enabled: boolean; lastRunFailed: boolean; cardExpiresSoon: boolean }> {
  const [settings, last] = await Promise.all([
    settingsOf(db, subscriberId),
    lastFinishedRun(db, subscriberId),
  ]);
  const enabled = settings?.enabled === 1;
  let cardExpiresSoon = false;
  if (enabled) {
    const card = await liveCard(db, subscriberId, settings.payment_method_id);
    const next = await nextRenewal(db, subscriberId, anchorDay, now);
    cardExpiresSoon = !!card && cardExpiryEnd(card.exp_month, card.exp_year) < next.renewsAt;
  }
  return { enabled, lastRunFailed: last?.state === 'failed', cardExpiresSoon };
}

/** `GET`/`PUT /v1/account/autopay`. */
export class AutopayService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async view(subscriberId: string): Promise<AutopayView> {
    const now = this.clock.now();
    const { sub, amount } = await this.db.transaction().execute(async (trx) => {
      // The estimate is the next renewal less the balance, which must have paid this one first;
      // the plan it renews on and the balance are read under the lock, so a plan change or a
      // payment committing meanwhile is either wholly in the estimate or wholly out of it.
      await lockSubscriber(trx, subscriberId);
      await bookDueRenewal(trx, subscriberId, now);
      const row = await subscriberPlan(trx, subscriberId);
      if (!row) throw unauthorized('This account no longer exists.');
      const plan = await renewingPlan(trx, subscriberId, row);
      return { sub: row, amount: autopayAmount(plan, await ledgerBalance(trx, subscriberId)) };
    });
    const [settings, last, next] = await Promise.all([
      settingsOf(this.db, subscriberId),
      lastFinishedRun(this.db, subscriberId),
      nextRenewal(this.db, subscriberId, sub.cycle_anchor_day, now),
    ]);
    const enabled = settings?.enabled === 1;
    const card = await liveCard(this.db, subscriberId, settings?.payment_method_id ?? null);
    const paymentMethod: AutopayCard | null = card
      ? {
          id: card.id,
          brand: card.brand as CardBrand,
          last4: card.last4,
          expMonth: card.exp_month,
          expYear: card.exp_year,
        }
      : null;
    return {
      enabled,
      paymentMethod,
      discountCents: amount.discountCents,
      currency: sub.currency,
      renewsOn: next.renewsOn,
      // The window opens at midnight UTC the day before the renewal.
      nextChargeOn: enabled ? isoDay(Math.max(next.windowOpensAt, dayToMs(isoDay(now)))) : null,
      nextChargeCents: enabled ? amount.chargeCents : null,
      lastRun: last ? toRun(last) : null,
      cardExpiresBeforeNextCharge:
        enabled && !!card && cardExpiryEnd(card.exp_month, card.exp_year) < next.renewsAt,
    };
  }

  async update(subscriberId: string, body: AutopayUpdate): Promise<AutopayView> {
    const now = this.clock.now();
    if (body.enabled) {
      const card = await liveCard(this.db, subscriberId, body.paymentMethodId);
      if (!card) {
        throw new ApiHttpError(
          404,
          'payment_method_not_found',
          'There is no such saved card on this account.',
        );
      }
      if (cardExpiryEnd(card.exp_month, card.exp_year) <= now) {
        const message = `The card ending ${card.last4} expired in ${String(card.exp_month).padStart(2, '0')}/${card.exp_year}. Add a current card and choose it for AutoPay.`;
        throw new ApiHttpError(400, 'card_invalid', message, {
          issues: [{ path: 'body.paymentMethodId', message }],
        });
      }
    }
    const values = {
      enabled: body.enabled ? 1 : 0,
      // Turning AutoPay off keeps the chosen card, so turning it on again can show it.
      ...(body.enabled ? { payment_method_id: body.paymentMethodId } : {}),
      updated_at: now,
    };
    await this.db
      .insertInto('autopay_settings')
      .values({ subscriber_id: subscriberId, payment_method_id: null, ...values })
      .onConflict((oc) => oc.column('subscriber_id').doUpdateSet(values))
      .execute();
    return this.view(subscriberId);
  }
}
