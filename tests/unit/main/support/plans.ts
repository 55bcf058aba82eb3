import type {
  AddOn,
  AddOnList,
  AddOnPurchase,
  CancelledPlanChange,
  PlanChangePreview,
  PlanChangeRequest,
  PlanChangeResult,
} from '../../../../contract/http/plans';
import { money as usd } from '../../../../contract/money';
import { AppError } from '../../../../main/errors';
import type { ApiCaller } from '../../../../main/services/api-client';
import { fakeCall, plan, summary } from './fakes';

export const biggerPlan = { ...plan, id: 'plus', name: 'Plus', monthlyPrice: usd(55_00) };

export const dataPass: AddOn = {
  id: 'data-5gb',
  name: '5 GB data pass',
  kind: 'data',
  price: usd(10_00),
  dataMb: 5_120,
  internationalMinutes: 0,
};

export const preview: PlanChangePreview = {
  currentPlan: plan,
  newPlan: biggerPlan,
  when: 'now',
  changes: [],
  effectiveOn: '2026-11-25',
  prorationDays: 12,
  cycleDays: 30,
  currency: 'USD',
  chargeNowCents: 22_00,
  creditCents: 16_00,
  netChargeCents: 6_00,
  balanceCents: summary.balance.amountCents,
  balanceAfterCents: summary.balance.amountCents - 6_00,
  nextRenewalCents: 55_00,
  explanation: ['Plus costs $22.00 for the 12 days left.'],
};

/**
 * Plans and add-ons as the API answers them. `fail` makes the next calls throw (a lost answer, a
 * refusal); every Idempotency-Key sent is kept in `keys`.
 */
export class FakePlans implements ApiCaller {
  keys: string[] = [];
  fail: AppError[] = [];
  tokens: string[] = [];

  #maybeFail(): void {
    const error = this.fail.shift();
    if (error) throw error;
  }

  planCatalogue = async (t: string) => {
    this.tokens.push(t);
    return { items: [plan, biggerPlan] };
  };
  planPreview = async (t: string) => {
    this.tokens.push(t);
    return preview;
  };
  planChange = async (
    t: string,
    body: PlanChangeRequest,
    key: string,
  ): Promise<PlanChangeResult> => {
    this.tokens.push(t);
    this.keys.push(key);
    this.#maybeFail();
    return { ...preview, when: body.when, changeId: 'pc-1', status: 'applied' };
  };
  addOns = async (t: string): Promise<AddOnList> => {
    this.tokens.push(t);
    return { available: [dataPass], active: [] };
  };
  /** The change waiting for the renewal, as `DELETE /v1/account/plan/pending` would find it. */
  pending: CancelledPlanChange['cancelled'] | null = {
    id: 'pc-pending',
    plan: biggerPlan,
    effectiveOn: '2026-12-06',
    requestedAt: '2026-11-25T10:00:00.000Z',
  };
  cancels = 0;
  cancelPendingPlanChange = async (t: string): Promise<CancelledPlanChange> => {
    this.tokens.push(t);
    this.cancels += 1;
    this.#maybeFail();
    const cancelled = this.pending;
    if (!cancelled) {
      throw new AppError('no_pending_plan_change', 'No plan change is scheduled.', { status: 404 });
    }
    this.pending = null;
    return { cancelled, plan };
  };
  buyAddOn = async (t: string, addOnId: string, key: string): Promise<AddOnPurchase> => {
    this.tokens.push(t);
    this.keys.push(key);
    this.#maybeFail();
    return {
      addOn: {
        id: 'ao-1',
        addOnId,
        name: dataPass.name,
        kind: 'data',
        dataMb: dataPass.dataMb,
        remainingMb: dataPass.dataMb,
        internationalMinutes: 0,
        remainingMinutes: null,
        expiresOn: '2026-12-06',
        purchasedAt: '2026-11-25T10:00:00.000Z',
      },
      charged: dataPass.price,
      balanceAfter: usd(0),
    };
  };

  readonly call = fakeCall({
    'plans.catalogue': ({ accessToken }) => this.planCatalogue(accessToken ?? ''),
    'plans.preview': ({ accessToken }) => this.planPreview(accessToken),
    'plans.change': ({ accessToken, body, idempotencyKey }) =>
      this.planChange(accessToken, body, idempotencyKey),
    'plans.addOns': ({ accessToken }) => this.addOns(accessToken),
    'plans.cancelPending': ({ accessToken }) => this.cancelPendingPlanChange(accessToken),
    'plans.buyAddOn': ({ accessToken, body, idempotencyKey }) =>
      this.buyAddOn(accessToken, body.addOnId, idempotencyKey),
  });
}
