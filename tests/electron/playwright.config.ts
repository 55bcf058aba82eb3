import { defineConfig } from '@playwright/test';
import { electronBinary } from './electron-binary';

if (!electronBinary()) {
  console.log(
    'electron: skipped — the Electron binary is not installed here (node_modules/electron/dist); these tests run wherever it is.',
  );
}

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../../test-results/electron-artifacts',
  workers: 1,
  timeout: 60_000,
  reporter: [
    ['list'],
    [
      'json',
      {
        outputFile:
          process.env['PLAYWRIGHT_JSON_OUTPUT_NAME'] ?? '../../test-results/electron.json',
      },
    ],
  ],
});
