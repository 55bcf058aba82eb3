import type { AutopayService } from '../../services/autopay';
import type { HandlersFor } from '../router';

export function autopayHandlers({ autopay }: { autopay: AutopayService }): HandlersFor<'autopay'> {
  return {
    'autopay:get': () => autopay.get(),
    'autopay:update': (input) => autopay.update(input),
  };
}
