import type { Kysely, Transaction } from 'kysely';
import type { Plan } from '../../../contract/http/account';
import type {
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangePreview,
  PlanChangeRequest,
  PlanChangeResult,
  PlanChangeTiming,
  PlanFeatureChange,
} from '../../../contract/http/plans';
import { formatMoney } from '../../../contract/money';
import type { Database, PlansTable } from '../db/schema';
import type { Clock } from '../clock';
import { ApiHttpError, unauthorized } from '../errors';
import { toPlan } from './account-service';
import { cycleContaining, daysBetween, isoDay } from '../billing/billing-cycle';
import { renewalTotal } from '../billing/charges';
import { storedLineItem } from '../billing/line-items';
import { runIdempotent, type IdempotentAnswer } from '../billing/idempotency';
import { crashPoint } from '../billing/crash-point';
import { prorate } from './proration';
import { bookDueRenewal, bookDueRenewalNow } from '../billing/renewals';
import {
  applyDuePlanChange,
  duePlanChanges,
  ledgerBalance,
  lockSubscriber,
  pendingPlanChangeRow,
} from './plan-change-store';
import { newId } from '../db/ids';

type Db = Kysely<Database> | Transaction<Database>;

const PLAN_CHANGE = 'plan_change';

export const accountSuspended = (): ApiHttpError =>
  new ApiHttpError(
    409,
    'account_suspended',
    'This account is suspended, so its plan and add-ons cannot be changed. Contact customer care to restore service.',
  );

export const insufficientBalance = (
  shortfallCents: number,
  currency: string,
  what: string,
): ApiHttpError =>
  new ApiHttpError(
    402,
    'insufficient_balance',
    `The balance does not cover ${what}. Add at least ${formatMoney({ amountCents: shortfallCents, currency })} and try again.`,
    { shortfallCents },
  );

/** Features compared between two plans, in the order the preview lists them. */
function featureChanges(from: Plan, to: Plan): PlanFeatureChange[] {
  // `null` is unlimited: more than any number.
  const rank = (v: number | null) => (v === null ? Number.POSITIVE_INFINITY : v);
  const items: [
    PlanFeatureChange['feature'],
    number | null,
    number | null,
    PlanFeatureChange['unit'],
  ][] = [
    ['data', from.dataAllowanceMb, to.dataAllowanceMb, 'MB'],
    ['hotspot', from.hotspotMb, to.hotspotMb, 'MB'],
    ['talk', from.talkMinutes, to.talkMinutes, 'minutes'],
    ['texts', from.texts, to.texts, 'texts'],
    [
      'international_texting',
      from.internationalTexting ? 1 : 0,
      to.internationalTexting ? 1 : 0,
      'included',
    ],
  ];
  return items
    .filter(([, a, b]) => a !== b)
    .map(([feature, a, b, unit]) => ({
      feature,
      from: a,
      to: b,
      unit,
      direction: rank(b) > rank(a) ? ('more' as const) : ('less' as const),
    }));
}

/** Plan catalogue, and changing plan now (prorated) or at the renewal. */
export class PlanService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async catalogue(): Promise<PlanCatalogue> {
    const rows = await this.db
      .selectFrom('plans')
      .selectAll()
      .where('active', '=', 1)
      .orderBy('sort_order')
      .orderBy('id')
      .execute();
    return { items: rows.map(toPlan) };
  }

  /** What a change would do, computed from the state `db` sees. Throws the refusals. */
  private async quote(
    db: Db,
    subscriberId: string,
    planId: string,
    when: PlanChangeTiming,
  ): Promise<{ preview: PlanChangePreview; current: PlansTable; next: PlansTable }> {
    const sub = await db
      .selectFrom('subscribers as s')
      .innerJoin('plans as p', 'p.id', 's.plan_id')
      .selectAll('p')
      .select(['s.status', 's.cycle_anchor_day'])
      .where('s.id', '=', subscriberId)
      .executeTakeFirst();
    if (!sub) throw unauthorized('This account no longer exists.');
    if (sub.status !== 'active') throw accountSuspended();
    const next = await db
      .selectFrom('plans')
      .selectAll()
      .where('id', '=', planId)
      .where('active', '=', 1)
      .executeTakeFirst();
    if (!next) {
      throw new ApiHttpError(404, 'plan_not_found', 'There is no such plan on sale.');
    }
    if (next.id === sub.id) {
      throw new ApiHttpError(400, 'plan_unchanged', `You are already on ${next.name}.`);
    }
    const { status: _status, cycle_anchor_day: anchor, ...current } = sub;
    const today = isoDay(this.clock.now());
    const cycle = cycleContaining(anchor, today);
    const balanceCents = await ledgerBalance(db, subscriberId);
    const currentPlan = toPlan(current);
    const newPlan = toPlan(next);
    const currency = current.currency;
    const $ = (amountCents: number) => formatMoney({ amountCents, currency });
    const nextRenewalCents = renewalTotal(next);
    const renewalLine = `From ${cycle.renewsOn}, ${next.name} renews at ${$(nextRenewalCents)} a month${next.taxes_included ? ', taxes and fees included' : ' with taxes and fees'}.`;

    let preview: PlanChangePreview;
    if (when === 'now') {
      const p = prorate(cycle, today, current.price_cents, next.price_cents);
      const net = p.chargeCents - p.creditCents;
      const days = `${p.daysLeft} of ${p.cycleDays} days`;
      preview = {
        currentPlan,
        newPlan,
        when,
        changes: featureChanges(currentPlan, newPlan),
        effectiveOn: today,
        prorationDays: p.daysLeft,
        cycleDays: p.cycleDays,
        currency,
        chargeNowCents: p.chargeCents,
        creditCents: p.creditCents,
        netChargeCents: net,
        balanceCents,
        balanceAfterCents: balanceCents - net,
        nextRenewalCents,
        explanation: [
          `Your plan changes from ${current.name} to ${next.name} today (${today}).`,
          `Credit for the unused ${days} of ${current.name}: ${$(p.creditCents)}.`,
          `${next.name} for the same ${days}: ${$(p.chargeCents)}.`,
          net > 0
            ? `Taken from your balance now: ${$(net)}.`
            : net < 0
              ? `Added to your balance now: ${$(-net)}.`
              : 'Nothing to pay now.',
          renewalLine,
        ],
      };
    } else {
      preview = {
        currentPlan,
        newPlan,
        when,
        changes: featureChanges(currentPlan, newPlan),
        effectiveOn: cycle.renewsOn,
        prorationDays: 0,
        cycleDays: daysBetween(cycle.start, cycle.renewsOn),
        currency,
        chargeNowCents: 0,
        creditCents: 0,
        netChargeCents: 0,
        balanceCents,
        balanceAfterCents: balanceCents,
        nextRenewalCents,
        explanation: [
          `Your plan changes from ${current.name} to ${next.name} on ${cycle.renewsOn}, when it renews. Nothing is charged now.`,
          `You keep ${current.name} until then.`,
          renewalLine,
        ],
      };
    }
    return { preview, current, next };
  }

  async preview(
    subscriberId: string,
    planId: string,
    when: PlanChangeTiming,
  ): Promise<PlanChangePreview> {
    await applyDuePlanChanges(this.db, this.clock.now(), subscriberId);
    // On renewal day before the statement job: the renewal is taken first, as the change would.
    await bookDueRenewalNow(this.db, subscriberId, this.clock.now());
    return (await this.quote(this.db, subscriberId, planId, when)).preview;
  }

  /**
   * `POST /v1/account/plan/change`: 200 with what was done, once per Idempotency-Key. The quote is
   * computed again inside the transaction that applies it, so what is charged is what the state
   * at that moment says, never what the client sent.
   */
  async change(
    subscriberId: string,
    key: string,
    body: PlanChangeRequest,
  ): Promise<IdempotentAnswer> {
    return runIdempotent(
      this.db,
      this.clock,
      { subscriberId, key, operation: PLAN_CHANGE, requestBody: body },
      async (ctx) => {
        await applyDuePlanChanges(this.db, this.clock.now(), subscriberId);
        const answer = await this.db.transaction().execute(async (trx) => {
          await lockSubscriber(trx, subscriberId);
          // The cycle's renewal is booked before it is prorated: otherwise, on renewal day before
          // the statement job ran, the change would credit a cycle never charged and the job would
          // then charge the new plan's renewal on top of the new plan's full cycle.
          await bookDueRenewal(trx, subscriberId, this.clock.now());
          const { preview, current, next } = await this.quote(
            trx,
            subscriberId,
            body.planId,
            body.when,
          );
          if (
            body.expectedChargeCents !== undefined &&
            body.expectedChargeCents !== preview.netChargeCents
          ) {
            throw new ApiHttpError(
              409,
              'plan_price_changed',
              `This change now costs ${formatMoney({ amountCents: preview.netChargeCents, currency: preview.currency })}, not what was shown. Look at the new preview before confirming.`,
            );
          }
          if (preview.netChargeCents > 0 && preview.balanceAfterCents < 0) {
            throw insufficientBalance(
              -preview.balanceAfterCents,
              preview.currency,
              'this plan change',
            );
          }
          const now = this.clock.now();
          const changeId = newId('pc');
          // A newer choice replaces a change that was waiting for the renewal.
          await trx
            .updateTable('plan_changes')
            .set({ status: 'cancelled' })
            .where('subscriber_id', '=', subscriberId)
            .where('status', '=', 'pending')
            .execute();
          await trx
            .insertInto('plan_changes')
            .values({
              id: changeId,
              subscriber_id: subscriberId,
              from_plan_id: current.id,
              to_plan_id: next.id,
              timing: body.when,
              effective_on: preview.effectiveOn,
              status: body.when === 'now' ? 'applied' : 'pending',
              charge_cents: preview.chargeNowCents,
              credit_cents: preview.creditCents,
              created_at: now,
              applied_at: body.when === 'now' ? now : null,
              // Kept for the change's receipt: the ledger alone cannot tell it later.
              balance_after_cents: preview.balanceAfterCents,
            })
            .execute();
          if (body.when === 'now') {
            const change = {
              fromPlanId: current.id,
              fromPlanName: current.name,
              toPlanId: next.id,
              toPlanName: next.name,
              days: preview.prorationDays,
              cycleDays: preview.cycleDays,
            };
            const entries = [
              {
                id: `${changeId}-charge`,
                kind: 'plan_charge' as const,
                amount_cents: -preview.chargeNowCents,
                item: storedLineItem({ kind: 'plan_change_charge', ...change }),
              },
              {
                id: `${changeId}-credit`,
                kind: 'credit' as const,
                amount_cents: preview.creditCents,
                item: storedLineItem({ kind: 'plan_change_credit', ...change }),
              },
            ].filter((e) => e.amount_cents !== 0);
            if (entries.length > 0) {
              await trx
                .insertInto('ledger_entries')
                .values(
                  entries.map((e) => ({
                    ...e,
                    subscriber_id: subscriberId,
                    currency: preview.currency,
                    created_at: now,
                    statement_id: null,
                    payment_id: null,
                  })),
                )
                .execute();
            }
            await trx
              .updateTable('subscribers')
              .set({ plan_id: next.id })
              .where('id', '=', subscriberId)
              .execute();
          }
          const result: PlanChangeResult = {
            ...preview,
            changeId,
            status: body.when === 'now' ? 'applied' : 'pending',
          };
          await ctx.complete(trx, 200, result);
          return { status: 200, body: result };
        });
        crashPoint('plan_change');
        return answer;
      },
    );
  }

  /**
   * `DELETE /v1/account/plan/pending`: the change waiting for the renewal is cancelled and the
   * subscriber renews on the current plan. Nothing was charged for it, so nothing is given back.
   * A change whose renewal day has come is applied first, so it can no longer be cancelled: the
   * answer is then 404 `no_pending_plan_change`, as when nothing was ever scheduled.
   */
  async cancelPending(subscriberId: string): Promise<CancelledPlanChange> {
    const now = this.clock.now();
    await applyDuePlanChanges(this.db, now, subscriberId);
    return this.db.transaction().execute(async (trx) => {
      await lockSubscriber(trx, subscriberId);
      const current = await trx
        .selectFrom('subscribers as s')
        .innerJoin('plans as p', 'p.id', 's.plan_id')
        .selectAll('p')
        .where('s.id', '=', subscriberId)
        .executeTakeFirst();
      if (!current) throw unauthorized('This account no longer exists.');
      const pending = await pendingPlanChangeRow(trx, subscriberId);
      // Conditional on still pending and not yet due: the renewal job may run at the same moment,
      // and whichever update lands first wins; the other finds nothing to do.
      const updated = pending
        ? await trx
            .updateTable('plan_changes')
            .set({ status: 'cancelled' })
            .where('id', '=', pending.change_id)
            .where('status', '=', 'pending')
            .where('effective_on', '>', isoDay(now))
            .executeTakeFirst()
        : null;
      if (!pending || Number(updated?.numUpdatedRows ?? 0) !== 1) {
        throw new ApiHttpError(
          404,
          'no_pending_plan_change',
          `No plan change is scheduled for your next renewal. You stay on ${current.name}.`,
        );
      }
      const { change_id, effective_on, requested_at, ...plan } = pending;
      return {
        cancelled: {
          id: change_id,
          plan: toPlan(plan),
          effectiveOn: effective_on,
          requestedAt: new Date(requested_at).toISOString(),
        },
        plan: toPlan(current),
      };
    });
  }
}

/**
 * Moves every subscriber whose pending plan change is due on `now` (its renewal day has come) to
 * the new plan. Run on a timer and before any plan change; safe to run on several instances at
 * once, because each change is applied by a conditional update. A change to a plan that has
 * since been taken off sale is cancelled and the subscriber keeps the current plan.
 */
export async function applyDuePlanChanges(
  db: Kysely<Database>,
  now: number,
  subscriberId?: string,
): Promise<{ applied: number; cancelled: number }> {
  const due = await duePlanChanges(db, isoDay(now), subscriberId);
  const counts = { applied: 0, cancelled: 0 };
  for (const change of due) {
    const outcome = await db.transaction().execute((trx) => applyDuePlanChange(trx, change, now));
    if (outcome) counts[outcome] += 1;
  }
  return counts;
}
