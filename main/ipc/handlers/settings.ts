import { managedByPolicy } from '../../kiosk-core';
import type { ApiClient } from '../../services/api-client';
import type { Log } from '../../services/logger';
import type { RecoveryService } from '../../services/recovery';
import type { SessionService } from '../../services/session';
import type { SettingsService } from '../../services/settings';
import type { HandlersFor } from '../router';

export interface SettingsHandlerDeps {
  settings: SettingsService;
  session: SessionService;
  recovery: RecoveryService;
  api: Pick<ApiClient, 'ping'>;
  /** The API address a kiosk or managed policy pins, or `null`. */
  pinnedUrl: string | null;
  /** A store kiosk: nothing of a customer is remembered. */
  kioskMode: boolean;
  log: Log;
}

/**
 * Changing `apiBaseUrl` signs out first (revoking on the old server) and drops every saved
 * sign-in: refresh tokens belong to the server that issued them, and one is never sent to
 * another server.
 */
export function settingsHandlers(deps: SettingsHandlerDeps): HandlersFor<'settings'> {
  const { settings, session, recovery, api, pinnedUrl, kioskMode, log } = deps;
  return {
    'settings:get': async () => settings.view(),
    'settings:set': async (patch) => {
      if (pinnedUrl !== null && patch.apiBaseUrl !== undefined && patch.apiBaseUrl !== pinnedUrl) {
        throw managedByPolicy();
      }
      // A kiosk never remembers a customer's phone number for the next one.
      if (kioskMode && patch.rememberPhone === true) throw managedByPolicy();
      if (patch.apiBaseUrl !== undefined && patch.apiBaseUrl !== settings.get().apiBaseUrl) {
        // Before the change, so the revoke still goes to the server that issued the token. A reset
        // in progress belongs to the old server too.
        recovery.cancel();
        await session.signOut();
        await session.dropSavedSignIns();
        log.info({}, 'settings: account service address changed; signed out');
      }
      return settings.update(patch);
    },
    'settings:test-connection': ({ apiBaseUrl }) => api.ping(apiBaseUrl),
    'settings:forget-device': async () => {
      recovery.cancel();
      try {
        await session.forgetDevice();
      } finally {
        // The reset put the default address back; a managed install keeps the policy's.
        if (pinnedUrl !== null) settings.update({ apiBaseUrl: pinnedUrl });
      }
      return null;
    },
  };
}
