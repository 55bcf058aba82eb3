import { z } from 'zod';
import { Money } from '../money';
import { SubscriberProfile } from './auth';

/** A calendar day, `YYYY-MM-DD`, in UTC. */
export const IsoDate = z.iso.date();
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
  kind: StatementLineKind,
  description: z.string(),
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

export const PaymentMethod = z.enum(['card', 'refill_pin', 'autopay', 'cash']);
export const PaymentStatus = z.enum(['succeeded', 'failed', 'refunded']);

export const Payment = z.object({
  id: z.string(),
  createdAt: IsoDateTime,
  amount: Money,
  method: PaymentMethod,
  description: z.string(),
  /** Last four digits of the card, for card and AutoPay payments. */
  cardLast4: z
    .string()
    .regex(/^\d{4}$/)
    .nullable(),
  status: PaymentStatus,
});
export type Payment = z.infer<typeof Payment>;

export const PaymentList = z.object({
  items: z.array(Payment),
  nextCursor: z.string().nullable(),
});
export type PaymentList = z.infer<typeof PaymentList>;
