import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CardBrand, DeclineCode } from '../../../contract/cards';
import type {
  AutopayCard,
  AutopayRun,
  AutopayUpdate,
  AutopayView,
} from '../../../contract/http/autopay';
import type { AutopayRunReasonCode, AutopayRunsTable, Database, PaymentsTable } from '../db/schema';
import type { DatabaseKind } from '../db/database';
import { DAY_MS, MINUTE_MS, type Clock } from '../clock';
import { ApiHttpError, unauthorized } from '../errors';
import type { ChargeResult, PaymentProcessor } from './processor';
import { cycleContaining, dayToMs, isoDay } from './billing-cycle';
import { renewalTotal } from './charges';
import { storedLineItem } from './line-items';
import { processorKeyFor, receiptNumber } from './payment-service';
import { ledgerBalance, lockSubscriber, pendingPlanChangeRow } from '../account/plan-change-store';
import { bookDueRenewal } from './renewals';

type Db = Kysely<Database> | Transaction<Database>;

/** How long before a renewal AutoPay charges the card. */
export const AUTOPAY_WINDOW_MS = DAY_MS;
/**
 * How long a claimed run belongs to the instance that claimed it. An instance that dies mid-run
 * leaves the run to whoever claims it after this; the charge key makes that retry charge once.
 */
export const AUTOPAY_LEASE_MS = 5 * MINUTE_MS;

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/** The first moment a card with this expiry can no longer be charged (cards run to month end). */
export function cardExpiryEnd(expMonth: number, expYear: number): number {
  return Date.UTC(expYear, expMonth, 1);
}

/** The renewal the next AutoPay run is for, and when its charge window opens. */
function upcomingRenewal(anchorDay: number, now: number) {
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

async function subscriberPlan(db: Db, subscriberId: string) {
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
async function renewingPlan(
  db: Db,
  subscriberId: string,
  current: Parameters<typeof autopayAmount>[0],
) {
  return (await pendingPlanChangeRow(db, subscriberId)) ?? current;
}

/** The chosen card, when it is still saved. */
async function liveCard(db: Db, subscriberId: string, paymentMethodId: string | null) {
  if (paymentMethodId === null) return undefined;
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('id', '=', paymentMethodId)
    .where('subscriber_id', '=', subscriberId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

async function settingsOf(db: Db, subscriberId: string) {
  return db
    .selectFrom('autopay_settings')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .executeTakeFirst();
}

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

// ---- the job ----

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

const DECLINE_REASONS: Record<DeclineCode, string> = {
  card_declined: 'the card was declined',
  insufficient_funds: 'the card was declined for insufficient funds',
  invalid_token: 'the saved card can no longer be charged',
};

function dollars(cents: number, currency: string): string {
  return `${currency === 'USD' ? '$' : `${currency} `}${(cents / 100).toFixed(2)}`;
}

/** A claim lost to another instance (its lease ran out and it was taken over): nothing to write. */
class ClaimLost extends Error {}

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

async function claim(
  db: Kysely<Database>,
  dialect: DatabaseKind,
  id: string,
  now: number,
  leaseMs: number,
): Promise<string | null> {
  const token = randomBytes(12).toString('hex');
  const take = (trx: Db) =>
    trx
      .updateTable('autopay_runs')
      .set({ claim_token: token, lease_until: now + leaseMs })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
  if (dialect === 'postgres') {
    return db.transaction().execute(async (trx) => {
      // A row another instance is claiming right now is passed over, not waited for.
      const row = await trx
        .selectFrom('autopay_runs')
        .select('id')
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return null;
      return Number((await take(trx)).numUpdatedRows) === 1 ? token : null;
    });
  }
  // SQLite has one writer at a time: the conditional update alone decides who holds the run.
  return Number((await take(db)).numUpdatedRows) === 1 ? token : null;
}

type Outcome = 'succeeded' | 'failed' | 'skipped' | 'deferred';

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

async function finishWithoutCharge(
  db: Db,
  clock: Clock,
  id: string,
  token: string,
  state: 'failed' | 'skipped',
  reason: AutopayRunReasonCode,
  message: string,
): Promise<Outcome> {
  const done = await db
    .updateTable('autopay_runs')
    .set({ state, reason, message, finished_at: clock.now(), claim_token: null, lease_until: null })
    .where('id', '=', id)
    .where('claim_token', '=', token)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) !== 1) throw new ClaimLost();
  return state;
}

/** The payment row, the ledger credit (on success) and the run's outcome, together or not at all. */
async function recordCharge(
  db: Kysely<Database>,
  clock: Clock,
  run: Selectable<AutopayRunsTable>,
  token: string,
  charge: ChargeResult,
): Promise<Outcome> {
  const now = clock.now();
  const succeeded = charge.status === 'succeeded';
  const amountCents = run.amount_cents!;
  const currency = run.currency!;
  const declineCode = succeeded ? null : (charge.declineCode ?? 'card_declined');
  const brand = run.card_brand && run.card_brand !== 'unknown' ? `${run.card_brand} ` : '';
  const card = `${brand}card ending ${run.card_last4 ?? ''}`;
  const message = succeeded
    ? `Paid ${dollars(amountCents, currency)} with the ${card} for the renewal on ${run.renews_on}.`
    : `AutoPay could not pay ${dollars(amountCents, currency)} for the renewal on ${run.renews_on}: ${DECLINE_REASONS[declineCode!]}. Pay by another card before the renewal.`;
  const paymentId = newId('pay');
  const item = storedLineItem({
    kind: 'autopay_payment',
    brand: run.card_brand ?? 'unknown',
    last4: run.card_last4,
  });
  await db.transaction().execute(async (trx) => {
    // First statement a write: on SQLite the transaction takes the write lock at once (and waits
    // for it) instead of failing to upgrade a read later. It is the subscriber's lock, taken
    // before the run's row as `decideCharge` does, so the two never wait on each other in a
    // cycle, and the balance read below is the one this payment lands on.
    await lockSubscriber(trx, run.subscriber_id);
    const taken = await trx
      .updateTable('autopay_runs')
      .set({
        state: succeeded ? 'succeeded' : 'failed',
        message,
        reason: succeeded ? null : 'declined',
        decline_code: declineCode,
        finished_at: now,
        claim_token: null,
        lease_until: null,
      })
      .where('id', '=', run.id)
      .where('claim_token', '=', token)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) throw new ClaimLost();
    const payment: Selectable<PaymentsTable> = {
      id: paymentId,
      subscriber_id: run.subscriber_id,
      amount_cents: amountCents,
      currency,
      method: 'autopay',
      card_last4: run.card_last4,
      card_brand: run.card_brand,
      status: succeeded ? 'succeeded' : 'failed',
      item,
      created_at: now,
      statement_id: null,
      receipt_number: receiptNumber(now),
      balance_after_cents: succeeded
        ? (await ledgerBalance(trx, run.subscriber_id)) + amountCents
        : null,
      decline_code: declineCode,
    };
    await trx.insertInto('payments').values(payment).execute();
    if (succeeded) {
      await trx
        .insertInto('ledger_entries')
        .values({
          id: `${paymentId}-credit`,
          subscriber_id: run.subscriber_id,
          kind: 'payment',
          amount_cents: amountCents,
          currency,
          item,
          created_at: now,
          statement_id: null,
          payment_id: paymentId,
        })
        .execute();
    }
    await trx
      .updateTable('autopay_runs')
      .set({ payment_id: paymentId })
      .where('id', '=', run.id)
      .execute();
  });
  return succeeded ? 'succeeded' : 'failed';
}
