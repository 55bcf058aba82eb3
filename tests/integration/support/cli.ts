import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The admin CLI as an administrator runs it: a real process started with tsx from the repo root. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'server', 'src', 'cli.ts');

/** Starting tsx takes seconds on a busy machine: tests that run the CLI get longer to finish. */
export const CLI_TIMEOUT = { timeout: 90_000 };

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tsx server/src/cli.ts …args` with stdin piped (never a terminal) and no `AIRTIME_*`
 * variables from the test run's environment, so only the arguments given here (and `extraEnv`)
 * configure it.
 */
export function runCli(
  args: string[],
  stdin = '',
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('AIRTIME_')) delete env[name];
  Object.assign(env, extraEnv);
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {
      // The CLI may exit before reading stdin; that is not what these tests are about.
    });
    child.stdin.end(stdin);
  });
}

/** Expects a refusal: a non-zero exit, the message on stderr, nothing on stdout. */
export function expectRefused(result: CliResult, message: string | RegExp): void {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.code).not.toBeNull();
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/^Error: /);
  // A message for a person, not a crash.
  expect(result.stderr).not.toMatch(/ {4}at |\.ts:\d/);
  expect(result.stdout).toBe('');
}

/** Expects success: exit code 0 and nothing on stderr. */
export function expectOk(result: CliResult): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}
