import type { PlansService } from '../../services/plans';
import type { HandlersFor } from '../router';

/** Plans and add-ons: both are sold through the plans service (one Idempotency-Key each). */
export function plansHandlers({ plans }: { plans: PlansService }): HandlersFor<'plans' | 'addons'> {
  return {
    'plans:catalogue': () => plans.catalogue(),
    'plans:preview': (input) => plans.preview(input),
    'plans:change': (input) => plans.change(input),
    'plans:cancel-pending': () => plans.cancelPending(),
    'addons:list': () => plans.addOns(),
    'addons:buy': ({ addOnId }) => plans.buyAddOn(addOnId),
  };
}
