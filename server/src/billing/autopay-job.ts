import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AutopayRunReasonCode, AutopayRunsTable, Database } from '../db/schema';
import type { DatabaseKind } from '../db/database';
import { MINUTE_MS, type Clock } from '../clock';
import type { PaymentProcessor } from './processor';
import { dayToMs } from './billing-cycle';
import { processorKeyFor } from './card-payments';
import { ledgerBalance, lockSubscriber } from '../account/plan-change-store';
import {
  autopayAmount,
  cardExpiryEnd,
  liveCard,
  renewingPlan,
  settingsOf,
  subscriberPlan,
  upcomingRenewal,
} from './autopay-account';
import { claim, ClaimLost } from './autopay-claims';
import { finishWithoutCharge, recordCharge, type Outcome } from './autopay-outcomes';
import { newId } from '../db/ids';

/**
 * How long a claimed run belongs to the instance that claimed it. An instance that dies mid-run
 * leaves the run to whoever claims it after this; the charge key makes that retry charge once.
 */
export const AUTOPAY_LEASE_MS = 5 * MINUTE_MS;

export interface AutopayJobOptions {
  /** `FOR UPDATE SKIP LOCKED` claims on PostgreSQL; conditional updates on SQLite. */
  dialect: DatabaseKind;
  leaseMs?: number;
  /** A run that threw (a processor or database error): it is retried once its lease ends. */
  onError?: (error: unknown, runId: string) => void;
}

export interface AutopayJobResult {
  succeeded: number;
  failed: number;
  skipped: number;
  /** Claimed by another instance, or the processor asked for a retry later. */
  deferred: number;
  /** Runs that threw; see `onError`. */
  errors: number;
}

/** The charge key of a renewal: the same on every instance and every retry. */
export function autopayChargeKey(subscriberId: string, renewsOn: string): string {
  return processorKeyFor(subscriberId, `autopay:${subscriberId}:${renewsOn}`);
}

/**
 * Charges every subscriber with AutoPay on whose renewal is within the next 24 hours, once per
 * renewal, and records each outcome in `autopay_runs` (and, for a charge, a payment row; on
 * success, a ledger credit). Safe to run on several instances at once and to run again after a
 * crash:
 * - one `autopay_runs` row per (subscriber, renewal day), created by an insert that ignores a
 *   duplicate, is the unit of work;
 * - an instance claims a pending row with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
 *   instances pass over rows another is claiming; a conditional update on SQLite's single writer);
 * - the amount and card are written to the row before the charge, and the charge carries a key
 *   derived from the subscriber and renewal day, so a retry after a crash or a lost lease asks the
 *   processor for the same charge and cannot charge twice;
 * - the outcome is written only while the claim is still held, in one transaction.
 */
export async function runAutopay(
  db: Kysely<Database>,
  processor: PaymentProcessor,
  clock: Clock,
  options: AutopayJobOptions,
): Promise<AutopayJobResult> {
  const result: AutopayJobResult = { succeeded: 0, failed: 0, skipped: 0, deferred: 0, errors: 0 };
  const leaseMs = options.leaseMs ?? AUTOPAY_LEASE_MS;
  const now = clock.now();

  const enabled = await db
    .selectFrom('autopay_settings as a')
    .innerJoin('subscribers as s', 's.id', 'a.subscriber_id')
    .select(['s.id', 's.cycle_anchor_day'])
    .where('a.enabled', '=', 1)
    .where('s.status', '=', 'active')
    .execute();
  for (const sub of enabled) {
    const renewal = upcomingRenewal(sub.cycle_anchor_day, now);
    if (now < renewal.windowOpensAt) continue;
    await db
      .insertInto('autopay_runs')
      .values({
        id: newId('apr'),
        subscriber_id: sub.id,
        renews_on: renewal.renewsOn,
        state: 'pending',
        claim_token: null,
        lease_until: null,
        payment_method_id: null,
        amount_cents: null,
        discount_cents: null,
        currency: null,
        card_brand: null,
        card_last4: null,
        payment_id: null,
        decline_code: null,
        message: null,
        created_at: now,
        finished_at: null,
      })
      .onConflict((oc) => oc.columns(['subscriber_id', 'renews_on']).doNothing())
      .execute();
  }

  // Every pending run nobody holds, including ones an instance left behind when it stopped.
  const pending = await db
    .selectFrom('autopay_runs')
    .select('id')
    .where('state', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .orderBy('created_at')
    .execute();
  for (const { id } of pending) {
    const token = await claim(db, options.dialect, id, now, leaseMs);
    if (!token) {
      result.deferred += 1;
      continue;
    }
    try {
      const outcome = await processRun(db, processor, clock, id, token);
      result[outcome] += 1;
    } catch (error) {
      // One subscriber's trouble must not hold up the others' renewals.
      if (error instanceof ClaimLost) {
        result.deferred += 1;
      } else {
        result.errors += 1;
        options.onError?.(error, id);
      }
    }
  }
  return result;
}

async function processRun(
  db: Kysely<Database>,
  processor: PaymentProcessor,
  clock: Clock,
  id: string,
  token: string,
): Promise<Outcome> {
  let run = await db
    .selectFrom('autopay_runs')
    .selectAll()
    .where('id', '=', id)
    .where('claim_token', '=', token)
    .executeTakeFirst();
  if (!run) throw new ClaimLost();

  if (run.amount_cents === null) {
    // Nothing was sent to the processor yet: decide now, from the current account.
    const claimed = run;
    const decided = await db
      .transaction()
      .execute((trx) => decideCharge(trx, clock, claimed, token));
    if (typeof decided === 'string') return decided;
    run = decided;
  }

  // The card as chosen when the amount was fixed; a card removed since has no token left, and
  // the processor then answers for a charge already made or declines.
  const method = await db
    .selectFrom('payment_methods')
    .select('token')
    .where('id', '=', run.payment_method_id!)
    .executeTakeFirst();
  const charge = await processor.charge(
    method?.token ?? '',
    run.amount_cents!,
    run.currency!,
    autopayChargeKey(run.subscriber_id, run.renews_on),
  );
  // Nothing was charged; the run stays claimed until the lease ends, then a later run retries.
  if (charge.status === 'retry') return 'deferred';
  return recordCharge(db, clock, run, token, charge);
}

/**
 * Fixes what a claimed run charges, or finishes it without a charge, in `trx`. The amount is the
 * renewal less the balance: the lock on the subscriber comes first, so the plan, the balance and
 * the run's amount are read and written as of one moment, and a refill or plan change committing
 * meanwhile is either wholly counted or not at all.
 */
async function decideCharge(
  trx: Transaction<Database>,
  clock: Clock,
  run: Selectable<AutopayRunsTable>,
  token: string,
): Promise<Outcome | Selectable<AutopayRunsTable>> {
  await lockSubscriber(trx, run.subscriber_id);
  const finish = (state: 'failed' | 'skipped', reason: AutopayRunReasonCode, message: string) =>
    finishWithoutCharge(trx, clock, run.id, token, state, reason, message);
  const now = clock.now();
  if (now >= dayToMs(run.renews_on)) {
    return finish(
      'failed',
      'too_late',
      'The renewal day passed before AutoPay could charge the card.',
    );
  }
  const sub = await subscriberPlan(trx, run.subscriber_id);
  const settings = await settingsOf(trx, run.subscriber_id);
  if (!sub || settings?.enabled !== 1)
    return finish('skipped', 'turned_off', 'AutoPay was turned off.');
  const amount = autopayAmount(
    await renewingPlan(trx, run.subscriber_id, sub),
    await ledgerBalance(trx, run.subscriber_id),
  );
  if (amount.chargeCents === 0) {
    return finish(
      'skipped',
      'covered',
      'The balance already covers this renewal; nothing was charged.',
    );
  }
  const card = await liveCard(trx, run.subscriber_id, settings.payment_method_id);
  if (!card) {
    return finish(
      'failed',
      'card_removed',
      'The AutoPay card was removed. Choose another card for AutoPay.',
    );
  }
  if (cardExpiryEnd(card.exp_month, card.exp_year) <= now) {
    return finish(
      'failed',
      'card_expired',
      `The AutoPay card ending ${card.last4} has expired. Choose a current card for AutoPay.`,
    );
  }
  const chosen = {
    payment_method_id: card.id,
    amount_cents: amount.chargeCents,
    discount_cents: amount.discountCents,
    currency: sub.currency,
    card_brand: card.brand,
    card_last4: card.last4,
  };
  const saved = await trx
    .updateTable('autopay_runs')
    .set(chosen)
    .where('id', '=', run.id)
    .where('claim_token', '=', token)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(saved.numUpdatedRows) !== 1) throw new ClaimLost();
  return { ...run, ...chosen };
}
