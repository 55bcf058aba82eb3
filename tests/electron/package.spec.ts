import fs from 'node:fs';
import path from 'node:path';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { REPO_ROOT } from './electron-binary';

/**
 * The packaged app's fuses as its own binary reports them: `electron-builder.yml` asks for them,
 * and this proves the installer's Electron really has them flipped.
 */

const config = parse(fs.readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as {
  productName: string;
  directories: { output: string };
  electronFuses: Record<string, boolean>;
};

/** The unpacked app `npm run package` leaves beside the installers, on this platform. */
function packagedBinary(): string | null {
  const out = path.join(REPO_ROOT, config.directories.output);
  const candidates: Record<string, string[]> = {
    linux: ['linux-unpacked/airtime', 'linux-arm64-unpacked/airtime'],
    win32: [
      `win-unpacked/${config.productName}.exe`,
      `win-arm64-unpacked/${config.productName}.exe`,
    ],
    darwin: ['mac', 'mac-arm64', 'mac-universal'].map(
      (d) => `${d}/${config.productName}.app/Contents/MacOS/${config.productName}`,
    ),
  };
  for (const candidate of candidates[process.platform] ?? []) {
    const file = path.join(out, candidate);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** `runAsNode` in the config is `FuseV1Options.RunAsNode` in the wire. */
function fuseOption(key: string): FuseV1Options {
  const name = (key[0]!.toUpperCase() + key.slice(1)) as keyof typeof FuseV1Options;
  const option = FuseV1Options[name];
  if (typeof option !== 'number') throw new Error(`electron-builder.yml: unknown fuse ${key}`);
  return option;
}

// The wire stores each fuse as an ASCII '0' (off) or '1' (on).
const FUSE_OFF = '0'.charCodeAt(0);
const FUSE_ON = '1'.charCodeAt(0);

test.describe('the packaged binary', () => {
  const binary = packagedBinary();
  test.skip(
    !binary,
    'No packaged app here (npm run package makes one); the fuse check runs there.',
  );

  test('reports every fuse as electron-builder.yml sets it', async () => {
    const wire = (await getCurrentFuseWire(binary!)) as unknown as Record<number, number>;
    const expected: Record<string, string> = {};
    const actual: Record<string, string> = {};
    for (const [key, on] of Object.entries(config.electronFuses)) {
      expected[key] = on ? 'on' : 'off';
      const state = wire[fuseOption(key)];
      actual[key] = state === FUSE_ON ? 'on' : state === FUSE_OFF ? 'off' : `state ${state}`;
    }
    expect(actual).toEqual(expected);
  });
});
