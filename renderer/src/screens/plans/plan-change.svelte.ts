import type { ApiError } from '../../../../contract/errors';
import type {
  ActiveAddOn,
  AddOn,
  AddOnList,
  AddOnPurchase,
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangePreview,
  PlanChangeResult,
  PlanChangeTiming,
} from '../../../../contract/http/plans';
import { airtime, settle } from '../../lib/airtime';
import { Resource, type ResourceOptions } from '../../lib/resource.svelte';

/** What a refusal for lack of credit needs to say: how much more is needed. */
export function shortfallOf(error: ApiError | null): number | null {
  if (error?.code !== 'insufficient_balance') return null;
  return error.shortfallCents ?? null;
}

/**
 * The "Change plan" form: the catalogue, the chosen plan and timing, the preview the API
 * computed for that choice, and the change itself. Confirm sends the preview's net charge, so a
 * price that moved in between is refused rather than charged.
 */
export class PlanChangeForm {
  readonly catalogue: Resource<PlanCatalogue>;
  #planId = $state<string | null>(null);
  #when = $state<PlanChangeTiming>('now');
  #preview = $state.raw<PlanChangePreview | null>(null);
  #previewError = $state.raw<ApiError | null>(null);
  #previewing = $state(false);
  #submitting = $state(false);
  #error = $state.raw<ApiError | null>(null);
  #result = $state.raw<PlanChangeResult | null>(null);
  #generation = 0;
  readonly #options: ResourceOptions & { onChanged?: (result: PlanChangeResult) => void };

  constructor(options: ResourceOptions & { onChanged?: (result: PlanChangeResult) => void } = {}) {
    this.#options = options;
    this.catalogue = new Resource(() => airtime().plans.catalogue(), options);
  }

  get planId(): string | null {
    return this.#planId;
  }
  get when(): PlanChangeTiming {
    return this.#when;
  }
  get preview(): PlanChangePreview | null {
    return this.#preview;
  }
  get previewError(): ApiError | null {
    return this.#previewError;
  }
  get previewing(): boolean {
    return this.#previewing;
  }
  get submitting(): boolean {
    return this.#submitting;
  }
  /** Anything in flight: every control of the form waits for it. */
  get busy(): boolean {
    return this.#previewing || this.#submitting;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  get shortfallCents(): number | null {
    return shortfallOf(this.#error) ?? shortfallOf(this.#previewError);
  }
  get result(): PlanChangeResult | null {
    return this.#result;
  }
  /** Confirm is offered only for a preview of what is chosen now, and only once at a time. */
  get canConfirm(): boolean {
    const p = this.#preview;
    return p !== null && !this.busy && p.newPlan.id === this.#planId && p.when === this.#when;
  }

  choosePlan(planId: string): Promise<void> {
    if (this.#submitting) return Promise.resolve();
    this.#planId = planId;
    return this.#loadPreview();
  }

  chooseWhen(when: PlanChangeTiming): Promise<void> {
    if (this.#submitting) return Promise.resolve();
    this.#when = when;
    return this.#loadPreview();
  }

  async #loadPreview(): Promise<void> {
    const planId = this.#planId;
    if (planId === null) return;
    const when = this.#when;
    const generation = ++this.#generation;
    this.#result = null;
    this.#error = null;
    this.#previewError = null;
    this.#preview = null;
    this.#previewing = true;
    const answer = await settle(() => airtime().plans.preview({ planId, when }));
    // A newer choice was made while this one was on its way: its preview wins.
    if (generation !== this.#generation) return;
    this.#previewing = false;
    if (answer.ok) this.#preview = answer.value;
    else {
      this.#previewError = answer.error;
      this.#options.onError?.(answer.error);
    }
  }

  /** Forgets the last change's confirmation (it no longer holds: it was cancelled since). */
  dismissResult(): void {
    this.#result = null;
  }

  async confirm(): Promise<PlanChangeResult | null> {
    const preview = this.#preview;
    if (!this.canConfirm || preview === null) return null;
    this.#submitting = true;
    this.#error = null;
    const answer = await settle(() =>
      airtime().plans.change({
        planId: preview.newPlan.id,
        when: preview.when,
        expectedChargeCents: preview.netChargeCents,
      }),
    );
    this.#submitting = false;
    if (!answer.ok) {
      this.#error = answer.error;
      this.#options.onError?.(answer.error);
      // The price moved since the preview: show the new one before anything is confirmed.
      if (answer.error.code === 'plan_price_changed') void this.#loadPreview();
      return null;
    }
    this.#result = answer.value;
    // Done: the next change starts from a fresh choice (the current plan is now another one).
    this.#planId = null;
    this.#preview = null;
    this.#options.onChanged?.(answer.value);
    return answer.value;
  }
}

/**
 * Cancelling the plan change scheduled for the renewal. "Nothing to cancel" (it was cancelled
 * elsewhere, or the renewal came) is an answer too: `onGone` lets the screen read the account
 * again, so it stops showing a change that no longer exists.
 */
export class PendingChangeCancel {
  #cancelling = $state(false);
  #error = $state.raw<ApiError | null>(null);
  #cancelled = $state.raw<CancelledPlanChange | null>(null);
  readonly #options: ResourceOptions & {
    onCancelled?: (result: CancelledPlanChange) => void;
    onGone?: () => void;
  };

  constructor(
    options: ResourceOptions & {
      onCancelled?: (result: CancelledPlanChange) => void;
      onGone?: () => void;
    } = {},
  ) {
    this.#options = options;
  }

  get cancelling(): boolean {
    return this.#cancelling;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  /** The last change cancelled here, for the confirmation. */
  get cancelled(): CancelledPlanChange | null {
    return this.#cancelled;
  }

  async cancel(): Promise<CancelledPlanChange | null> {
    if (this.#cancelling) return null;
    this.#cancelling = true;
    this.#error = null;
    this.#cancelled = null;
    const answer = await settle(() => airtime().plans.cancelPending());
    this.#cancelling = false;
    if (!answer.ok) {
      this.#error = answer.error;
      this.#options.onError?.(answer.error);
      if (answer.error.code === 'no_pending_plan_change') this.#options.onGone?.();
      return null;
    }
    this.#cancelled = answer.value;
    this.#options.onCancelled?.(answer.value);
    return answer.value;
  }

  /** Forgets the last answer (a new change was scheduled since). */
  reset(): void {
    this.#error = null;
    this.#cancelled = null;
  }
}

/** Data passes and other add-ons: what is on sale, what is active, and buying one. */
export class AddOnShop {
  readonly list: Resource<AddOnList>;
  #buying = $state<string | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #errorFor = $state<string | null>(null);
  #bought = $state.raw<AddOnPurchase | null>(null);
  readonly #options: ResourceOptions & { onBought?: (purchase: AddOnPurchase) => void };

  constructor(options: ResourceOptions & { onBought?: (purchase: AddOnPurchase) => void } = {}) {
    this.#options = options;
    this.list = new Resource(() => airtime().addons.list(), options);
  }

  /** The add-on being bought, if any: every Buy button waits for it. */
  get buying(): string | null {
    return this.#buying;
  }
  get busy(): boolean {
    return this.#buying !== null;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  /** Which add-on the error is about. */
  get errorFor(): string | null {
    return this.#errorFor;
  }
  get shortfallCents(): number | null {
    return shortfallOf(this.#error);
  }
  get bought(): AddOnPurchase | null {
    return this.#bought;
  }
  get active(): ActiveAddOn[] {
    return this.list.value?.active ?? [];
  }
  /** Passes on sale of one kind (data, or international minutes), in catalogue order. */
  available(kind: AddOn['kind']): AddOn[] {
    return (this.list.value?.available ?? []).filter((a) => a.kind === kind);
  }
  /** Active passes of one kind, oldest first. */
  activeOf(kind: AddOn['kind']): ActiveAddOn[] {
    return this.active.filter((a) => a.kind === kind);
  }

  async buy(addOnId: string): Promise<AddOnPurchase | null> {
    if (this.#buying !== null) return null;
    this.#buying = addOnId;
    this.#error = null;
    this.#errorFor = null;
    this.#bought = null;
    const answer = await settle(() => airtime().addons.buy({ addOnId }));
    this.#buying = null;
    if (!answer.ok) {
      this.#error = answer.error;
      this.#errorFor = addOnId;
      this.#options.onError?.(answer.error);
      return null;
    }
    this.#bought = answer.value;
    this.#options.onBought?.(answer.value);
    void this.list.refresh();
    return answer.value;
  }
}
