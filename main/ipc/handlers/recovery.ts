import { passwordVerdict } from '../../services/password-check';
import type { RecoveryService } from '../../services/recovery';
import type { SessionService } from '../../services/session';
import type { HandlersFor } from '../router';

export interface RecoveryHandlerDeps {
  recovery: RecoveryService;
  /** Whose details a new password must not contain when it is a change, not a reset. */
  session: Pick<SessionService, 'info'>;
  /** A store kiosk: nothing of a customer is kept, so a reset never keeps them signed in. */
  kioskMode: boolean;
}

export function recoveryHandlers({
  recovery,
  session,
  kioskMode,
}: RecoveryHandlerDeps): HandlersFor<'password' | 'recovery'> {
  return {
    'password:check': async ({ password, purpose }) =>
      passwordVerdict(password, purpose, {
        reset: () => ({ phone: recovery.phone ?? undefined }),
        change: () => {
          const subscriber = session.info()?.subscriber;
          return subscriber
            ? { phone: subscriber.phone, name: subscriber.name, email: subscriber.email }
            : {};
        },
      }),
    'recovery:start': (input) => recovery.start(input),
    'recovery:verify': (input) => recovery.verify(input),
    'recovery:complete': (input) =>
      recovery.complete(kioskMode ? { ...input, keepSignedIn: false } : input),
    'recovery:cancel': async () => {
      recovery.cancel();
      return null;
    },
  };
}
