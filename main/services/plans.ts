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
import type { ApiCaller } from './api-client';
import { IdempotentActions } from './idempotent-action';
import type { Log } from './logger';

export interface PlansDeps {
  api: ApiCaller;
  /** The part of the session service these calls need. */
  session: { withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> };
  log: Log;
  /** A fresh Idempotency-Key; `crypto.randomUUID` by default. */
  newKey?: () => string;
}

/**
 * Plan changes and add-on purchases. Each one moves money, so each is an
 * {@link IdempotentActions} action: clicking Confirm again after an unknown outcome (a timeout,
 * a 5xx, an unreadable answer, "still in progress") repeats the same request with the same
 * Idempotency-Key, which the API answers with the first result instead of charging twice. A
 * definite answer (success or a refusal) ends the action; the next one gets a new key.
 */
export class PlansService {
  readonly #deps: PlansDeps;
  readonly #actions: IdempotentActions;

  constructor(deps: PlansDeps) {
    this.#deps = deps;
    this.#actions = new IdempotentActions({
      log: deps.log,
      scope: 'plans',
      ...(deps.newKey ? { newKey: deps.newKey } : {}),
    });
  }

  catalogue(): Promise<PlanCatalogue> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('plans.catalogue', { accessToken: t }),
    );
  }

  preview(body: PlanChangePreviewRequest): Promise<PlanChangePreview> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('plans.preview', {
        accessToken: t,
        body: { planId: body.planId, when: body.when },
      }),
    );
  }

  change(body: PlanChangeRequest): Promise<PlanChangeResult> {
    // What the API is sent, field by field: the same change confirmed again is the same action.
    const request = {
      planId: body.planId,
      when: body.when,
      expectedChargeCents: body.expectedChargeCents ?? null,
    };
    return this.#actions.run('plan-change', request, ({ key }) =>
      this.#deps.session.withAccess((t) =>
        this.#deps.api.call('plans.change', {
          accessToken: t,
          body: {
            planId: body.planId,
            when: body.when,
            ...(body.expectedChargeCents !== undefined
              ? { expectedChargeCents: body.expectedChargeCents }
              : {}),
          },
          idempotencyKey: key,
        }),
      ),
    );
  }

  /**
   * Cancels the change waiting for the renewal. No money moves, so no key: a retry after a lost
   * answer is simply asked again, and finds nothing left to cancel (`no_pending_plan_change`).
   */
  async cancelPending(): Promise<CancelledPlanChange> {
    const result = await this.#deps.session.withAccess((t) =>
      this.#deps.api.call('plans.cancelPending', { accessToken: t }),
    );
    this.#deps.log.info({ changeId: result.cancelled.id }, 'plans: scheduled change cancelled');
    return result;
  }

  addOns(): Promise<AddOnList> {
    return this.#deps.session.withAccess((t) =>
      this.#deps.api.call('plans.addOns', { accessToken: t }),
    );
  }

  buyAddOn(addOnId: string): Promise<AddOnPurchase> {
    return this.#actions.run('add-on', { addOnId }, ({ key }) =>
      this.#deps.session.withAccess((t) =>
        this.#deps.api.call('plans.buyAddOn', {
          accessToken: t,
          body: { addOnId },
          idempotencyKey: key,
        }),
      ),
    );
  }
}
