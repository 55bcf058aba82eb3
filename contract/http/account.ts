import { z } from 'zod';
import { CardBrand, DeclineCodeField } from '../cards';
import { LineItemField } from '../line-items';
import { Money } from '../money';
import { Language } from '../settings';
import { SubscriberProfile } from './auth';

/** A calendar day, `YYYY-MM-DD`, in UTC. */
export const IsoDate = z.iso.date().max(10, 'Use a date written as YYYY-MM-DD.');
/** A moment, ISO-8601 in UTC. */
export const IsoDateTime = z.iso.datetime();

export const Plan = z.object({
  id: z.string(),
  name: z.string(),
  monthlyPrice: Money,
  /** High-speed data per cycle in MB; `null` means unlimited. */
  dataAllowanceMb: z.number().int().nonnegative().nullable(),
  /** What happens past the allowance: data stops, or continues at reduced speed. */
  dataAfterAllowance: z.enum(['blocked', 'slowed', 'none']),
  /** Mobile hotspot per cycle in MB; 0 means no hotspot. */
  hotspotMb: z.number().int().nonnegative(),
  /** `null` means unlimited. */
  talkMinutes: z.number().int().nonnegative().nullable(),
  /** `null` means unlimited. */
  texts: z.number().int().nonnegative().nullable(),
  internationalTexting: z.boolean(),
  taxesAndFeesIncluded: z.boolean(),
});
export type Plan = z.infer<typeof Plan>;

export const Cycle = z.object({
  /** First day of the cycle. */
  start: IsoDate,
  /** Last day of the cycle (the plan renews the day after). */
  end: IsoDate,
  /** Whole days left, today included. */
  daysLeft: z.number().int().nonnegative(),
});
export type Cycle = z.infer<typeof Cycle>;

export const UsageTotals = z.object({
  dataUsedMb: z.number().int().nonnegative(),
  minutesUsed: z.number().int().nonnegative(),
  textsUsed: z.number().int().nonnegative(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

export const AccountStatus = z.enum(['active', 'suspended']);

/** A plan change that waits for the renewal (`POST /v1/account/plan/change` with next_renewal). */
export const PendingPlanChange = z.object({
  id: z.string(),
  plan: Plan,
  effectiveOn: IsoDate,
  requestedAt: IsoDateTime,
});
export type PendingPlanChange = z.infer<typeof PendingPlanChange>;

export const AccountSummary = z.object({
  subscriber: SubscriberProfile,
  status: AccountStatus,
  /** Prepaid credit on the account (refills and payments minus charges). */
  balance: Money,
  /** What must be paid before the renewal date so the plan renews. */
  amountDue: Money,
  dueDate: IsoDate,
  plan: Plan,
  cycle: Cycle,
  usage: UsageTotals,
  /** A plan change that starts at the renewal, or `null`. Always sent by the API. */
  pendingPlanChange: PendingPlanChange.nullable().optional(),
  /** High-speed data added this cycle by data passes, on top of the plan's allowance. */
  addOnDataMb: z.number().int().nonnegative().optional(),
  /** What the dashboard flags about AutoPay (details at `GET /v1/account/autopay`). Always sent by the API. */
  autopay: z
    .object({
      enabled: z.boolean(),
      /** The last AutoPay run failed (a declined or expired card): the renewal is not paid. */
      lastRunFailed: z.boolean(),
      /** AutoPay is on and its card expires before the next charge. */
      cardExpiresSoon: z.boolean(),
    })
    .optional(),
});
export type AccountSummary = z.infer<typeof AccountSummary>;

export const UsageQuery = z.strictObject({
  /** `current` (default), or any day inside the wanted cycle. */
  cycle: z.union([z.literal('current'), IsoDate]).default('current'),
});
export type UsageQuery = z.input<typeof UsageQuery>;

export const UsageDay = z.object({
  date: IsoDate,
  dataMb: z.number().int().nonnegative(),
  minutes: z.number().int().nonnegative(),
  texts: z.number().int().nonnegative(),
});
export type UsageDay = z.infer<typeof UsageDay>;

export const UsageResponse = z.object({
  cycle: Cycle,
  totals: UsageTotals,
  /** One point per day of the cycle up to today, oldest first (days without use are zeros). */
  days: z.array(UsageDay),
  /** A day inside the previous cycle, or `null` when the account has no older usage. */
  previousCycle: IsoDate.nullable(),
});
export type UsageResponse = z.infer<typeof UsageResponse>;

export const PageQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'limit must be a number.' })
    .int('limit must be a whole number.')
    .min(1, 'limit must be at least 1.')
    .max(100, 'limit must be at most 100.')
    .default(20),
  cursor: z
    .string()
    .max(200, 'That cursor is not valid.')
    .regex(/^[A-Za-z0-9_-]+$/, 'That cursor is not valid.')
    .optional(),
});
export type PageQuery = z.input<typeof PageQuery>;

/** A calendar month, `YYYY-MM`. */
export const YearMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Use a month written as YYYY-MM, such as 2026-04.')
  .max(7, 'Use a month written as YYYY-MM, such as 2026-04.');

const AmountCentsFilter = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number.` })
    .int(`${name} must be whole cents.`)
    .min(0, `${name} cannot be negative.`)
    .max(100_000_000_00, `${name} is too large.`);

/**
 * Optional filters shared by the statement list and the CSV exports. Months are calendar months
 * in UTC: a statement belongs to the month its period starts in, a payment to the month it was
 * made in. Amounts are inclusive bounds in cents on the total (statements) or amount (payments).
 */
const ExportFilterShape = {
  month: YearMonth.optional(),
  from: YearMonth.optional(),
  to: YearMonth.optional(),
  minAmountCents: AmountCentsFilter('minAmountCents').optional(),
  maxAmountCents: AmountCentsFilter('maxAmountCents').optional(),
};

/** Filters that cannot be combined are refused up front rather than silently ignored. */
function checkFilterCombination(
  value: {
    month?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    minAmountCents?: number | undefined;
    maxAmountCents?: number | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (value.month !== undefined && (value.from !== undefined || value.to !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['month'],
      message: 'Use either month or from/to, not both.',
    });
  }
  if (value.from !== undefined && value.to !== undefined && value.from > value.to) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from.' });
  }
  if (
    value.minAmountCents !== undefined &&
    value.maxAmountCents !== undefined &&
    value.minAmountCents > value.maxAmountCents
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxAmountCents'],
      message: 'maxAmountCents must not be below minAmountCents.',
    });
  }
}

/** The language a downloaded file's texts are in, where it has any (`en` when not given). */
export const DocumentLanguage = Language.optional().describe(
  'The language of the texts in the file: en (the default) or es.',
);

/** The CSV exports' query: the filters, and `lang`, which filters nothing. */
export const ExportFilters = z
  .strictObject({ ...ExportFilterShape, lang: DocumentLanguage })
  .superRefine(checkFilterCombination);
export type ExportFilters = z.infer<typeof ExportFilters>;

/** `GET /v1/account/statements/:id/pdf`: the language of the document. */
export const StatementPdfQuery = z.strictObject({ lang: DocumentLanguage });
export type StatementPdfQuery = z.infer<typeof StatementPdfQuery>;

/** `GET /v1/account/statements`: the page query plus the optional filters. */
export const StatementsQuery =
  PageQuery.extend(ExportFilterShape).superRefine(checkFilterCombination);
export type StatementsQuery = z.input<typeof StatementsQuery>;

export const StatementStatus = z.enum(['paid', 'due', 'overdue']);
export type StatementStatus = z.infer<typeof StatementStatus>;

export const StatementSummary = z.object({
  id: z.string(),
  periodStart: IsoDate,
  periodEnd: IsoDate,
  issuedAt: IsoDateTime,
  dueDate: IsoDate,
  total: Money,
  status: StatementStatus,
});
export type StatementSummary = z.infer<typeof StatementSummary>;

export const StatementList = z.object({
  items: z.array(StatementSummary),
  /** Pass as `cursor` to get the next (older) page; `null` on the last page. */
  nextCursor: z.string().nullable(),
});
export type StatementList = z.infer<typeof StatementList>;

export const StatementLineKind = z.enum(['plan', 'addon', 'tax', 'fee', 'credit', 'payment']);

export const StatementLine = z.object({
  id: z.string(),
  /** Which part of the bill the line is in: subtotal (plan, addon, credit), taxes, a payment. */
  kind: StatementLineKind,
  /** What the line is for, as a kind code and its parameters; the reader words it. */
  item: LineItemField,
  amount: Money,
});
export type StatementLine = z.infer<typeof StatementLine>;

export const StatementDetail = StatementSummary.extend({
  planName: z.string(),
  lines: z.array(StatementLine),
  /** Charges before taxes and fees. */
  subtotal: Money,
  taxesAndFees: Money,
  /** What was paid against this statement. */
  paid: Money,
});
export type StatementDetail = z.infer<typeof StatementDetail>;

export const StatementParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'That statement id is not valid.'),
});

// Declared with the other card values; re-exported for the schemas that name a card's brand.
export { CardBrand };

export const PaymentMethod = z.enum(['card', 'refill_pin', 'autopay', 'cash']);
export const PaymentStatus = z.enum(['succeeded', 'failed', 'refunded']);

export const Payment = z.object({
  id: z.string(),
  createdAt: IsoDateTime,
  amount: Money,
  method: PaymentMethod,
  /** What the payment is, as a kind code and its parameters (`card_payment`, `refill_pin`, …). */
  item: LineItemField,
  /** Last four digits of the card, for card and AutoPay payments. */
  cardLast4: z
    .string()
    .regex(/^\d{4}$/)
    .nullable(),
  /** The card's brand, for card and AutoPay payments. Always sent by the API. */
  cardBrand: CardBrand.nullable().optional(),
  status: PaymentStatus,
  /** Why a failed payment failed: the processor's decline reason; `null` otherwise. Always sent by the API. */
  declineCode: DeclineCodeField.nullable().optional(),
});
export type Payment = z.infer<typeof Payment>;

export const PaymentList = z.object({
  items: z.array(Payment),
  nextCursor: z.string().nullable(),
});
export type PaymentList = z.infer<typeof PaymentList>;
