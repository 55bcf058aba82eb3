// `npm test`: every suite this machine can run, in one command.
//
// The keychain tests need a Secret Service. Where `dbus-run-session` and `gnome-keyring-daemon`
// exist, the whole run re-executes inside a private D-Bus session with a throw-away HOME and an
// unlocked keyring, so nothing touches the developer's real keychain. Elsewhere those tests skip
// with a line saying why. Browser tests run where Chromium exists; Electron tests where the
// Electron binary exists.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, name)));

if (!process.env.AIRTIME_TEST_KEYRING) {
  if (onPath('dbus-run-session') && onPath('gnome-keyring-daemon')) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-test-home-'));
    const inner = [
      // A non-empty password: an empty one leaves no login collection to store secrets in.
      "printf 'airtime-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null",
      `exec "${process.execPath}" "${fileURLToPath(import.meta.url)}" ${process.argv
        .slice(2)
        .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
        .join(' ')}`,
    ].join(' && ');
    const run = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, HOME: home, AIRTIME_TEST_KEYRING: '1', XDG_RUNTIME_DIR: home },
    });
    fs.rmSync(home, { recursive: true, force: true });
    process.exit(run.status ?? 1);
  }
  console.log(
    'keychain: no dbus-run-session/gnome-keyring-daemon here (Debian: apt-get install dbus gnome-keyring); keychain tests will skip.',
  );
}

const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-reports-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let failed = false;

function step(label, command, args, extraEnv = {}) {
  console.log(`\n── ${label} ──`);
  const run = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  if (run.status !== 0) failed = true;
  return run.status;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// 1. Unit and integration (Vitest): SQLite and PostgreSQL projects.
const vitestReport = path.join(reports, 'vitest.json');
step('unit and integration tests (Vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
]);
const vitest = readJson(vitestReport);
if (vitest) {
  totals.passed += vitest.numPassedTests ?? 0;
  totals.failed += vitest.numFailedTests ?? 0;
  totals.skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
} else {
  failed = true;
}

// 2. Browser end-to-end tests (Playwright + Chromium) and Electron tests.
function playwright(label, config) {
  const report = path.join(reports, `${path.basename(path.dirname(config))}.json`);
  step(label, bin('playwright'), ['test', '-c', config], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
  });
  const json = readJson(report);
  if (!json) {
    failed = true;
    return;
  }
  totals.passed += json.stats?.expected ?? 0;
  totals.failed += (json.stats?.unexpected ?? 0) + (json.stats?.flaky ?? 0);
  totals.skipped += json.stats?.skipped ?? 0;
}

for (const [label, config] of [
  ['end-to-end tests in Chromium (Playwright)', 'tests/e2e/playwright.config.ts'],
  ['Electron tests (Playwright _electron)', 'tests/electron/playwright.config.ts'],
]) {
  if (fs.existsSync(path.join(root, config))) playwright(label, config);
}

fs.rmSync(reports, { recursive: true, force: true });
console.log(`\nTotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed || totals.failed > 0 ? 1 : 0);
