import { z } from 'zod';
import { LineItemField } from '../line-items';
import { Money } from '../money';
import { CardBrand, IsoDateTime, PaymentMethod, PaymentStatus } from './account';

// Declared beside `Payment` (which names a card's brand too) and re-exported where cards live.
export { CardBrand };

/**
 * `Idempotency-Key` on every request that moves money: 8–128 letters, digits, `_` or `-`. A retry
 * with the same key and body gets the first answer again; the money moves once.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
export const IDEMPOTENCY_KEY_FORMAT_MESSAGE =
  'The Idempotency-Key header must be 8 to 128 characters of letters, digits, _ or -.';
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .max(128, IDEMPOTENCY_KEY_FORMAT_MESSAGE)
    .optional()
    .describe(
      'Required. 8–128 characters of A–Z, a–z, 0–9, _ and -. Reuse it only to retry the same request.',
    ),
});

const thisCentury = z.number().int().min(2000).max(2099);

/** Card fields as typed. Spaces and dashes in the number are allowed and ignored. */
export const CardInput = z.strictObject({
  number: z
    .string()
    .max(32)
    .regex(/^[0-9 -]+$/, 'Enter the card number using digits only.'),
  expMonth: z
    .number()
    .int()
    .min(1, 'Use a month from 1 to 12.')
    .max(12, 'Use a month from 1 to 12.'),
  expYear: thisCentury,
  cvc: z
    .string()
    .regex(/^\d{3,4}$/, 'The security code is 3 or 4 digits.')
    .max(4, 'The security code is 3 or 4 digits.'),
});
export type CardInput = z.infer<typeof CardInput>;

export const SavedCard = z.object({
  id: z.string(),
  brand: CardBrand,
  last4: z.string().regex(/^\d{4}$/),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int(),
  nickname: z.string().nullable(),
  isDefault: z.boolean(),
  createdAt: IsoDateTime,
  /** AutoPay is on and charges this card (removing it leaves AutoPay without one). Always sent by the API. */
  usedByAutopay: z.boolean().optional(),
});
export type SavedCard = z.infer<typeof SavedCard>;

export const SavedCardList = z.object({ items: z.array(SavedCard) });
export type SavedCardList = z.infer<typeof SavedCardList>;

export const AddCardRequest = CardInput.extend({
  nickname: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[^\p{Cc}]+$/u, 'Use letters, digits and punctuation only.')
    .optional(),
  makeDefault: z.boolean().optional(),
});
export type AddCardRequest = z.infer<typeof AddCardRequest>;

export const PaymentMethodParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'That payment method id is not valid.'),
});

export const PaymentParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'That payment id is not valid.'),
});

export const MIN_PAYMENT_CENTS = 100;
export const MAX_PAYMENT_CENTS = 50_000;

/** Pay with a saved card (`paymentMethodId`) or a card used once (`card`, never saved). */
export const PayRequest = z
  .strictObject({
    amountCents: z
      .number()
      .int('Amounts are whole cents.')
      .min(MIN_PAYMENT_CENTS, 'The smallest payment is $1.00.')
      .max(MAX_PAYMENT_CENTS, 'The largest payment is $500.00.'),
    paymentMethodId: PaymentMethodParams.shape.id.optional(),
    card: CardInput.optional(),
  })
  .refine((b) => (b.paymentMethodId === undefined) !== (b.card === undefined), {
    message: 'Send either paymentMethodId or card, not both.',
    path: ['paymentMethodId'],
  });
export type PayRequest = z.infer<typeof PayRequest>;

/** How many digits a refill PIN has: the API makes them 16 random digits. */
export const REFILL_PIN_DIGITS = 16;
/** What a refill PIN with the wrong shape is refused with, on the wire and on screen. */
export const REFILL_PIN_FORMAT_MESSAGE =
  'A refill PIN is 16 digits, as printed on the card (for example 1234-5678-9012-3456).';

/** Why a typed PIN was refused: `params.reason` of the issue {@link RefillPin} raises. */
export type RefillPinProblem = 'required' | 'characters' | 'length';

/**
 * Spaces (of any kind, a line break from a paste too) and dashes (the ASCII one, and the en
 * dashes and non-breaking hyphens a PIN copied from an e-mail or a PDF comes with): how a PIN is
 * printed, in groups of four. They are not part of it.
 */
const PIN_SEPARATORS = /[\s\p{Pd}\u2212]/gu;

/**
 * A refill PIN as typed or pasted, turned into its canonical form: the 16 digits alone. Every
 * part of the app checks a PIN with this one rule — the screen before sending, main before
 * calling the API, the API before it hashes the request — so `1234-5678-9012-3456` and
 * `1234 5678 9012 3456` are one PIN everywhere, and the same request under one Idempotency-Key.
 */
export const RefillPin = z
  .string()
  .max(40, REFILL_PIN_FORMAT_MESSAGE)
  .transform((typed, ctx) => {
    const digits = typed.replace(PIN_SEPARATORS, '');
    const refuse = (reason: RefillPinProblem, message: string) => {
      ctx.addIssue({ code: 'custom', message, params: { reason }, input: typed });
      return z.NEVER;
    };
    if (digits === '') return refuse('required', 'Enter the 16 digits of the refill PIN.');
    if (!/^[0-9]+$/.test(digits)) {
      return refuse(
        'characters',
        'A refill PIN is digits only; spaces or dashes between the groups are fine.',
      );
    }
    if (digits.length !== REFILL_PIN_DIGITS) {
      return refuse(
        'length',
        `A refill PIN is ${REFILL_PIN_DIGITS} digits; this one has ${digits.length}.`,
      );
    }
    return digits;
  });

/** The reason {@link RefillPin} refused a PIN, from its error. */
export function refillPinProblem(error: z.ZodError): RefillPinProblem {
  for (const issue of error.issues) {
    const reason: unknown = issue.code === 'custom' ? issue.params?.['reason'] : undefined;
    if (reason === 'required' || reason === 'characters' || reason === 'length') return reason;
  }
  // Too long to be one, or not text at all.
  return 'length';
}

/**
 * `POST /v1/account/refill` (and `payments:refill`). The PIN is taken as typed here and checked
 * with {@link RefillPin} by whoever handles it, so a PIN of the wrong shape gets the API's own
 * answer, `invalid_refill_pin_format`, rather than a generic `invalid_request`.
 */
export const RefillRequest = z.strictObject({
  pin: z
    .string()
    .max(40)
    .describe('16 digits, as printed on the card; spaces or dashes between groups allowed.'),
});
export type RefillRequest = z.infer<typeof RefillRequest>;

/** What was paid for, as a kind code and its parameters (the reader words it), and how much. */
export const ReceiptItem = z.object({ item: LineItemField, amount: Money });

export const Receipt = z.object({
  paymentId: z.string(),
  receiptNumber: z.string(),
  createdAt: IsoDateTime,
  status: PaymentStatus,
  method: PaymentMethod,
  /** For cards: which card, as it may be shown. */
  card: z.object({ brand: CardBrand, last4: z.string().regex(/^\d{4}$/) }).nullable(),
  items: z.array(ReceiptItem),
  amount: Money,
  /** The account balance right after this payment (positive = credit). */
  balanceAfter: Money.nullable(),
});
export type Receipt = z.infer<typeof Receipt>;
