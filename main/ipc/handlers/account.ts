import type { SessionService } from '../../services/session';
import type { HandlersFor } from '../router';

/** Account reads go through the session, which holds (and refreshes) the access token. */
export function accountHandlers({
  session,
}: {
  session: Pick<SessionService, 'account'>;
}): HandlersFor<'account'> {
  return {
    'account:summary': () => session.account.summary(),
    'account:usage': (input) => session.account.usage(input?.cycle),
    'account:insights': () => session.account.insights(),
    'account:statements': (input) => session.account.statements(input),
    'account:statement': ({ id }) => session.account.statement(id),
    'account:payments': (input) => session.account.payments(input),
  };
}
