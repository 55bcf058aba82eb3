import { z } from 'zod';
import { LineItemField } from '../line-items';
import { CurrencyCode, Money } from '../money';
import { IsoDate, IsoDateTime, PendingPlanChange, Plan } from './account';

/** `GET /v1/plans`: the plans on sale, in catalogue order. */
export const PlanCatalogue = z.object({ items: z.array(Plan) });
export type PlanCatalogue = z.infer<typeof PlanCatalogue>;

/** When a plan change takes effect: at once (prorated), or when the plan next renews. */
export const PlanChangeTiming = z.enum(['now', 'next_renewal']);
export type PlanChangeTiming = z.infer<typeof PlanChangeTiming>;

const PlanId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'That plan id is not valid.');

export const PlanChangePreviewRequest = z.strictObject({
  planId: PlanId,
  when: PlanChangeTiming,
});
export type PlanChangePreviewRequest = z.infer<typeof PlanChangePreviewRequest>;

export const PlanChangeRequest = PlanChangePreviewRequest.extend({
  /**
   * The `netChargeCents` the preview showed. When given and the change would now cost something
   * else (the catalogue or the day changed), the change is refused with 409 `plan_price_changed`.
   */
  expectedChargeCents: z.number().int().min(-100_000_000_00).max(100_000_000_00).optional(),
});
export type PlanChangeRequest = z.infer<typeof PlanChangeRequest>;

/** One feature that differs between the current plan and the new one. */
export const PlanFeatureChange = z.object({
  feature: z.enum(['data', 'hotspot', 'talk', 'texts', 'international_texting']),
  /** MB, minutes or texts; `null` means unlimited. For international texting, 1 (yes) or 0 (no). */
  from: z.number().int().nonnegative().nullable(),
  to: z.number().int().nonnegative().nullable(),
  unit: z.enum(['MB', 'minutes', 'texts', 'included']),
  direction: z.enum(['more', 'less']),
});
export type PlanFeatureChange = z.infer<typeof PlanFeatureChange>;

export const PlanChangePreview = z.object({
  currentPlan: Plan,
  newPlan: Plan,
  when: PlanChangeTiming,
  /** Only the features that differ, in a fixed order (data, hotspot, talk, texts, international). */
  changes: z.array(PlanFeatureChange),
  /** The first day on the new plan: today, or the renewal day. */
  effectiveOn: IsoDate,
  /** Days the proration covers (today included) out of the days in the cycle; 0 at renewal. */
  prorationDays: z.number().int().nonnegative(),
  cycleDays: z.number().int().positive(),
  currency: CurrencyCode,
  /** The new plan's price for the days left, rounded down. 0 at renewal. */
  chargeNowCents: z.number().int().nonnegative(),
  /** The current plan's price for the days left, rounded up, given back. 0 at renewal. */
  creditCents: z.number().int().nonnegative(),
  /** chargeNowCents − creditCents: taken from the balance (negative: added to it). */
  netChargeCents: z.number().int(),
  /** The balance now, and after the change. */
  balanceCents: z.number().int(),
  balanceAfterCents: z.number().int(),
  /** What the first renewal on the new plan will cost, taxes and fees included. */
  nextRenewalCents: z.number().int().nonnegative(),
  /** The same, as sentences for the subscriber. */
  explanation: z.array(z.string()),
});
export type PlanChangePreview = z.infer<typeof PlanChangePreview>;

export const PlanChangeResult = PlanChangePreview.extend({
  changeId: z.string(),
  status: z.enum(['applied', 'pending']),
});
export type PlanChangeResult = z.infer<typeof PlanChangeResult>;

/** `DELETE /v1/account/plan/pending`: the change that no longer happens, and the plan kept. */
export const CancelledPlanChange = z.object({
  cancelled: PendingPlanChange,
  /** The plan the subscriber stays on (and renews on). */
  plan: Plan,
});
export type CancelledPlanChange = z.infer<typeof CancelledPlanChange>;

// ---- add-ons ----

export const AddOnKind = z.enum(['data', 'international']);

export const AddOn = z.object({
  id: z.string(),
  name: z.string(),
  kind: AddOnKind,
  price: Money,
  /** High-speed data it adds for the rest of the cycle (0 for minutes). */
  dataMb: z.number().int().nonnegative(),
  /** International calling minutes it adds (0 for data). */
  internationalMinutes: z.number().int().nonnegative(),
});
export type AddOn = z.infer<typeof AddOn>;

export const ActiveAddOn = z.object({
  /** This purchase. */
  id: z.string(),
  addOnId: z.string(),
  name: z.string(),
  kind: AddOnKind,
  dataMb: z.number().int().nonnegative(),
  /** Data left on a data pass (used after the plan's own allowance); `null` for other kinds. */
  remainingMb: z.number().int().nonnegative().nullable(),
  internationalMinutes: z.number().int().nonnegative(),
  /** Minutes left on an international pass (passes are used oldest first); `null` for other kinds. */
  remainingMinutes: z.number().int().nonnegative().nullable(),
  /** Last day it can be used: the end of the cycle it was bought in. */
  expiresOn: IsoDate,
  purchasedAt: IsoDateTime,
});
export type ActiveAddOn = z.infer<typeof ActiveAddOn>;

export const AddOnList = z.object({
  available: z.array(AddOn),
  active: z.array(ActiveAddOn),
});
export type AddOnList = z.infer<typeof AddOnList>;

export const AddOnPurchaseRequest = z.strictObject({
  addOnId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'That add-on id is not valid.'),
});
export type AddOnPurchaseRequest = z.infer<typeof AddOnPurchaseRequest>;

export const AddOnPurchase = z.object({
  addOn: ActiveAddOn,
  charged: Money,
  balanceAfter: Money,
});
export type AddOnPurchase = z.infer<typeof AddOnPurchase>;

// ---- receipts ----

/** One money line of a plan change: what the new plan costs for the days left, or a credit. */
export const PlanChangeReceiptLine = z.object({
  /** `plan_change_charge` or `plan_change_credit`, with the plans and days; the reader words it. */
  item: LineItemField,
  /** Negative: charged to the balance; positive: credited to it. */
  amount: Money,
});
export type PlanChangeReceiptLine = z.infer<typeof PlanChangeReceiptLine>;

/**
 * `GET /v1/account/plan/changes/:id/receipt`: the receipt of one plan change, from what was
 * recorded when it was made (later catalogue edits do not change it).
 */
export const PlanChangeReceipt = z.object({
  changeId: z.string(),
  /** When the change was made. */
  createdAt: IsoDateTime,
  fromPlan: z.object({ id: z.string(), name: z.string() }),
  toPlan: z.object({ id: z.string(), name: z.string() }),
  /** now: prorated at once; next_renewal: the new plan starts on `effectiveOn`. */
  when: PlanChangeTiming,
  effectiveOn: IsoDate,
  /** `pending` until its renewal day; `cancelled` when it was called off before then. */
  status: z.enum(['applied', 'pending', 'cancelled']),
  /** The money lines; empty for a change at the renewal (nothing moved at once). */
  lines: z.array(PlanChangeReceiptLine),
  /** The new plan's price for the days left (0 at renewal). */
  charged: Money,
  /** The current plan's unused days given back (0 at renewal). */
  credited: Money,
  /** charged − credited: taken from the balance (negative: added to it). */
  netCharge: Money,
  /** The balance right after the change (positive = credit); null for changes from before it was kept. */
  balanceAfter: Money.nullable(),
});
export type PlanChangeReceipt = z.infer<typeof PlanChangeReceipt>;

export const PlanChangeParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'That plan change id is not valid.'),
});
