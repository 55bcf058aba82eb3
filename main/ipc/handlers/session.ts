import type { KioskController } from '../../services/kiosk';
import type { SessionService } from '../../services/session';
import type { HandlersFor } from '../router';

export interface SessionHandlerDeps {
  session: SessionService;
  /** The store kiosk, or `null`: signing out there wipes the whole visit, not just the session. */
  kiosk: KioskController | null;
}

export function sessionHandlers({ session, kiosk }: SessionHandlerDeps): HandlersFor<'auth'> {
  return {
    // A kiosk keeps no sign-in, whatever the page asked for.
    'auth:sign-in': (input) => session.signIn(kiosk ? { ...input, keepSignedIn: false } : input),
    'auth:second-factor': (input) => session.completeSecondFactor(input),
    'auth:second-factor-resend': () => session.resendSecondFactor(),
    'auth:second-factor-cancel': async () => {
      session.cancelSecondFactor();
      return null;
    },
    'auth:sign-out': async () => {
      if (kiosk) await kiosk.wipe('signed-out');
      else await session.signOut();
      return null;
    },
    'auth:resume': () => session.resume(),
  };
}
