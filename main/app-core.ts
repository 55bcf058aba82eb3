import type { AppCore, AppCoreDeps } from './app-core-types';
import { accountHandlers } from './ipc/handlers/account';
import { appHandlers, systemLanguage } from './ipc/handlers/app';
import { autopayHandlers } from './ipc/handlers/autopay';
import { paymentsHandlers } from './ipc/handlers/payments';
import { plansHandlers } from './ipc/handlers/plans';
import { recoveryHandlers } from './ipc/handlers/recovery';
import { securityHandlers } from './ipc/handlers/security';
import { sessionHandlers } from './ipc/handlers/session';
import { settingsHandlers } from './ipc/handlers/settings';
import { statementsHandlers } from './ipc/handlers/statements';
import { createIpcRouter, createPushEmitter, type IpcHandlers } from './ipc/router';
import { customerStorage, pinnedApiUrl, settingsUnderPolicy } from './kiosk-core';
import { createKioskRuntime } from './kiosk/runtime';
import { createApiClient } from './services/api-client';
import { AutopayService } from './services/autopay';
import { systemClock, systemTimers } from './services/clock';
import { deviceInfo } from './services/device';
import { ExportService } from './services/exports';
import { silentLog } from './services/logger';
import { PaymentService } from './services/payments';
import { PlansService } from './services/plans';
import { RecoveryService } from './services/recovery';
import { SecurityService } from './services/security';
import { SessionService } from './services/session';
import { SettingsService, createSettingsService, viewChanged } from './services/settings';

export type { AppCore, AppCoreDeps, AppCoreKioskDeps } from './app-core-types';
export { toSupportedLanguage, type AppInfoSource } from './ipc/handlers/app';

/**
 * Builds the main process without Electron: settings, session, API client and the IPC router
 * with a handler for every channel. The Electron glue and the browser end-to-end harness both
 * use this; each brings its own transport. The handlers live in main/ipc/handlers/, one file per
 * domain of contract/ipc.ts, and the kiosk's run-time state in main/kiosk/runtime.ts; this file
 * only builds the services they share and hands each its own.
 */
export function createAppCore(deps: AppCoreDeps): AppCore {
  const log = deps.logger ?? silentLog;
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const policy = deps.policy ?? { mode: 'normal' };
  const kioskMode = policy.mode === 'kiosk';
  if (kioskMode && !deps.kiosk) throw new Error('createAppCore: kiosk mode needs deps.kiosk');
  const settings = settingsUnderPolicy(policy, () =>
    deps.settings instanceof SettingsService
      ? deps.settings
      : createSettingsService({ log, ...deps.settings }),
  );
  const pinnedUrl = pinnedApiUrl(policy);
  const kept = customerStorage(policy, deps);
  const emit = createPushEmitter((event, payload) => deps.emit(event, payload), log);
  const kioskRuntime = createKioskRuntime(deps, { policy, emit, clock, timers, log });

  const defaultClient = () =>
    createApiClient({
      ...deps.apiOptions,
      baseUrl: () => settings.get().apiBaseUrl,
      appVersion: deps.appInfo.version,
      ...kioskRuntime.apiClientOptions,
    });
  const client =
    deps.api === undefined || deps.downloads === undefined || deps.payments === undefined
      ? defaultClient()
      : null;
  const api = deps.api ?? client!;

  const session = new SessionService({
    api,
    vault: kept.vault,
    settings,
    clock,
    timers,
    emit,
    log,
    device: () =>
      deviceInfo({
        id: () => settings.deviceId(),
        name: deps.deviceName,
        appVersion: deps.appInfo.version,
      }),
    ...kept.session,
  });
  const recovery = new RecoveryService({ api, session, clock, log });
  const security = new SecurityService({ api, session, log });
  const payments = new PaymentService({ api: deps.payments ?? client!, session, log });
  const plans = new PlansService({
    api: deps.plans ?? client ?? defaultClient(),
    session,
    log,
    ...(deps.newIdempotencyKey ? { newKey: deps.newIdempotencyKey } : {}),
  });
  const autopay = new AutopayService({
    api: deps.autopay ?? client ?? defaultClient(),
    session,
    log,
  });
  const exports = new ExportService({
    api: deps.downloads ?? client!,
    session,
    ...kept.files,
    // Files in the language the app is shown in, as the renderer picks it: chosen, or the OS's.
    language: () => {
      const chosen = settings.get().language;
      return chosen === 'system' ? systemLanguage(deps.appInfo) : chosen;
    },
    log,
  });
  const kiosk = kioskRuntime.connect({
    session,
    recovery,
    settings,
    payments,
    defaultApi: () => client ?? defaultClient(),
  });

  const stopSettingsEvents = settings.onChange((next, previous) => {
    if (viewChanged(next, previous)) emit('settings:changed', settings.view());
  });

  const handlers: IpcHandlers = {
    ...appHandlers({
      appInfo: deps.appInfo,
      keychainAvailable: kept.vault !== null,
      openExternal: (url) => deps.openExternal(url),
      externalLinkAllowlist: deps.externalLinkAllowlist,
      log,
    }),
    ...sessionHandlers({ session, kiosk: kiosk.controller }),
    ...recoveryHandlers({ recovery, session, kioskMode }),
    ...securityHandlers({ security }),
    ...accountHandlers({ session }),
    ...statementsHandlers({ exports }),
    ...paymentsHandlers({ payments, exports }),
    ...autopayHandlers({ autopay }),
    ...plansHandlers({ plans }),
    ...settingsHandlers({ settings, session, recovery, api, pinnedUrl, kioskMode, log }),
    ...kiosk.handlers,
  };

  const router = createIpcRouter({
    handlers: kiosk.guard(handlers),
    isTrustedSender: deps.isTrustedSender,
    onUnexpectedError: (channel, error) =>
      log.error({ err: error, channel }, 'ipc: a handler failed unexpectedly'),
  });

  return {
    router,
    session,
    recovery,
    security,
    settings,
    api,
    emit,
    kiosk: kiosk.controller,
    kioskState: kiosk.state,
    dispose() {
      stopSettingsEvents();
      session.dispose();
      kiosk.dispose();
    },
  };
}
