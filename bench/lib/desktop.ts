/**
 * What the desktop benches share: the built renderer, the preload bridge bundle for the browser
 * harness, Debian's Chromium with the end-to-end suite's flags, and small statistics.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/e2e/playwright.config';
import { BRIDGE_BUNDLE, RENDERER_DIR } from '../../tests/e2e/support/harness';
import { CONTENDED_CPU_PERCENT, type BenchContext } from './context';
import { machineCpuPercent, readCpuTimes } from './machine';
import { percent } from './table';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export { RENDERER_DIR };

/** Builds the app with electron-vite when `out/renderer` has not been built yet. */
export function ensureRendererBuilt(progress: (message: string) => void): void {
  if (fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) return;
  progress('out/renderer is missing: building the app (electron-vite build)');
  execFileSync(
    path.join(ROOT, 'node_modules', '.bin', 'electron-vite'),
    ['build', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

/** The preload's bridge over a Playwright binding, as the end-to-end global setup bundles it. */
export async function buildBridgeBundle(): Promise<void> {
  await build({
    entryPoints: [path.join(ROOT, 'tests', 'e2e', 'support', 'browser-bridge.ts')],
    outfile: BRIDGE_BUNDLE,
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  });
}

export function haveChromium(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export const NO_CHROMIUM = `skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set AIRTIME_CHROMIUM)`;

/** Headless Chromium with exactly the end-to-end suite's executable and flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Other processes' CPU before a browser bench (which cannot tell its own CPU from Chromium's
 * while it runs): the quietest of up to five one-second readings, so a start-up blip does not
 * count; printed, with a warning when something else keeps the machine busy.
 */
export async function reportIdleCpu(ctx: BenchContext): Promise<void> {
  let other: number | null = null;
  for (let i = 0; i < 5; i++) {
    const machineBefore = readCpuTimes();
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    await sleep(1_000);
    const machine = machineCpuPercent(machineBefore, readCpuTimes());
    if (machine === null) return;
    const own = process.cpuUsage(ownBefore);
    const ownPercent = (own.user + own.system) / 10 / (performance.now() - started);
    other = Math.min(other ?? Infinity, Math.max(0, machine - ownPercent));
    if (other <= CONTENDED_CPU_PERCENT) break;
  }
  if (other === null) return;
  ctx.print(`other processes' CPU before the bench: ${percent(other / 100)} (100 % = one core)`);
  if (other > CONTENDED_CPU_PERCENT) {
    ctx.print(
      'warning: other processes keep the machine busy; browser timings will be slow and noisy. Run again on a quiet machine.',
    );
  }
}

/** The viewport of the end-to-end suite. */
export const VIEWPORT = { width: 1200, height: 820 };

export interface Stats {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles; the median is the middle sample, or the mean of the two middle ones. */
export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n, min: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    n,
    min: sorted[0]!,
    p50: median,
    p90: rank(90),
    p99: rank(99),
    max: sorted[n - 1]!,
    mean: sorted.reduce((t, s) => t + s, 0) / n,
  };
}
