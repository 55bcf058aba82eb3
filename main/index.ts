/**
 * Composition root of the Electron main process. Everything here is glue: it creates Electron
 * objects and hands them to plain services (see app-core.ts), which are tested under Node.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  protocol,
  session,
  shell,
} from 'electron';
import Store from 'electron-store';
import { DEFAULT_SETTINGS } from '../contract/settings';
import { createAppCore, type AppCore } from './app-core';
import { createElectronKioskHost, type ElectronKioskHost } from './kiosk-electron';
import { loadPolicy, policyArgument, type PolicyOutcome } from './services/policy';
import type { SaveFile } from './services/exports';
import { createLogger } from './services/logger';
import { keytarVault, loadKeytar, usableVault } from './services/vault';
import { SettingsService, memorySettingsStore, type SettingsStore } from './services/settings';
import { isAllowedExternalUrl } from './services/external-links';
import { senderCheck } from './ipc/router';
import { createRendererFileHandler } from './protocol';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME,
  EXTERNAL_LINK_ALLOWLIST,
  restrictPermissions,
  hardenWebContents,
} from './security';
import { getMainWindowOptions } from './window-options';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../renderer');
// electron-vite's dev server (hot reload) in development; the packaged files otherwise.
const DEV_URL = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const RENDERER_ORIGIN = DEV_URL ? new URL(DEV_URL).origin : APP_ORIGIN;

// Must happen before 'ready': app:// is a standard, secure origin (a secure context with fetch).
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
]);
app.enableSandbox();

// For tests and for people who run several profiles: a separate data folder and API address.
const userDataOverride = process.env['AIRTIME_USER_DATA_DIR'];
if (userDataOverride) app.setPath('userData', path.resolve(userDataOverride));
const apiUrlOverride = process.env['AIRTIME_API_URL'];

let core: AppCore | undefined;
let mainWindow: BrowserWindow | undefined;
/** Set in kiosk mode: the kiosk's windows replace the main window. */
let kioskHost: ElectronKioskHost | undefined;

// Read before any window exists: a kiosk must never come up as a normal install, even briefly.
const policy: PolicyOutcome = loadPolicy({
  explicitPath: policyArgument(process.argv),
  platform: process.platform,
  env: process.env,
});
const kioskMode = policy.mode === 'kiosk';

function openExternal(url: string): void {
  // A kiosk opens no browser: the customer would leave the app on a shared machine.
  if (kioskMode) return;
  if (isAllowedExternalUrl(url, EXTERNAL_LINK_ALLOWLIST)) void shell.openExternal(url);
}

/** The save dialog, attached to the window, starting in Downloads with the suggested name. */
const saveFile: SaveFile = async ({ defaultName, filters, bytes }) => {
  const options = {
    defaultPath: path.join(app.getPath('downloads'), defaultName),
    filters,
    properties: ['createDirectory', 'showOverwriteConfirmation'] as Array<
      'createDirectory' | 'showOverwriteConfirmation'
    >,
  };
  const choice = mainWindow
    ? await dialog.showSaveDialog(mainWindow, options)
    : await dialog.showSaveDialog(options);
  if (choice.canceled || !choice.filePath) return { saved: false };
  await writeFile(choice.filePath, bytes);
  return { saved: true, path: choice.filePath };
};

async function openPath(filePath: string): Promise<void> {
  // shell.openPath resolves with an error message rather than rejecting.
  const failure = await shell.openPath(filePath);
  if (failure) throw new Error(failure);
}

function createMainWindow(appCore: AppCore): BrowserWindow {
  const theme = nativeTheme.shouldUseDarkColors ? 'dark' : 'light';
  const window = new BrowserWindow(
    getMainWindowOptions({
      preloadPath: PRELOAD,
      theme,
      bounds: appCore.settings.get().windowBounds,
    }),
  );
  window.once('ready-to-show', () => window.show());
  window.on('close', () => appCore.settings.setWindowBounds(window.getNormalBounds()));
  void window.loadURL(DEV_URL ?? APP_ENTRY_URL);
  return window;
}

async function onReady(): Promise<void> {
  const logger = createLogger({ directory: app.getPath('logs') });
  protocol.handle(APP_SCHEME, createRendererFileHandler(RENDERER_DIR));
  restrictPermissions(session.defaultSession);
  if (process.platform !== 'darwin' || policy.mode !== 'normal') Menu.setApplicationMenu(null);
  if (policy.mode === 'blocked') {
    logger.error(
      { code: policy.code, path: policy.path },
      'policy: the policy file cannot be used',
    );
  }

  // Neither a kiosk nor a blocked start touches the keychain or the settings file.
  const keepsNothing = policy.mode === 'kiosk' || policy.mode === 'blocked';
  const keytar = keepsNothing ? null : await loadKeytar();
  if (!keytar && !keepsNothing)
    logger.warn('the keychain module (keytar) is not installed: sessions last for this run only');
  const vault = keytar ? await usableVault(keytarVault(keytar)) : null;
  if (keytar && !vault) logger.warn('no OS keychain available: sessions last for this run only');

  if (kioskMode) {
    kioskHost = createElectronKioskHost({
      preloadPath: PRELOAD,
      entryUrl: DEV_URL ?? APP_ENTRY_URL,
      theme: () => (nativeTheme.shouldUseDarkColors ? 'dark' : 'light'),
      serveRenderer: (partitionSession) =>
        partitionSession.protocol.handle(APP_SCHEME, createRendererFileHandler(RENDERER_DIR)),
      onActivity: () => core?.kiosk?.activity(),
      onStaffCombo: () => core?.kiosk?.staffPrompt(),
      onRendererGone: (reason) => {
        logger.error({ reason }, 'kiosk: the customer window crashed; wiping');
        void core?.kiosk?.wipe('restarted');
      },
      log: logger,
    });
  }

  core = createAppCore({
    settings: keepsNothing
      ? new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS)))
      : {
          file: path.join(app.getPath('userData'), 'settings.json'),
          createStore: (defaults) =>
            new Store({ name: 'settings', defaults }) as unknown as SettingsStore,
        },
    vault,
    policy,
    ...(kioskHost ? { kiosk: { host: kioskHost } } : {}),
    appInfo: {
      version: app.getVersion(),
      platform: process.platform,
      systemLanguage: () => app.getLocale(),
      systemTheme: () => (nativeTheme.shouldUseDarkColors ? 'dark' : 'light'),
    },
    deviceName: () => os.hostname(),
    openExternal,
    externalLinkAllowlist: EXTERNAL_LINK_ALLOWLIST,
    // No file dialogs and no opening files in a kiosk (the core ignores them there too).
    ...(kioskMode ? {} : { saveFile, openPath }),
    tempDir: () => path.join(app.getPath('temp'), 'airtime'),
    emit: (event, payload) =>
      (kioskHost ? kioskHost.window() : mainWindow)?.webContents.send(event, payload),
    isTrustedSender: senderCheck(RENDERER_ORIGIN),
    logger,
  });

  if (apiUrlOverride && policy.mode === 'normal') {
    try {
      core.settings.update({ apiBaseUrl: apiUrlOverride });
    } catch (error) {
      logger.warn({ err: error }, 'AIRTIME_API_URL is not a valid account API address; ignored');
    }
  }

  // Every handler exists before the first window can call one.
  const router = core.router;
  for (const channel of router.channels) {
    ipcMain.handle(channel, (event, payload: unknown) =>
      router.dispatch(channel, event.senderFrame?.url, payload),
    );
  }
  nativeTheme.on('updated', () =>
    core?.emit('system:theme-changed', {
      theme: nativeTheme.shouldUseDarkColors ? 'dark' : 'light',
    }),
  );
  if (core.kiosk) {
    // Whatever a crash or a restart left signed in is ended; then the welcome screen.
    await core.kiosk.begin();
  } else {
    mainWindow = createMainWindow(core);
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const window = kioskHost?.window() ?? mainWindow;
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, { appOrigin: RENDERER_ORIGIN, openExternal }),
  );
  app.on('window-all-closed', () => {
    // Between a wipe's destroyed window and the fresh welcome window there is no window at all.
    if (kioskHost?.switching) return;
    if (process.platform !== 'darwin' || kioskMode) app.quit();
  });
  app.on('activate', () => {
    if (core && !kioskMode && BrowserWindow.getAllWindows().length === 0)
      mainWindow = createMainWindow(core);
  });
  app.on('will-quit', () => core?.dispose());
  app.whenReady().then(onReady, (error: unknown) => {
    console.error('Airtime could not start:', error);
    app.exit(1);
  });
}
