import { ApiErrorBody } from '../../errors';
import { AutopayUpdate, AutopayView } from '../autopay';
import {
  AddCardRequest,
  IdempotencyHeaders,
  PaymentMethodParams,
  PaymentParams,
  PayRequest,
  Receipt,
  RefillRequest,
  SavedCard,
  SavedCardList,
} from '../payments';
import {
  NoBody,
  NoContent,
  READ_ERRORS,
  RECEIPT_EMAIL_RESPONSES,
  WRITE_ERRORS,
  type RouteTable,
} from './define';

const IDEMPOTENCY =
  'Needs an Idempotency-Key header (8–128 of A–Z a–z 0–9 _ -; 400 idempotency_key_required when missing). A retry with the same key and body gets the first answer again (header Idempotent-Replayed: true) and moves no money; the same key with another body is 422 idempotency_key_reused; while the first is still running, 409 idempotency_in_progress with retryAfterSeconds.';

/** What e-mailing a receipt does, for both kinds of receipt. */
export const RECEIPT_EMAIL =
  "Sends the receipt to the account's own e-mail address (nowhere else; nothing is kept) and answers where it went, masked. 5 per receipt an hour (429 rate_limited with retryAfterSeconds). 409 invalid_request when the account has no e-mail address, 502 delivery_failed when the mail server refused it, 503 when this server cannot send e-mail.";

/** Saved cards, card payments, refill PINs, receipts and AutoPay of the signed-in subscriber. */
export const PAYMENT_ROUTES = {
  'payments.methods': {
    method: 'GET',
    path: '/v1/account/payment-methods',
    auth: 'bearer',
    responses: { 200: SavedCardList, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary:
      'Saved cards, the default first, then newest (brand, last four digits and expiry only)',
    tags: ['payments'],
  },
  'payments.addMethod': {
    method: 'POST',
    path: '/v1/account/payment-methods',
    auth: 'bearer',
    body: AddCardRequest,
    responses: { 201: SavedCard, 402: ApiErrorBody, ...WRITE_ERRORS },
    idempotencyKey: false,
    rateLimit: 'payments',
    summary: 'Save a card; the number and security code are passed to the processor, never kept',
    description:
      'The first card saved becomes the default, as does one sent with makeDefault. 400 card_invalid (with issues naming the field) for a wrong number, security code or a past expiry; 402 card_declined (with declineCode) when the issuer refuses the card.',
    tags: ['payments'],
  },
  'payments.removeMethod': {
    method: 'DELETE',
    path: '/v1/account/payment-methods/:id',
    auth: 'bearer',
    params: PaymentMethodParams,
    responses: { 204: NoContent, 404: ApiErrorBody, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'Remove a saved card',
    description: 'When it was the default, the newest remaining card becomes the default.',
    tags: ['payments'],
  },
  'payments.setDefaultMethod': {
    method: 'POST',
    path: '/v1/account/payment-methods/:id/default',
    auth: 'bearer',
    params: PaymentMethodParams,
    body: NoBody,
    responses: { 200: SavedCardList, 404: ApiErrorBody, ...WRITE_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'Make a saved card the default; returns the cards',
    tags: ['payments'],
  },
  'payments.pay': {
    method: 'POST',
    path: '/v1/account/payments',
    auth: 'bearer',
    headers: IdempotencyHeaders,
    body: PayRequest,
    responses: {
      201: Receipt,
      402: ApiErrorBody,
      404: ApiErrorBody,
      409: ApiErrorBody,
      422: ApiErrorBody,
      503: ApiErrorBody,
      ...WRITE_ERRORS,
    },
    idempotencyKey: true,
    rateLimit: 'payments',
    summary: 'Pay toward the balance by card (a saved one, or one used once)',
    description: `${IDEMPOTENCY} 201 with the receipt. 402 card_declined (with declineCode) records a failed payment and moves no money. 400 card_invalid for a one-time card that cannot be used, 404 payment_method_not_found, 503 payment_processor_unavailable when nothing was charged and a retry may work.`,
    tags: ['payments'],
  },
  'payments.refill': {
    method: 'POST',
    path: '/v1/account/refill',
    auth: 'bearer',
    headers: IdempotencyHeaders,
    body: RefillRequest,
    responses: { 201: Receipt, 409: ApiErrorBody, 422: ApiErrorBody, ...WRITE_ERRORS },
    idempotencyKey: true,
    rateLimit: 'none',
    summary: 'Add credit with a refill PIN',
    description: `${IDEMPOTENCY} 201 with the receipt. 400 invalid_refill_pin_format when it is not 16 digits; 400 refill_pin_invalid for a PIN that does not exist or was used (the same answer for both). After 5 wrong PINs (a used one counts) in an hour for the account or the client (its address, or the customer visit at a store kiosk), 429 rate_limited with retryAfterSeconds, even for a good PIN; tries sent at once are counted one at a time, across every API instance.`,
    tags: ['payments'],
  },
  'payments.receipt': {
    method: 'GET',
    path: '/v1/account/payments/:id/receipt',
    auth: 'bearer',
    params: PaymentParams,
    responses: { 200: Receipt, 404: ApiErrorBody, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'The receipt of one payment or refill',
    tags: ['payments'],
  },
  'payments.emailReceipt': {
    method: 'POST',
    path: '/v1/account/payments/:id/receipt/email',
    auth: 'bearer',
    params: PaymentParams,
    body: NoBody,
    responses: RECEIPT_EMAIL_RESPONSES,
    idempotencyKey: false,
    rateLimit: 'none',
    summary: "E-mail the receipt of one payment or refill to the account's address",
    description: `${RECEIPT_EMAIL} 404 payment_not_found for a payment that is not this account's.`,
    tags: ['payments'],
  },
  'autopay.view': {
    method: 'GET',
    path: '/v1/account/autopay',
    auth: 'bearer',
    responses: { 200: AutopayView, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'AutoPay: on or off, the card, the discount, the next charge and the last run',
    description:
      'The card is charged within the 24 hours before each renewal, for the renewal less the plan’s AutoPay discount and less the credit on the account. cardExpiresBeforeNextCharge warns that the card will have expired by then.',
    tags: ['payments'],
  },
  'autopay.update': {
    method: 'PUT',
    path: '/v1/account/autopay',
    auth: 'bearer',
    body: AutopayUpdate,
    responses: { 200: AutopayView, 404: ApiErrorBody, ...WRITE_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'Turn AutoPay on with a saved card, or off',
    description:
      'Send {enabled: true, paymentMethodId} or {enabled: false}. 404 payment_method_not_found for a card not saved on this account; 400 card_invalid for a card that has expired.',
    tags: ['payments'],
  },
} as const satisfies RouteTable;
