import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import type { BrowserWindow, Session } from 'electron';
import { APP_ENTRY_URL } from '../../main/security';
import type { RunningServer } from '../../server/src/server';
import {
  enrollKiosk,
  writeKioskPolicy,
  writeMalformedPolicy,
  type KioskSetUp,
} from '../e2e/support/kiosk-policy';
import { t } from '../e2e/support/ui';
import { startDemoApi } from './demo-api';
import { electronBinary, MAIN_ENTRY } from './electron-binary';

const binary = electronBinary();

/** The app as a store runs it: `airtime --policy <file>`, with a private data folder. */
function launchKiosk(policyPath: string, userData: string): Promise<ElectronApplication> {
  return electron.launch({
    executablePath: binary!,
    args: [MAIN_ENTRY, '--policy', policyPath],
    env: { ...process.env, AIRTIME_USER_DATA_DIR: userData },
  });
}

/** What Electron says about the one window on screen (there is only ever one in a kiosk). */
function windowFacts(app: ElectronApplication) {
  return app.evaluate(({ BrowserWindow, Menu }) => {
    const windows = BrowserWindow.getAllWindows();
    const win = windows[0]!;
    // Undocumented in electron.d.ts, but what Electron actually applied to this renderer.
    const prefs = (
      win.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }
    ).getLastWebPreferences();
    return {
      windows: windows.length,
      id: win.id,
      kiosk: win.isKiosk(),
      fullScreen: win.isFullScreen(),
      menuBarVisible: win.isMenuBarVisible(),
      applicationMenu: Menu.getApplicationMenu() !== null,
      persistent: win.webContents.session.isPersistent(),
      storagePath: win.webContents.session.storagePath,
      partition: typeof prefs['partition'] === 'string' ? prefs['partition'] : null,
      devTools: prefs['devTools'],
    };
  });
}

test.describe('the kiosk window in Electron', () => {
  test.skip(
    !binary,
    'The Electron binary is not installed on this machine; these tests run wherever it is.',
  );

  let api: RunningServer;
  let dir: string;
  let setUp: KioskSetUp;
  let app: ElectronApplication | undefined;

  test.beforeAll(async () => {
    if (!fs.existsSync(MAIN_ENTRY)) throw new Error('Build the app first: npx electron-vite build');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-electron-kiosk-'));
    api = await startDemoApi(dir);
    const { kiosk } = await enrollKiosk(api.database.db);
    setUp = await writeKioskPolicy(api.url, kiosk);
  });

  test.afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  test.afterAll(async () => {
    setUp?.remove();
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the window is a locked, full-screen kiosk on an in-memory session', async () => {
    app = await launchKiosk(setUp.policyPath, path.join(dir, 'user-data-1'));
    const page = await app.firstWindow();
    await expect(
      page.getByRole('button', { name: t('en', 'kiosk.welcome.start'), exact: true }),
    ).toBeVisible();

    const facts = await windowFacts(app);
    expect(facts).toMatchObject({
      windows: 1,
      kiosk: true,
      fullScreen: true,
      menuBarVisible: false,
      persistent: false,
      storagePath: null,
      devTools: false,
    });
    if (process.platform !== 'darwin') expect(facts.applicationMenu).toBe(false);
    // An in-memory partition: never `persist:`, which would write the customer to disk.
    expect(facts.partition ?? '').not.toMatch(/^persist:/);

    // Developer tools stay shut whoever asks (F12, a context menu, or main itself).
    await page.keyboard.press('F12');
    await page.keyboard.press('Control+Shift+I');
    const devToolsOpen = await app.evaluate(({ BrowserWindow }) => {
      const win = BrowserWindow.getAllWindows()[0]!;
      win.webContents.openDevTools({ mode: 'detach' });
      return new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(win.webContents.isDevToolsOpened()), 500),
      );
    });
    expect(devToolsOpen).toBe(false);

    // window.open is refused: no second window, and the page gets nothing back.
    expect(await page.evaluate((url) => window.open(url) === null, APP_ENTRY_URL)).toBe(true);
    await page.waitForTimeout(300);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });

  test('"End session" gives a new window on a new session', async () => {
    app = await launchKiosk(setUp.policyPath, path.join(dir, 'user-data-2'));
    const page = await app.firstWindow();
    await page.getByRole('button', { name: t('en', 'kiosk.welcome.start'), exact: true }).click();
    // Keep the customer's window and session objects in main, to compare after the wipe.
    await app.evaluate(({ BrowserWindow }) => {
      const win = BrowserWindow.getAllWindows()[0]!;
      (globalThis as Record<string, unknown>)['__customer'] = {
        win,
        session: win.webContents.session,
      };
    });
    const first = await windowFacts(app);

    const next = app.waitForEvent('window');
    await page
      .getByRole('button', { name: t('en', 'kiosk.endSession'), exact: true })
      .first()
      .click();
    const fresh = await next;
    await expect(
      fresh.getByRole('button', { name: t('en', 'kiosk.welcome.start'), exact: true }),
    ).toBeVisible();

    const after = await app.evaluate(({ BrowserWindow: Windows }) => {
      const previous = (globalThis as Record<string, unknown>)['__customer'] as {
        win: BrowserWindow;
        session: Session;
      };
      const windows = Windows.getAllWindows();
      const win = windows[0]!;
      return {
        windows: windows.length,
        oldDestroyed: previous.win.isDestroyed(),
        sameSession: win.webContents.session === previous.session,
        persistent: win.webContents.session.isPersistent(),
        kiosk: win.isKiosk(),
      };
    });
    expect(after).toEqual({
      windows: 1,
      oldDestroyed: true,
      sameSession: false,
      persistent: false,
      kiosk: true,
    });
    expect((await windowFacts(app)).id).not.toBe(first.id);
  });

  test('a malformed policy file shows the blocked screen, not a normal app', async () => {
    const malformed = writeMalformedPolicy();
    try {
      app = await launchKiosk(malformed.policyPath, path.join(dir, 'user-data-3'));
      const page = await app.firstWindow();
      await expect(
        page.getByRole('heading', { level: 1, name: t('en', 'kiosk.blocked.heading') }),
      ).toBeVisible();
      await expect(page.getByTestId('kiosk-blocked-message')).toContainText(malformed.policyPath);
      await expect(
        page.getByText(t('en', 'kiosk.blocked.code', { code: 'policy_malformed' })),
      ).toBeVisible();
      // Nothing to sign in with.
      await expect(page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true })).toHaveCount(0);
    } finally {
      malformed.remove();
    }
  });
});
