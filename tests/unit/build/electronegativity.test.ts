import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * Electronegativity (Doyensec's Electron security scanner) over the code that ships: every
 * finding is either fixed or listed, with the reason it is a false positive, in the reviewed
 * baseline beside this file. A new finding fails the suite, and so does a baseline entry that no
 * longer matches anything, so the list never outlives the code it excuses.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);

/** What the app is built from (see electron.vite.config.ts), and the manifest that pins Electron. */
const SCANNED = ['main', 'preload', 'renderer', 'contract', 'package.json'];

const Baseline = z.array(
  z
    .object({
      id: z.string().regex(/^[A-Z_]+$/),
      file: z.string().min(1),
      sample: z.string(),
      reason: z.string().min(40),
    })
    .strict(),
);
type BaselineEntry = z.infer<typeof Baseline>[number];

interface Finding {
  id: string;
  file: string;
  sample?: string;
  description: string;
  location?: { line: number; column: number };
  severity: { name: string };
  confidence: { name: string };
}
interface ScanResult {
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  issues: Finding[];
}
type Scan = (options: Record<string, unknown>) => Promise<ScanResult>;

/**
 * The scanner asks the web for fresh translations at every start, and one global check asks for
 * Electron's latest releases. The suite runs offline and must give the same answer every time, so
 * its HTTP client answers "not found" without touching the network, and the release check is left
 * out (tests/unit/build/packaging.test.ts pins a current Electron instead).
 */
function loadScanner(): Scan {
  const scannerDir = path.dirname(require.resolve('@doyensec/electronegativity'));
  const gotPath = require.resolve('got', { paths: [scannerDir] });
  const offline = () => Promise.resolve({ statusCode: 404, body: '' });
  require.cache[gotPath] = {
    id: gotPath,
    filename: gotPath,
    loaded: true,
    exports: Object.assign(offline, { default: offline }),
  } as unknown as NodeJS.Module;
  return require('@doyensec/electronegativity') as Scan;
}

const key = (f: { id: string; file: string; sample?: string }) =>
  `${f.id} ${f.file.split(path.sep).join('/')} ${(f.sample ?? '').trim()}`;

/**
 * One scan over the shipped sources, so the scanner's whole-application checks (a CSP, navigation
 * limits, a permission handler) see the app as one: a temporary folder links them side by side.
 */
async function scan(): Promise<ScanResult> {
  const run = loadScanner();
  const electronVersion = (
    JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-electronegativity-'));
  try {
    for (const entry of SCANNED) fs.symlinkSync(path.join(root, entry), path.join(dir, entry));
    return await run({
      input: dir,
      isRelative: true,
      electronVersionOverride: electronVersion,
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('Electronegativity', () => {
  const baseline: BaselineEntry[] = Baseline.parse(
    JSON.parse(
      fs.readFileSync(path.join(root, 'tests/unit/build/electronegativity-baseline.json'), 'utf8'),
    ),
  );

  it('finds nothing beyond the reviewed baseline, and the baseline holds nothing stale', async () => {
    const { issues: findings, errors } = await scan();
    // A file it cannot parse is a file it did not check.
    expect(errors.filter((e) => !e.tolerable)).toEqual([]);

    // Each baseline entry excuses one finding: two identical calls need two reviewed entries.
    const excused = new Map<string, number>();
    for (const entry of baseline) excused.set(key(entry), (excused.get(key(entry)) ?? 0) + 1);
    const unreviewed: string[] = [];
    for (const f of findings) {
      const left = excused.get(key(f)) ?? 0;
      if (left > 0) excused.set(key(f), left - 1);
      else
        unreviewed.push(
          `${f.id} (${f.severity.name}, ${f.confidence.name}) ${f.file}:${f.location?.line ?? 0}: ` +
            `${f.description} — ${(f.sample ?? '').trim()}`,
        );
    }
    expect(unreviewed, 'fix these, or add them to the baseline with the reason').toEqual([]);

    const stale = [...excused].filter(([, left]) => left > 0).map(([k]) => k);
    expect(stale, 'remove these from the baseline: nothing matches them any more').toEqual([]);
  }, 120_000);

  it('points every excuse at code and tests that exist, so a reviewer can check it', () => {
    for (const entry of baseline) {
      const cited = entry.reason.match(
        /\b(?:main|preload|renderer|contract|tests)\/[\w./-]+\.ts\b/g,
      );
      expect(cited, entry.reason).not.toBeNull();
      for (const file of cited ?? []) expect(fs.existsSync(path.join(root, file)), file).toBe(true);
    }
  });
});
