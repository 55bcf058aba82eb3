import type { SecurityService } from '../../services/security';
import type { HandlersFor } from '../router';

export function securityHandlers({
  security,
}: {
  security: SecurityService;
}): HandlersFor<'security'> {
  return {
    'security:overview': () => security.overview(),
    'security:change-password': (input) => security.changePassword(input),
    'security:change-contact': (input) => security.changeContact(input),
    'security:sessions': () => security.sessions(),
    'security:sign-out-session': async ({ id }) => {
      await security.signOutSession(id);
      return null;
    },
    'security:sign-out-others': () => security.signOutOthers(),
    'security:history': (input) => security.history(input),
    'security:two-factor-enrol': ({ method }) => security.twoFactorEnrol(method),
    'security:two-factor-resend': () => security.twoFactorResend(),
    'security:two-factor-confirm': ({ code }) => security.twoFactorConfirm(code),
    'security:two-factor-disable': async ({ password }) => {
      await security.twoFactorDisable(password);
      return null;
    },
    'security:recovery-codes': ({ password }) => security.recoveryCodes(password),
  };
}
