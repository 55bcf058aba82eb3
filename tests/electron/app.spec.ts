import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import type { RunningServer } from '../../server/src/server';
import { DEMO_SUBSCRIBERS } from '../../server/src/demo/seed-demo';
import { startDemoApi } from './demo-api';
import { electronBinary, MAIN_ENTRY } from './electron-binary';

const binary = electronBinary();
const maria = DEMO_SUBSCRIBERS[0]!;

test.describe('the packaged Electron app', () => {
  test.skip(
    !binary,
    'The Electron binary is not installed on this machine; these tests run wherever it is.',
  );

  let api: RunningServer;
  let app: ElectronApplication;
  let dir: string;

  test.beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-electron-'));
    if (!fs.existsSync(MAIN_ENTRY)) throw new Error('Build the app first: npx electron-vite build');
    api = await startDemoApi(dir);
    app = await electron.launch({
      executablePath: binary!,
      args: [MAIN_ENTRY],
      env: {
        ...process.env,
        AIRTIME_API_URL: api.url,
        AIRTIME_USER_DATA_DIR: path.join(dir, 'user-data'),
      },
    });
  });

  test.afterAll(async () => {
    await app?.close();
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the window is isolated, sandboxed and has no Node', async () => {
    const page = await app.firstWindow();
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const window = BrowserWindow.getAllWindows()[0]!;
      // Undocumented in electron.d.ts, but what Electron actually applied to this renderer.
      const contents = window.webContents as unknown as {
        getLastWebPreferences(): Record<string, unknown>;
      };
      return contents.getLastWebPreferences();
    });
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(page.url()).toBe('app://airtime/index.html');
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
      'undefined',
    );
    expect(
      await page.evaluate(() =>
        Object.keys((window as unknown as { airtime: object }).airtime).sort(),
      ),
    ).toEqual(['account', 'app', 'auth', 'on', 'settings']);
  });

  test('navigation away from the app and new windows are refused', async () => {
    const page = await app.firstWindow();
    await page.evaluate(() => window.open('https://example.com/'));
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://airtime/index.html');
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });

  test('a subscriber signs in and sees the dashboard', async () => {
    const page = await app.firstWindow();
    await page.getByLabel(/phone/i).fill(maria.display);
    await page.getByLabel(/^password/i).fill(maria.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await expect(page.getByTestId('balance')).toBeVisible();
  });
});
