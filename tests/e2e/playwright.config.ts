import fs from 'node:fs';
import { defineConfig } from '@playwright/test';

/** Debian's Chromium; Playwright never downloads a browser of its own here. */
export const CHROMIUM_PATH = process.env['AIRTIME_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

const haveChromium = fs.existsSync(CHROMIUM_PATH);
if (!haveChromium) {
  console.log(
    `e2e: skipped — no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set AIRTIME_CHROMIUM).`,
  );
}

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../../test-results/e2e-artifacts',
  // Each test starts its own API, keychain namespace and settings folder; two at a time fit 2 cores.
  workers: 2,
  fullyParallel: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: !!process.env['CI'],
  reporter: [
    ['list'],
    [
      'json',
      { outputFile: process.env['PLAYWRIGHT_JSON_OUTPUT_NAME'] ?? '../../test-results/e2e.json' },
    ],
  ],
  globalSetup: haveChromium ? './support/global-setup.ts' : undefined,
  grep: haveChromium ? undefined : /$^/,
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    viewport: { width: 1200, height: 820 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
