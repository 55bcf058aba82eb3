import type { PushEvent } from '../contract/ipc';
import type { KioskState } from '../contract/kiosk';
import type { AppInfoSource } from './ipc/handlers/app';
import type { IpcRouter } from './ipc/router';
import type { ApiCaller, ApiClient, ApiClientOptions, ApiDownloads } from './services/api-client';
import type { Clock, Timers } from './services/clock';
import type { SaveFile } from './services/exports';
import type { KioskController, KioskControllerDeps, KioskHost } from './services/kiosk';
import type { Log } from './services/logger';
import type { PolicyOutcome } from './services/policy';
import type { RecoveryService } from './services/recovery';
import type { SecurityService } from './services/security';
import type { PushEmitter, SessionService } from './services/session';
import type { SettingsService, SettingsServiceOptions } from './services/settings';
import type { CredentialVault } from './services/vault';

/**
 * What `createAppCore` (main/app-core.ts) takes and returns. Kept apart from the wiring so that
 * the hosts (main/index.ts, the test harnesses) and the kiosk runtime can name these without
 * pulling in the composition root.
 */

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
  payments?: ApiCaller;
  /** Plans and add-ons; by default a client on the settings' `apiBaseUrl`. */
  plans?: ApiCaller;
  /** AutoPay on or off; by default a client on the settings' `apiBaseUrl`. */
  autopay?: ApiCaller;
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
  api?: ApiCaller;
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
