import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Electron executable, found the way the `electron` package finds it — without requiring
 * the package, which would try to download a missing binary.
 */
export function electronBinary(): string | null {
  const pkg = path.join(root, 'node_modules', 'electron');
  try {
    const relative = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const executable = path.join(pkg, 'dist', relative);
    return fs.existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

export const MAIN_ENTRY = path.join(root, 'out', 'main', 'index.js');
export const REPO_ROOT = root;
