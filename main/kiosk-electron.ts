/**
 * Kiosk mode's Electron side: the {@link KioskHost} the kiosk controller drives. Glue only; the
 * rules live in main/kiosk-window.ts and main/services/kiosk.ts.
 */
import { randomUUID } from 'node:crypto';
import { BrowserWindow, app, clipboard, session, type Session } from 'electron';
import type { KioskHost } from './services/kiosk';
import type { Log } from './services/logger';
import {
  getKioskWindowOptions,
  getPrintWindowOptions,
  isStaffCombo,
  kioskPartition,
  shouldBlockInput,
} from './kiosk-window';
import { restrictPermissions } from './security';

export interface ElectronKioskHostOptions {
  preloadPath: string;
  /** The renderer's entry URL (the app:// page, or the dev server). */
  entryUrl: string;
  theme(): 'light' | 'dark';
  /** Serves the renderer's files on a fresh partition (`app://` is per session). */
  serveRenderer(partitionSession: Session): void;
  /** Keys that reach the page (the idle clock starts over). */
  onActivity(): void;
  onStaffCombo(): void;
  /** The customer's renderer crashed or was killed. */
  onRendererGone(reason: string): void;
  log: Log;
}

export interface ElectronKioskHost extends KioskHost {
  /** The kiosk's window (welcome or customer), for push events. */
  window(): BrowserWindow | undefined;
  /** True while the app is between two kiosk windows, or quitting on purpose. */
  readonly switching: boolean;
}

/** Drops everything a partition holds before it is let go. */
async function clearPartition(partitionSession: Session): Promise<void> {
  await partitionSession.clearStorageData();
  await partitionSession.clearCache();
  await partitionSession.clearAuthCache();
}

export function createElectronKioskHost(options: ElectronKioskHostOptions): ElectronKioskHost {
  let current: BrowserWindow | undefined;
  let switching = false;
  let quitting = false;

  const openWindow = () => {
    const partition = kioskPartition(randomUUID());
    const partitionSession = session.fromPartition(partition, { cache: false });
    restrictPermissions(partitionSession);
    options.serveRenderer(partitionSession);
    const window = new BrowserWindow(
      getKioskWindowOptions({
        preloadPath: options.preloadPath,
        theme: options.theme(),
        partition,
      }),
    );
    window.removeMenu();
    window.once('ready-to-show', () => window.show());
    // Only a wipe or the staff exit closes a kiosk window (Alt+F4 reaches the OS, not the page).
    window.on('close', (event) => {
      if (!quitting) event.preventDefault();
    });
    window.webContents.on('before-input-event', (event, input) => {
      if (isStaffCombo(input)) {
        event.preventDefault();
        options.onStaffCombo();
      } else if (shouldBlockInput(input)) {
        event.preventDefault();
      } else if (input.type === 'keyDown') {
        options.onActivity();
      }
    });
    window.webContents.on('render-process-gone', (_event, details) => {
      if (window === current) options.onRendererGone(details.reason);
    });
    void window.loadURL(options.entryUrl);
    current = window;
  };

  return {
    window: () => current,
    get switching() {
      return switching || quitting;
    },
    openCustomerWindow() {
      // The welcome window already runs in a fresh partition nobody has used: it becomes the
      // customer's. Only when it is gone (a failed start) is a new one opened.
      if (!current || current.isDestroyed()) openWindow();
    },
    async destroyCustomerWindow() {
      const window = current;
      current = undefined;
      if (!window || window.isDestroyed()) return;
      switching = true;
      const partitionSession = window.webContents.session;
      window.destroy();
      await clearPartition(partitionSession);
    },
    showWelcome() {
      try {
        openWindow();
      } finally {
        switching = false;
      }
    },
    clearClipboard() {
      clipboard.clear();
    },
    quit() {
      quitting = true;
      app.quit();
    },
    async print(html, deviceName) {
      const partition = `kiosk-print-${randomUUID()}`;
      const printer = new BrowserWindow(getPrintWindowOptions(partition));
      const partitionSession = printer.webContents.session;
      try {
        const printers = await printer.webContents.getPrintersAsync();
        if (!printers.some((p) => p.name === deviceName)) {
          throw new Error(`no printer named ${deviceName}`);
        }
        await printer.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
        await new Promise<void>((resolve, reject) =>
          printer.webContents.print(
            { silent: true, deviceName, printBackground: false },
            (success, failureReason) =>
              success ? resolve() : reject(new Error(failureReason || 'printing failed')),
          ),
        );
      } finally {
        printer.destroy();
        await clearPartition(partitionSession).catch((error: unknown) =>
          options.log.warn({ err: error }, 'kiosk: could not clear the print partition'),
        );
      }
    },
  };
}
