import { ApiErrorBody } from '../../errors';
import { IdempotencyHeaders } from '../payments';
import {
  AddOnList,
  AddOnPurchase,
  AddOnPurchaseRequest,
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangeParams,
  PlanChangePreview,
  PlanChangePreviewRequest,
  PlanChangeReceipt,
  PlanChangeRequest,
  PlanChangeResult,
} from '../plans';
import {
  NoBody,
  READ_ERRORS,
  RECEIPT_EMAIL_RESPONSES,
  WRITE_ERRORS,
  type RouteTable,
} from './define';
import { RECEIPT_EMAIL } from './payments';

const IDEMPOTENCY =
  'Needs an Idempotency-Key header (8–128 of A–Z a–z 0–9 _ -; 400 idempotency_key_required when missing). A retry with the same key and body gets the first answer again (header Idempotent-Replayed: true) and moves no money; the same key with another body is 422 idempotency_key_reused; while the first is still running, 409 idempotency_in_progress. A refusal such as 402 is remembered for its key: after adding credit, confirm with a new key.';

/** The public plan catalogue, changing plan, add-ons, and plan-change receipts. */
export const PLAN_ROUTES = {
  'plans.catalogue': {
    method: 'GET',
    path: '/v1/plans',
    auth: 'public',
    responses: { 200: PlanCatalogue, 400: ApiErrorBody, 429: ApiErrorBody },
    idempotencyKey: false,
    rateLimit: 'catalogue',
    summary: 'The plans on sale, in catalogue order (no sign-in needed)',
    tags: ['plans'],
  },
  'plans.preview': {
    method: 'POST',
    path: '/v1/account/plan/preview',
    auth: 'bearer',
    body: PlanChangePreviewRequest,
    responses: { 200: PlanChangePreview, 404: ApiErrorBody, 409: ApiErrorBody, ...WRITE_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'What changing to another plan would do, now (prorated) or at the renewal',
    description:
      "Nothing changes, except that on a renewal day a renewal not yet booked is booked first (as the statement job would), so the quote starts from the balance after it. now: the current plan's unused days (today included) are credited, rounded up to the cent, and the new plan is charged for the same days, rounded down; taxes and fees come with the renewal. next_renewal: nothing is charged now and the new plan starts on the renewal day. 400 plan_unchanged for the current plan, 404 plan_not_found for a plan not on sale, 409 account_suspended.",
    tags: ['plans'],
  },
  'plans.change': {
    method: 'POST',
    path: '/v1/account/plan/change',
    auth: 'bearer',
    headers: IdempotencyHeaders,
    body: PlanChangeRequest,
    responses: {
      200: PlanChangeResult,
      402: ApiErrorBody,
      404: ApiErrorBody,
      409: ApiErrorBody,
      422: ApiErrorBody,
      ...WRITE_ERRORS,
    },
    idempotencyKey: true,
    rateLimit: 'none',
    summary: 'Change plan now (prorated, from the balance) or at the renewal',
    description: `${IDEMPOTENCY} 200 with what the preview shows, plus changeId and status (applied or pending). Computed again on the server; with expectedChargeCents (the preview's netChargeCents) a different amount is 409 plan_price_changed. When the balance does not cover the net charge, nothing changes: 402 insufficient_balance with shortfallCents, so the app can offer a refill. A pending change replaces an earlier one and is cancelled by a change made now (or by DELETE /v1/account/plan/pending). Also 400 plan_unchanged, 404 plan_not_found, 409 account_suspended.`,
    tags: ['plans'],
  },
  'plans.cancelPending': {
    method: 'DELETE',
    path: '/v1/account/plan/pending',
    auth: 'bearer',
    responses: { 200: CancelledPlanChange, 404: ApiErrorBody, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'Cancel the plan change scheduled for the next renewal',
    description:
      'The subscriber renews on the current plan. Nothing was charged for a change at the renewal, so nothing is refunded; no Idempotency-Key is needed, as no money moves. 200 with the cancelled change and the plan kept. 404 no_pending_plan_change when no change is scheduled (never scheduled, already cancelled, or its renewal day has come and it has been applied).',
    tags: ['plans'],
  },
  'plans.addOns': {
    method: 'GET',
    path: '/v1/account/add-ons',
    auth: 'bearer',
    responses: { 200: AddOnList, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'Add-ons on sale, and the ones active this cycle with what is left on them',
    description:
      'remainingMb: data passes are used after the plan allowance, oldest first. A pass is good until the end of the cycle it was bought in.',
    tags: ['plans'],
  },
  'plans.buyAddOn': {
    method: 'POST',
    path: '/v1/account/add-ons',
    auth: 'bearer',
    headers: IdempotencyHeaders,
    body: AddOnPurchaseRequest,
    responses: {
      201: AddOnPurchase,
      402: ApiErrorBody,
      404: ApiErrorBody,
      409: ApiErrorBody,
      422: ApiErrorBody,
      ...WRITE_ERRORS,
    },
    idempotencyKey: true,
    rateLimit: 'none',
    summary: 'Buy an add-on from the balance, for the rest of the current cycle',
    description: `${IDEMPOTENCY} 201 with the pass and the balance after it. 402 insufficient_balance with shortfallCents when the balance does not cover the price (taxes and fees included), 404 add_on_not_found, 409 account_suspended.`,
    tags: ['plans'],
  },
  'plans.changeReceipt': {
    method: 'GET',
    path: '/v1/account/plan/changes/:id/receipt',
    auth: 'bearer',
    params: PlanChangeParams,
    responses: { 200: PlanChangeReceipt, 404: ApiErrorBody, ...READ_ERRORS },
    idempotencyKey: false,
    rateLimit: 'none',
    summary: 'The receipt of one plan change',
    description:
      'From what was recorded when the change was made: the plans, when it takes effect, the prorated charge and credit, and the balance right after it (null for changes made before it was kept). 404 not_found for a change that is not this account’s.',
    tags: ['plans'],
  },
  'plans.emailChangeReceipt': {
    method: 'POST',
    path: '/v1/account/plan/changes/:id/receipt/email',
    auth: 'bearer',
    params: PlanChangeParams,
    body: NoBody,
    responses: RECEIPT_EMAIL_RESPONSES,
    idempotencyKey: false,
    rateLimit: 'none',
    summary: "E-mail the receipt of one plan change to the account's address",
    description: `${RECEIPT_EMAIL} 404 not_found for a change that is not this account's.`,
    tags: ['plans'],
  },
} as const satisfies RouteTable;
