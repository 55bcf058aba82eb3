import type { PushEvent } from '../contract/ipc';
import type { KioskState } from '../contract/kiosk';
import { accountHandlers } from './ipc/handlers/account';
import { appHandlers, systemLanguage, type AppInfoSource } from './ipc/handlers/app';
import { autopayHandlers } from './ipc/handlers/autopay';
import { paymentsHandlers } from './ipc/handlers/payments';
import { plansHandlers } from './ipc/handlers/plans';
import { recoveryHandlers } from './ipc/handlers/recovery';
import { securityHandlers } from './ipc/handlers/security';
import { sessionHandlers } from './ipc/handlers/session';
import { settingsHandlers } from './ipc/handlers/settings';
import { statementsHandlers } from './ipc/handlers/statements';
import { createIpcRouter, createPushEmitter, type IpcHandlers, type IpcRouter } from './ipc/router';
import {
  KIOSK_MESSAGES,
  channelGuard,
  guarded,
  kioskHandlers,
  kioskSettings,
  pinnedApiUrl,
  type BlockedState,
} from './kiosk-core';
import {
  createApiClient,
  type ApiClient,
  type ApiAutopay,
  type ApiClientOptions,
  type ApiDownloads,
  type ApiKiosk,
  type ApiPayments,
  type ApiPlans,
} from './services/api-client';
import { AutopayService } from './services/autopay';
import { systemClock, systemTimers, type Clock, type Timers } from './services/clock';
import { deviceInfo } from './services/device';
import { ExportService, type SaveFile } from './services/exports';
import { KioskController, type KioskControllerDeps, type KioskHost } from './services/kiosk';
import { silentLog, type Log } from './services/logger';
import { PaymentService } from './services/payments';
import { PlansService } from './services/plans';
import type { PolicyOutcome } from './services/policy';
import { RecoveryService } from './services/recovery';
import { SecurityService } from './services/security';
import { SessionService, type PushEmitter } from './services/session';
import {
  SettingsService,
  createSettingsService,
  viewChanged,
  type SettingsServiceOptions,
} from './services/settings';
import type { CredentialVault } from './services/vault';

export { toSupportedLanguage, type AppInfoSource } from './ipc/handlers/app';

export interface AppCoreDeps {
  /** An open settings service, or the options to open one (file + store factory). */
  settings: SettingsService | SettingsServiceOptions;
  /** The keychain, or `null` when this machine has none (or kiosk mode: nothing kept). */
  vault: CredentialVault | null;
  appInfo: AppInfoSource;
  /** Hands a URL to the OS browser (`shell.openExternal`). Only called for allowlisted https URLs. */
  openExternal(url: string): Promise<void> | void;
  /** Hosts `app:open-external` may open (`help.example.com`, `*.example.com`). */
  externalLinkAllowlist: readonly string[];
  /**
   * The computer's name as the account's sessions list shows it (`os.hostname()`; a fixed name
   * in tests). Read at every sign-in.
   */
  deviceName(): string;
  /** False in a kiosk: "remember this computer" is not offered. Default: allowed. */
  allowRememberDevice?: () => boolean;
  /** Sends a push event to the renderer (`webContents.send`). Payloads are checked before this is called. */
  emit(event: PushEvent, payload: unknown): void;
  /** True only for frames of the app's own renderer (see `senderCheck` in main/ipc/router.ts). */
  isTrustedSender(url: string | undefined): boolean;
  clock?: Clock;
  timers?: Timers;
  logger?: Log;
  /** The account API client; by default one on the settings' `apiBaseUrl`. */
  api?: ApiClient;
  /** Options for the default API client (timeouts, retry, sleep). */
  apiOptions?: Omit<ApiClientOptions, 'baseUrl' | 'appVersion'>;
  /** The API's file downloads (PDF, CSV); by default a client on the settings' `apiBaseUrl`. */
  downloads?: ApiDownloads;
  /** Saved cards, payments and refills; by default a client on the settings' `apiBaseUrl`. */
  payments?: ApiPayments;
  /** Plans and add-ons; by default a client on the settings' `apiBaseUrl`. */
  plans?: ApiPlans;
  /** AutoPay on or off; by default a client on the settings' `apiBaseUrl`. */
  autopay?: ApiAutopay;
  /** A fresh Idempotency-Key per plan change or purchase (`crypto.randomUUID` by default). */
  newIdempotencyKey?: () => string;
  /**
   * Asks where to save a download and writes it there (`dialog.showSaveDialog` + `fs.writeFile`).
   * Without it, the save and export channels answer that saving is not available.
   */
  saveFile?: SaveFile;
  /** Opens a file with the OS's default app (`shell.openPath`); rejects when nothing opened it. */
  openPath?: (filePath: string) => Promise<void>;
  /** The app's temporary folder, for a statement opened for viewing (`app.getPath('temp')`). */
  tempDir?: () => string;
  /**
   * What the machine's policy file said (`loadPolicy` in main/services/policy.ts). Absent or
   * `normal`: a normal install. `managed`: the API address is pinned. `kiosk`: a store kiosk
   * (needs `kiosk`); `settings`, `vault`, `saveFile`, `openPath` and `allowRememberDevice` are then
   * ignored: nothing of a customer is kept. `blocked`: every channel but `app:info` and
   * `kiosk:state` answers `forbidden`.
   */
  policy?: PolicyOutcome;
  /** Kiosk mode's Electron side and test seams; required when `policy.mode` is `kiosk`. */
  kiosk?: AppCoreKioskDeps;
}

export interface AppCoreKioskDeps {
  host: KioskHost;
  /** Visits and receipt e-mails; by default the kiosk's API client. */
  api?: ApiKiosk;
  verifyPin?: KioskControllerDeps['verifyPin'];
  serverTimeoutMs?: number;
}

export interface AppCore {
  /** Dispatches every channel of contract/ipc.ts; register it with `ipcMain.handle` or a test binding. */
  router: IpcRouter;
  session: SessionService;
  recovery: RecoveryService;
  security: SecurityService;
  settings: SettingsService;
  api: ApiClient;
  /** Sends a push event after checking its payload against PUSH_EVENTS (e.g. `system:theme-changed`). */
  emit: PushEmitter;
  /** The store kiosk (kiosk mode only): start a visit, activity, wipe, staff prompt. */
  kiosk: KioskController | null;
  /** What `kiosk:state` answers: normal, the kiosk's state, or blocked. */
  kioskState(): KioskState;
  /** Stops timers and listeners; does not sign out. */
  dispose(): void;
}

/**
 * Builds the main process without Electron: settings, session, API client and the IPC router
 * with a handler for every channel. The Electron glue and the browser end-to-end harness both
 * use this; each brings its own transport. The handlers live in main/ipc/handlers/, one file per
 * domain of contract/ipc.ts; this file only builds the services they share and hands each its own.
 */
export function createAppCore(deps: AppCoreDeps): AppCore {
  const log = deps.logger ?? silentLog;
  const policy = deps.policy ?? { mode: 'normal' };
  const kioskPolicy = policy.mode === 'kiosk' ? policy.policy : null;
  if (kioskPolicy && !deps.kiosk) throw new Error('createAppCore: kiosk mode needs deps.kiosk');
  // A kiosk never opens the settings file: its settings live in memory and die with the process.
  const settings = kioskPolicy
    ? kioskSettings(kioskPolicy)
    : deps.settings instanceof SettingsService
      ? deps.settings
      : createSettingsService({ log, ...deps.settings });
  const pinnedUrl = pinnedApiUrl(policy);
  if (pinnedUrl !== null && settings.get().apiBaseUrl !== pinnedUrl) {
    settings.update({ apiBaseUrl: pinnedUrl });
  }
  const vault = kioskPolicy ? null : deps.vault;
  const emit = createPushEmitter((event, payload) => deps.emit(event, payload), log);
  let blocked: BlockedState | null =
    policy.mode === 'blocked'
      ? {
          mode: 'blocked',
          reason: 'policy',
          code: policy.code,
          message: policy.message,
          policyPath: policy.path,
        }
      : null;
  let kioskController: KioskController | null = null;
  /** One per visit: aborting it cancels every request of the customer being wiped. */
  let visitRequests = new AbortController();
  const onNotEnrolled = () => {
    if (blocked || !kioskController) return;
    blocked = {
      mode: 'blocked',
      reason: 'not_enrolled',
      code: 'kiosk_not_enrolled',
      message: KIOSK_MESSAGES.notEnrolled,
      policyPath: policy.mode === 'kiosk' ? policy.path : null,
    };
    log.error({}, 'kiosk: the account service refused the kiosk credential; kiosk blocked');
    emit('kiosk:state', { state: blocked, wiped: null });
    // Whatever the customer had open goes; the fresh window shows the blocked screen.
    const controller = kioskController;
    void controller.wipe('ended').then(() => controller.dispose());
  };

  const defaultClient = () =>
    createApiClient({
      ...deps.apiOptions,
      baseUrl: () => settings.get().apiBaseUrl,
      appVersion: deps.appInfo.version,
      ...(kioskPolicy
        ? {
            kiosk: {
              credential: kioskPolicy.kioskCredential,
              visitId: () => kioskController?.visitId ?? null,
              signal: () => visitRequests.signal,
              onNotEnrolled,
            },
          }
        : {}),
    });
  const client =
    deps.api === undefined || deps.downloads === undefined || deps.payments === undefined
      ? defaultClient()
      : null;
  const api = deps.api ?? client!;
  const downloads = deps.downloads ?? client!;
  const paymentsApi = deps.payments ?? client!;

  const session = new SessionService({
    api,
    vault,
    settings,
    clock: deps.clock ?? systemClock,
    timers: deps.timers ?? systemTimers,
    emit,
    log,
    device: () =>
      deviceInfo({
        id: () => settings.deviceId(),
        name: deps.deviceName,
        appVersion: deps.appInfo.version,
      }),
    // A kiosk already has no vault; this keeps customers' device tokens and cookies out even if
    // one were wired in.
    ...(kioskPolicy
      ? { allowRememberDevice: () => false, allowDeviceCookie: () => false }
      : deps.allowRememberDevice
        ? { allowRememberDevice: deps.allowRememberDevice }
        : {}),
  });
  const recovery = new RecoveryService({ api, session, clock: deps.clock ?? systemClock, log });
  const security = new SecurityService({ api, session, log });
  const payments = new PaymentService({ api: paymentsApi, session, log });
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
  // A kiosk has no file dialogs and opens no files, whatever the host passed.
  const exports = new ExportService({
    api: downloads,
    session,
    saveFile: kioskPolicy ? undefined : deps.saveFile,
    openPath: kioskPolicy ? undefined : deps.openPath,
    tempDir: kioskPolicy ? undefined : deps.tempDir,
    log,
  });

  const kioskApi: ApiKiosk | null = kioskPolicy
    ? (deps.kiosk?.api ?? client ?? defaultClient())
    : null;
  if (kioskPolicy && deps.kiosk && kioskApi) {
    kioskController = new KioskController({
      policy: kioskPolicy,
      host: deps.kiosk.host,
      signOut: async () => {
        recovery.cancel();
        await session.signOut();
        // The next customer starts from the kiosk's defaults, not this one's language or theme.
        settings.update({ language: 'system', theme: 'system' });
      },
      startVisit: async () => (await kioskApi.startKioskVisit()).visitId,
      endVisits: () => kioskApi.endKioskVisits(),
      abortInFlight: () => {
        visitRequests.abort();
        visitRequests = new AbortController();
      },
      clock: deps.clock ?? systemClock,
      timers: deps.timers ?? systemTimers,
      // Once blocked (the credential was refused), the wipe's "welcome" must not undo it: the
      // fresh window is told the kiosk is blocked.
      emit: (event, payload) =>
        event === 'kiosk:state' && blocked
          ? emit('kiosk:state', { state: blocked, wiped: null })
          : emit(event, payload),
      log,

      ...(deps.kiosk.verifyPin ? { verifyPin: deps.kiosk.verifyPin } : {}),
      ...(deps.kiosk.serverTimeoutMs !== undefined
        ? { serverTimeoutMs: deps.kiosk.serverTimeoutMs }
        : {}),
    });
  }
  const kioskState = (): KioskState => blocked ?? kioskController?.state() ?? { mode: 'normal' };

  const stopSettingsEvents = settings.onChange((next, previous) => {
    if (viewChanged(next, previous)) emit('settings:changed', settings.view());
  });

  const handlers: IpcHandlers = {
    ...appHandlers({
      appInfo: deps.appInfo,
      keychainAvailable: vault !== null,
      openExternal: (url) => deps.openExternal(url),
      externalLinkAllowlist: deps.externalLinkAllowlist,
      log,
    }),
    ...sessionHandlers({ session, kiosk: kioskController }),
    ...recoveryHandlers({ recovery, session, kioskMode: kioskPolicy !== null }),
    ...securityHandlers({ security }),
    ...accountHandlers({ session }),
    ...statementsHandlers({ exports }),
    ...paymentsHandlers({ payments, exports }),
    ...autopayHandlers({ autopay }),
    ...plansHandlers({ plans }),
    ...settingsHandlers({
      settings,
      session,
      recovery,
      api,
      pinnedUrl,
      kioskMode: kioskPolicy !== null,
      log,
    }),
    ...kioskHandlers({
      state: kioskState,
      kiosk:
        kioskPolicy && kioskController && kioskApi && deps.kiosk
          ? {
              policy: kioskPolicy,
              controller: kioskController,
              host: deps.kiosk.host,
              api: kioskApi,
            }
          : null,
      session,
      payments,
      language: () => {
        const chosen = settings.get().language;
        return chosen === 'system' ? systemLanguage(deps.appInfo) : chosen;
      },
      log,
    }),
  };

  const guard = channelGuard({
    blocked: () => blocked,
    kiosk:
      kioskPolicy && kioskController ? { policy: kioskPolicy, controller: kioskController } : null,
  });

  const router = createIpcRouter({
    handlers: guarded(handlers, guard),
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
    kiosk: kioskController,
    kioskState,
    dispose() {
      stopSettingsEvents();
      session.dispose();
      kioskController?.dispose();
    },
  };
}
