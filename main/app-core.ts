import { PUSH_EVENTS, type AppInfo, type PushEvent } from '../contract/ipc';
import type { KioskState } from '../contract/kiosk';
import { SUPPORTED_LANGUAGES, type Language } from '../contract/settings';
import { AppError } from './errors';
import { createIpcRouter, type IpcHandlers, type IpcRouter } from './ipc/router';
import {
  KIOSK_MESSAGES,
  channelGuard,
  guarded,
  kioskHandlers,
  kioskSettings,
  managedByPolicy,
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
import { isAllowedExternalUrl } from './services/external-links';
import { KioskController, type KioskControllerDeps, type KioskHost } from './services/kiosk';
import { silentLog, type Log } from './services/logger';
import { passwordVerdict } from './services/password-check';
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

/** Facts about the running app that only the host (Electron, or a test harness) knows. */
export interface AppInfoSource {
  version: string;
  /** `process.platform` in Electron. */
  platform: string;
  /** The OS language as a BCP 47 tag (`app.getLocale()`: `es-MX`); reduced to a supported one. */
  systemLanguage: string | (() => string);
  /** `nativeTheme.shouldUseDarkColors ? 'dark' : 'light'`, read on every `app:info`. */
  systemTheme: () => 'light' | 'dark';
}

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

/** `es-MX` → `es`; anything unsupported → `en`. */
export function toSupportedLanguage(tag: string): Language {
  const primary = tag.toLowerCase().split(/[-_]/)[0] ?? '';
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(primary)
    ? (primary as Language)
    : 'en';
}

/**
 * Builds the main process without Electron: settings, session, API client and the IPC router
 * with a handler for every channel. The Electron glue and the browser end-to-end harness both
 * use this; each brings its own transport.
 *
 * Changing `apiBaseUrl` signs out first (revoking on the old server) and drops every saved
 * sign-in: refresh tokens belong to the server that issued them, and one is never sent to
 * another server.
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

  const emit: PushEmitter = (event, payload) => {
    if (!Object.hasOwn(PUSH_EVENTS, event)) {
      log.error({ event: String(event) }, 'push: unknown event; not sent');
      return;
    }
    const parsed = PUSH_EVENTS[event].safeParse(payload);
    if (!parsed.success) {
      log.error({ event }, 'push: payload does not match the contract; not sent');
      return;
    }
    try {
      deps.emit(event, parsed.data);
    } catch (error) {
      log.error({ err: error, event }, 'push: sending failed');
    }
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

  const systemLanguage = () =>
    toSupportedLanguage(
      typeof deps.appInfo.systemLanguage === 'function'
        ? deps.appInfo.systemLanguage()
        : deps.appInfo.systemLanguage,
    );

  const handlers: IpcHandlers = {
    'app:info': async (): Promise<AppInfo> => ({
      version: deps.appInfo.version,
      platform: deps.appInfo.platform,
      keychainAvailable: vault !== null,
      systemLanguage: systemLanguage(),
      systemTheme: deps.appInfo.systemTheme(),
    }),
    'app:open-external': async ({ url }) => {
      if (!isAllowedExternalUrl(url, deps.externalLinkAllowlist)) {
        log.warn({ url }, 'open-external: refused a link that is not on the allowlist');
        throw new AppError('forbidden', 'Airtime only opens links to its own trusted pages.');
      }
      await deps.openExternal(new URL(url).href);
      return null;
    },
    // A kiosk keeps no sign-in, whatever the page asked for.
    'auth:sign-in': (input) =>
      session.signIn(kioskPolicy ? { ...input, keepSignedIn: false } : input),
    'auth:second-factor': (input) => session.completeSecondFactor(input),
    'auth:second-factor-resend': () => session.resendSecondFactor(),
    'auth:second-factor-cancel': async () => {
      session.cancelSecondFactor();
      return null;
    },
    'auth:sign-out': async () => {
      if (kioskController) await kioskController.wipe('signed-out');
      else await session.signOut();
      return null;
    },
    'auth:resume': () => session.resume(),
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
      recovery.complete(kioskPolicy ? { ...input, keepSignedIn: false } : input),
    'recovery:cancel': async () => {
      recovery.cancel();
      return null;
    },
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
    'account:summary': () => session.account.summary(),
    'account:usage': (input) => session.account.usage(input?.cycle),
    'account:insights': () => session.account.insights(),
    'account:statements': (input) => session.account.statements(input),
    'account:statement': ({ id }) => session.account.statement(id),
    'account:payments': (input) => session.account.payments(input),
    'statements:save-pdf': ({ id }) => exports.savePdf(id),
    'statements:open-pdf': ({ id }) => exports.openPdf(id),
    'statements:export-csv': (input) => exports.statementsCsv(input?.filters),
    'payments:export-csv': () => exports.paymentsCsv(),
    'payments:methods': () => payments.methods(),
    'payments:add-method': (input) => payments.addMethod(input),
    'payments:remove-method': async ({ id }) => {
      await payments.removeMethod(id);
      return null;
    },
    'payments:set-default': ({ id }) => payments.setDefault(id),
    'payments:pay': (input) => payments.pay(input),
    'payments:refill': ({ pin }) => payments.refill(pin),
    'payments:receipt': ({ id }) => payments.receipt(id),
    'autopay:get': () => autopay.get(),
    'autopay:update': (input) => autopay.update(input),
    'plans:catalogue': () => plans.catalogue(),
    'plans:preview': (input) => plans.preview(input),
    'plans:change': (input) => plans.change(input),
    'plans:cancel-pending': () => plans.cancelPending(),
    'addons:list': () => plans.addOns(),
    'addons:buy': ({ addOnId }) => plans.buyAddOn(addOnId),
    'settings:get': async () => settings.view(),
    'settings:set': async (patch) => {
      if (pinnedUrl !== null && patch.apiBaseUrl !== undefined && patch.apiBaseUrl !== pinnedUrl) {
        throw managedByPolicy();
      }
      // A kiosk never remembers a customer's phone number for the next one.
      if (kioskPolicy && patch.rememberPhone === true) throw managedByPolicy();
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
        return chosen === 'system' ? systemLanguage() : chosen;
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
