import { z } from 'zod';
import { CardBrand } from './cards';

/**
 * What a line of a statement, a receipt, a payment or the ledger is for, as a kind code and its
 * parameters rather than a sentence. The API stores and sends these; whoever shows a line words it
 * in the reader's language from the kind (the renderer by `lineItems.<kind>` in its catalogues,
 * the statement PDF, the CSV export, e-mailed and printed receipts with `line-item-words.ts`).
 * Kinds and their parameters are never renamed or reused; a new kind needs words in every
 * language before it compiles.
 */

/** A calendar day, `YYYY-MM-DD` (declared here too, so this file depends on no HTTP schema). */
const Day = z.iso.date();
const Count = z.number().int().nonnegative();
const Last4 = z.string().regex(/^\d{4}$/);

/** Taxes charged with a renewal of a plan sold "plus taxes and fees". */
export const TAX_NAMES = ['state_and_local'] as const;
export const TaxName = z.enum(TAX_NAMES);
export type TaxName = z.infer<typeof TaxName>;

/** Fees charged with a renewal of a plan sold "plus taxes and fees". */
export const FEE_NAMES = ['regulatory_911'] as const;
export const FeeName = z.enum(FEE_NAMES);
export type FeeName = z.infer<typeof FeeName>;

/**
 * Plans are named as they were when the line was written: a statement is a record of what was
 * charged, and a later rename in the catalogue must not change it. Names are product names, the
 * same in every language.
 */
const PlanChange = {
  fromPlanId: z.string(),
  fromPlanName: z.string(),
  toPlanId: z.string(),
  toPlanName: z.string(),
  /** Days of the cycle left when the change was made, the day of the change included. */
  days: Count,
  cycleDays: Count,
};

export const LineItem = z.discriminatedUnion('kind', [
  /** A plan's renewal for one cycle. `period` is null on lines written before it was kept. */
  z.object({
    kind: z.literal('plan_renewal'),
    planId: z.string(),
    planName: z.string(),
    period: z.object({ from: Day, to: Day }).nullable(),
  }),
  /** A plan change made at once: the new plan for the days left in the cycle. */
  z.object({ kind: z.literal('plan_change_charge'), ...PlanChange }),
  /** A plan change made at once: the old plan's unused days, given back. */
  z.object({ kind: z.literal('plan_change_credit'), ...PlanChange }),
  /** A data pass, usable until the end of the cycle it was bought in. */
  z.object({ kind: z.literal('data_pass'), addOnId: z.string(), dataMb: Count, until: Day }),
  /** A pass of international minutes, usable until the end of the cycle it was bought in. */
  z.object({
    kind: z.literal('international_pass'),
    addOnId: z.string(),
    minutes: Count,
    until: Day,
  }),
  z.object({ kind: z.literal('tax'), name: TaxName }),
  z.object({ kind: z.literal('fee'), name: FeeName }),
  /** What AutoPay took off the renewal it paid. */
  z.object({ kind: z.literal('autopay_discount') }),
  /**
   * A payment by card. `last4` is null, and `brand` `unknown`, on lines of old statements whose
   * card was not recorded with them.
   */
  z.object({ kind: z.literal('card_payment'), brand: CardBrand, last4: Last4.nullable() }),
  /** A payment AutoPay made with the saved card, as `card_payment`. */
  z.object({ kind: z.literal('autopay_payment'), brand: CardBrand, last4: Last4.nullable() }),
  /** Credit from a prepaid refill card (its PIN). */
  z.object({ kind: z.literal('refill_pin') }),
  /**
   * A line whose words were written before lines had kinds and match none of them: the words as
   * they were, in English.
   */
  z.object({ kind: z.literal('other'), text: z.string() }),
]);
export type LineItem = z.infer<typeof LineItem>;
export type LineItemKind = LineItem['kind'];
export type LineItemOf<K extends LineItemKind> = Extract<LineItem, { kind: K }>;

/** Every kind, in the order of the union. */
export const LINE_ITEM_KINDS: readonly LineItemKind[] = LineItem.options.map(
  (option) => option.shape.kind.value,
);

/**
 * A line item in an answer of the API. The API adds kinds over time: one this version does not
 * know yet is read as an `other` line without words, so the rest of the statement or receipt
 * (its amounts above all) stays readable. Sending is strict: the API may only send a
 * {@link LineItem}.
 */
export const LineItemField = LineItem.catch({ kind: 'other', text: '' });
