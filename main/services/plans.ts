import { randomUUID } from 'node:crypto';
import type {
  AddOnList,
  AddOnPurchase,
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangePreview,
  PlanChangePreviewRequest,
  PlanChangeRequest,
  PlanChangeResult,
} from '../../contract/http/plans';
import { AppError } from '../errors';
import type { ApiPlans } from './api-client';
import type { Log } from './logger';

export interface PlansDeps {
  api: ApiPlans;
  /** The part of the session service these calls need. */
  session: { withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> };
  log: Log;
  /** A fresh Idempotency-Key; `crypto.randomUUID` by default. */
  newKey?: () => string;
}

/**
 * Errors after which nobody knows whether the server applied the request: the answer was lost,
 * or the server was still working on it. The same action tried again must send the same key.
 */
const OUTCOME_UNKNOWN = new Set([
  'network_unreachable',
  'timeout',
  'service_unavailable',
  'internal_error',
  'invalid_response',
  'idempotency_in_progress',
]);

/**
 * Plan changes and add-on purchases. Each one moves money, so each person's action gets its own
 * Idempotency-Key, kept while its outcome is unknown: clicking Confirm again after a timeout
 * repeats the same request, which the API answers with the first result instead of charging
 * twice. An answer (success or a definite refusal) ends the action; the next one gets a new key.
 */
export class PlansService {
  readonly #deps: PlansDeps;
  readonly #newKey: () => string;
  /** Action (what was asked, exactly) → the key its unfinished attempt used. */
  readonly #pending = new Map<string, string>();

  constructor(deps: PlansDeps) {
    this.#deps = deps;
    this.#newKey = deps.newKey ?? randomUUID;
  }

  catalogue(): Promise<PlanCatalogue> {
    return this.#deps.session.withAccess((t) => this.#deps.api.planCatalogue(t));
  }

  preview(body: PlanChangePreviewRequest): Promise<PlanChangePreview> {
    return this.#deps.session.withAccess((t) => this.#deps.api.planPreview(t, body));
  }

  change(body: PlanChangeRequest): Promise<PlanChangeResult> {
    const action = JSON.stringify([
      'plan',
      body.planId,
      body.when,
      body.expectedChargeCents ?? null,
    ]);
    return this.#once(action, (t, key) => this.#deps.api.planChange(t, body, key));
  }

  /**
   * Cancels the change waiting for the renewal. No money moves, so no key: a retry after a lost
   * answer is simply asked again, and finds nothing left to cancel (`no_pending_plan_change`).
   */
  async cancelPending(): Promise<CancelledPlanChange> {
    const result = await this.#deps.session.withAccess((t) =>
      this.#deps.api.cancelPendingPlanChange(t),
    );
    this.#deps.log.info({ changeId: result.cancelled.id }, 'plans: scheduled change cancelled');
    return result;
  }

  addOns(): Promise<AddOnList> {
    return this.#deps.session.withAccess((t) => this.#deps.api.addOns(t));
  }

  buyAddOn(addOnId: string): Promise<AddOnPurchase> {
    return this.#once(JSON.stringify(['add-on', addOnId]), (t, key) =>
      this.#deps.api.buyAddOn(t, addOnId, key),
    );
  }

  async #once<T>(action: string, call: (token: string, key: string) => Promise<T>): Promise<T> {
    let key = this.#pending.get(action);
    if (key === undefined) {
      key = this.#newKey();
      this.#pending.set(action, key);
    }
    const used = key;
    try {
      const result = await this.#deps.session.withAccess((t) => call(t, used));
      this.#pending.delete(action);
      return result;
    } catch (error) {
      if (error instanceof AppError && OUTCOME_UNKNOWN.has(error.code)) {
        this.#deps.log.warn(
          { code: error.code },
          'plans: outcome unknown; a retry reuses the same key',
        );
      } else {
        this.#pending.delete(action);
      }
      throw error;
    }
  }
}
