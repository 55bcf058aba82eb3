// `npm run dev`: the account API on loopback with demo subscribers, and the desktop app with hot
// reload (electron-vite). Set AIRTIME_API_URL to use an API you run elsewhere instead.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) =>
  path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const children = [];

function run(command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  children.push(child);
  child.on('exit', (code) => {
    for (const other of children) if (other !== child) other.kill('SIGTERM');
    process.exit(code ?? 0);
  });
  return child;
}

/** Finds Electron's executable without requiring the package (which would try to download it). */
function electronBinary() {
  try {
    const pkg = path.join(root, 'node_modules', 'electron');
    const executable = path.join(
      pkg,
      'dist',
      fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim(),
    );
    return fs.existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

let apiUrl = process.env.AIRTIME_API_URL;
if (!apiUrl) {
  const port = process.env.AIRTIME_PORT ?? '8787';
  apiUrl = `http://127.0.0.1:${port}`;
  run(
    bin('tsx'),
    [
      'server/src/cli.ts',
      'serve',
      '--seed-demo',
      '--dev',
      '--port',
      port,
      '--db',
      process.env.AIRTIME_DB ?? path.join(root, '.data', 'dev.sqlite'),
    ],
    {
      AIRTIME_LOG_LEVEL: process.env.AIRTIME_LOG_LEVEL ?? 'warn',
    },
  );
}

if (electronBinary()) {
  run(bin('electron-vite'), ['dev'], {
    AIRTIME_API_URL: apiUrl,
    AIRTIME_USER_DATA_DIR:
      process.env.AIRTIME_USER_DATA_DIR ?? path.join(root, '.data', 'desktop-profile'),
  });
} else {
  console.log(
    `Electron's binary is not installed here (node_modules/electron/dist), so only the account API runs: ${apiUrl}`,
  );
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}
