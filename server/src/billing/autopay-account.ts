import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { DAY_MS } from '../clock';
import { cycleContaining, dayToMs, isoDay } from './billing-cycle';
import { renewalTotal } from './charges';
import { pendingPlanChangeRow } from '../account/plan-change-store';

type Db = Kysely<Database> | Transaction<Database>;

/** How long before a renewal AutoPay charges the card. */
export const AUTOPAY_WINDOW_MS = DAY_MS;

/** The first moment a card with this expiry can no longer be charged (cards run to month end). */
export function cardExpiryEnd(expMonth: number, expYear: number): number {
  return Date.UTC(expYear, expMonth, 1);
}

/** The renewal the next AutoPay run is for, and when its charge window opens. */
export function upcomingRenewal(anchorDay: number, now: number) {
  const renewsOn = cycleContaining(anchorDay, isoDay(now)).renewsOn;
  const renewsAt = dayToMs(renewsOn);
  return { renewsOn, renewsAt, windowOpensAt: renewsAt - AUTOPAY_WINDOW_MS };
}

/** What AutoPay charges for a renewal: the plan's renewal total, less the discount and the credit. */
export function autopayAmount(
  plan: {
    name: string;
    price_cents: number;
    taxes_included: number;
    autopay_discount_cents: number;
  },
  balanceCents: number,
): { renewalCents: number; discountCents: number; chargeCents: number } {
  const renewalCents = renewalTotal(plan);
  const discountCents = Math.min(Math.max(0, plan.autopay_discount_cents), renewalCents);
  return {
    renewalCents,
    discountCents,
    chargeCents: Math.max(0, renewalCents - discountCents - balanceCents),
  };
}

export async function subscriberPlan(db: Db, subscriberId: string) {
  return db
    .selectFrom('subscribers as s')
    .innerJoin('plans as p', 'p.id', 's.plan_id')
    .select([
      's.id',
      's.status',
      's.cycle_anchor_day',
      'p.name',
      'p.price_cents',
      'p.taxes_included',
      'p.currency',
      'p.autopay_discount_cents',
    ])
    .where('s.id', '=', subscriberId)
    .executeTakeFirst();
}

/**
 * The plan a renewal is charged for: the one chosen for the next renewal when a change is
 * waiting (it takes effect on the renewal day, after AutoPay's window opens), else the current.
 */
export async function renewingPlan(
  db: Db,
  subscriberId: string,
  current: Parameters<typeof autopayAmount>[0],
) {
  return (await pendingPlanChangeRow(db, subscriberId)) ?? current;
}

/** The chosen card, when it is still saved. */
export async function liveCard(db: Db, subscriberId: string, paymentMethodId: string | null) {
  if (paymentMethodId === null) return undefined;
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('id', '=', paymentMethodId)
    .where('subscriber_id', '=', subscriberId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function settingsOf(db: Db, subscriberId: string) {
  return db
    .selectFrom('autopay_settings')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .executeTakeFirst();
}
