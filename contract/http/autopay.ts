import { z } from 'zod';
import { DeclineCodeField } from '../cards';
import { CurrencyCode } from '../money';
import { IsoDate, IsoDateTime } from './account';
import { CardBrand, PaymentMethodParams } from './payments';

/** The card AutoPay charges, as it may be shown. */
export const AutopayCard = z.object({
  id: z.string(),
  brand: CardBrand,
  last4: z.string().regex(/^\d{4}$/),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int(),
});
export type AutopayCard = z.infer<typeof AutopayCard>;

/** Why a run charged nothing: the card declined, it was too late, the card is gone or expired, AutoPay was off, or the balance covered the renewal. */
export const AutopayRunReason = z.enum([
  'declined',
  'too_late',
  'card_removed',
  'card_expired',
  'turned_off',
  'covered',
]);
export type AutopayRunReason = z.infer<typeof AutopayRunReason>;

export const AutopayRunStatus = z.enum(['succeeded', 'failed', 'skipped']);
export type AutopayRunStatus = z.infer<typeof AutopayRunStatus>;

/** The most recent finished AutoPay run. */
export const AutopayRun = z.object({
  at: IsoDateTime,
  status: AutopayRunStatus,
  /** Why it was skipped or failed (for a decline, the issuer's reason), or what was paid. */
  message: z.string(),
  /** The renewal day the run was for. */
  renewsOn: IsoDate,
  /** What was charged (or tried); null when nothing was. */
  amountCents: z.number().int().nonnegative().nullable(),
  /** The processor's reason for a decline; else null. */
  declineCode: DeclineCodeField.nullable(),
  /** Set when status is failed or skipped; null on a payment (and on runs recorded before it existed). */
  reason: AutopayRunReason.nullable(),
});
export type AutopayRun = z.infer<typeof AutopayRun>;

/** `GET`/`PUT /v1/account/autopay`. */
export const AutopayView = z.object({
  enabled: z.boolean(),
  /** The card to charge; null when none is chosen or it was removed. */
  paymentMethod: AutopayCard.nullable(),
  /** Taken off each renewal paid by AutoPay on the current plan. */
  discountCents: z.number().int().nonnegative(),
  currency: CurrencyCode,
  /** The next renewal AutoPay pays for. */
  renewsOn: IsoDate,
  /** The day (UTC) the card is charged: within the 24 hours before the renewal. Null when off. */
  nextChargeOn: IsoDate.nullable(),
  /** Estimated from today's balance: the renewal, less the discount, less the credit. Null when off. */
  nextChargeCents: z.number().int().nonnegative().nullable(),
  lastRun: AutopayRun.nullable(),
  /** True when AutoPay is on and its card's expiry comes before the next charge could be made. */
  cardExpiresBeforeNextCharge: z.boolean(),
});
export type AutopayView = z.infer<typeof AutopayView>;

/** Turn AutoPay on with a saved card, or off. */
export const AutopayUpdate = z.discriminatedUnion('enabled', [
  z.strictObject({ enabled: z.literal(true), paymentMethodId: PaymentMethodParams.shape.id }),
  z.strictObject({ enabled: z.literal(false) }),
]);
export type AutopayUpdate = z.infer<typeof AutopayUpdate>;
