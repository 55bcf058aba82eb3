import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BRIDGE_BUNDLE = path.join(root, 'out', 'e2e', 'browser-bridge.js');

/**
 * Builds the app exactly as it ships (electron-vite: main, preload, renderer), then the one piece
 * the browser needs in place of Electron's preload: the same bridge over a Playwright binding.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'electron-vite'),
    ['build', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  await build({
    entryPoints: [path.join(root, 'tests', 'e2e', 'support', 'browser-bridge.ts')],
    outfile: BRIDGE_BUNDLE,
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  });
}
