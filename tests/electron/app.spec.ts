import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { spawn } from 'node:child_process';
import { IPC_CHANNEL_NAMES } from '../../contract/ipc-names';
import { APP_ENTRY_URL, CONTENT_SECURITY_POLICY } from '../../main/security';
import type { RunningServer } from '../../server/src/server';
import { DEMO_SUBSCRIBERS } from '../../server/src/demo/seed-demo';
import { startDemoApi } from './demo-api';
import { electronBinary, MAIN_ENTRY } from './electron-binary';

const binary = electronBinary();
const maria = DEMO_SUBSCRIBERS[0]!;

/**
 * What `window.airtime` must hold, from the IPC table itself: each domain with its verbs in
 * camelCase, and `on` for push events. A channel added to the contract is expected here at once.
 */
function expectedBridge(): Record<string, string[]> {
  const bridge: Record<string, string[]> = { on: [] };
  for (const name of IPC_CHANNEL_NAMES) {
    const [domain, verb] = name.split(':') as [string, string];
    (bridge[domain] ??= []).push(verb.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()));
  }
  for (const verbs of Object.values(bridge)) verbs.sort();
  return bridge;
}

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
    expect(page.url()).toBe(APP_ENTRY_URL);
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
      'undefined',
    );
    const exposed = await page.evaluate(() => {
      const airtime = (window as unknown as { airtime: Record<string, unknown> }).airtime;
      return Object.fromEntries(
        Object.entries(airtime).map(([domain, value]) => [
          domain,
          typeof value === 'function' ? [] : Object.keys(value as object).sort(),
        ]),
      );
    });
    expect(exposed).toEqual(expectedBridge());
  });

  test('every renderer file comes with the Content-Security-Policy', async () => {
    const page = await app.firstWindow();
    // Through the app:// handler itself, as the window loads it.
    const served = await app.evaluate(async ({ net }, url) => {
      const response = await net.fetch(url);
      return {
        status: response.status,
        csp: response.headers.get('content-security-policy'),
        nosniff: response.headers.get('x-content-type-options'),
      };
    }, APP_ENTRY_URL);
    expect(served).toEqual({ status: 200, csp: CONTENT_SECURITY_POLICY, nosniff: 'nosniff' });
    // And the page really is under it: an inline script is refused.
    const inlineRan = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(inlineRan).toBe(false);
  });

  test('a second launch hands over to the running app and exits', async () => {
    const second = spawn(binary!, [MAIN_ENTRY], {
      env: {
        ...process.env,
        AIRTIME_API_URL: api.url,
        AIRTIME_USER_DATA_DIR: path.join(dir, 'user-data'),
      },
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        second.kill('SIGKILL');
        reject(new Error('the second instance did not exit: the single-instance lock failed'));
      }, 20_000);
      second.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    // The first instance is still the one on screen, with its one window.
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    expect((await app.firstWindow()).url()).toBe(APP_ENTRY_URL);
  });

  test('navigation away from the app and new windows are refused', async () => {
    const page = await app.firstWindow();
    await page.evaluate(() => window.open('https://example.com/'));
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(APP_ENTRY_URL);
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
