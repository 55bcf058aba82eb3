import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const readJson = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

describe('electron-builder configuration', () => {
  const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<
    string,
    unknown
  >;

  it("is valid against electron-builder's own schema", () => {
    const schema = readJson('node_modules/app-builder-lib/scheme.json');
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('flips every hardening fuse in the shipped binary', () => {
    // Each of these, left at Electron's default, lets someone on the computer run code as Airtime.
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships the app as an ASAR archive whose integrity is embedded in the binary', () => {
    expect(config['asar']).toBe(true);
    expect(config['disableAsarIntegrity']).toBe(false);
  });

  it('packs the built app only, never the account API', () => {
    expect(config['files']).toContain('out/**/*');
    expect(config['files']).toContain('!server/**');
  });
});

describe('what the installer carries', () => {
  it('has keytar as its only runtime dependency; everything else is bundled into out/', () => {
    const pkg = readJson('package.json');
    expect(pkg['dependencies']).toBeUndefined();
    // Optional, so `npm install` succeeds where libsecret is missing; the app then keeps
    // sessions for the run only.
    expect(Object.keys(pkg['optionalDependencies'] as object)).toEqual(['keytar']);
  });

  it('keeps the server in its own workspace with its own native modules', () => {
    const root = readJson('package.json');
    const server = readJson('server/package.json');
    expect(root['workspaces']).toEqual(['server']);
    const serverDeps = Object.keys(server['dependencies'] as object);
    expect(serverDeps).toEqual(expect.arrayContaining(['better-sqlite3', 'argon2', 'fastify']));
    for (const dep of serverDeps)
      expect(Object.keys(root['optionalDependencies'] as object)).not.toContain(dep);
  });

  it('builds against a current Electron (security fixes land in new majors)', () => {
    const electron = readJson('node_modules/electron/package.json');
    expect(Number(String(electron['version']).split('.')[0])).toBeGreaterThanOrEqual(45);
  });
});
