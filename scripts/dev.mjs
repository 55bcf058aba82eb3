// `npm run dev`: the account API on loopback with demo subscribers, for working on Airtime locally.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(
  root,
  'node_modules',
  '.bin',
  process.platform === 'win32' ? 'tsx.cmd' : 'tsx',
);
const db = process.env.AIRTIME_DB ?? path.join(root, '.data', 'dev.sqlite');

const api = spawn(
  tsx,
  ['server/src/cli.ts', 'serve', '--seed-demo', '--dev', '--db', db, ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { AIRTIME_LOG_LEVEL: 'warn', ...process.env },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => api.kill(signal));
api.on('exit', (code) => process.exit(code ?? 0));
