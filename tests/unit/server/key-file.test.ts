import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import {
  checkKeyFileMode,
  createKeyFile,
  readKeyFile,
  writeKeyFile,
  type KeyFileContents,
} from '../../../server/src/keys/key-file';
import {
  KeyRing,
  envKeyId,
  fingerprint,
  memoryKeys,
  newKeyId,
  type Key,
} from '../../../server/src/keys/key-ring';
import { DEFAULT_POSTGRES_KEY_FILE, keySourceFor } from '../../../server/src/keys/open-keys';
import { deriveKey, open, seal, sealingKeys } from '../../../server/src/auth/secret-box';
import { AccessTokens } from '../../../server/src/auth/tokens';
import { resolveServeConfig } from '../../../server/src/config';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const key = (id: string, secret: string, extra: Partial<Key> = {}): Key => ({
  id,
  secret,
  createdAt: new Date(NOW).toISOString(),
  ...extra,
});
const A = key('token-a', 'a'.repeat(48));
const B = key('token-b', 'b'.repeat(48));

describe('key file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-key-file-'));
    file = path.join(dir, 'nested', 'airtime-keys.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const contents: KeyFileContents = { token: [A, B], captcha: [key('captcha-a', 'c'.repeat(40))] };

  it('is created owner-only and read back as written', () => {
    expect(readKeyFile(file)).toBeNull();
    expect(createKeyFile(file, contents)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readKeyFile(file)).toEqual(contents);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
    // No temporary file is left behind.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['airtime-keys.json']);
  });

  it('is not created over an existing one (another process was first)', () => {
    expect(createKeyFile(file, contents)).toBe(true);
    expect(createKeyFile(file, { token: [A] })).toBe(false);
    expect(readKeyFile(file)?.token).toEqual([A, B]);
  });

  it('is replaced whole, staying owner-only', () => {
    createKeyFile(file, contents);
    writeKeyFile(file, { token: [A, B, key('token-c', 'd'.repeat(48))] });
    expect(readKeyFile(file)?.token?.map((k) => k.id)).toEqual(['token-a', 'token-b', 'token-c']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.platform === 'win32')('is refused when group or others can read it', () => {
    createKeyFile(file, contents);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      fs.chmodSync(file, mode);
      expect(() => readKeyFile(file)).toThrow(/can be read by others .*chmod 600/);
    }
    fs.chmodSync(file, 0o400);
    expect(() => checkKeyFileMode(file)).not.toThrow();
  });

  it('refuses a file that is not a key file, naming it', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'not json', { mode: 0o600 });
    expect(() => readKeyFile(file)).toThrow(`The key file ${file} is not valid JSON.`);
    fs.writeFileSync(file, JSON.stringify({ version: 1, keys: { token: [{ id: 'x' }] } }));
    expect(() => readKeyFile(file)).toThrow(/is not an Airtime key file/);
    fs.writeFileSync(file, JSON.stringify({ version: 2, keys: {} }));
    expect(() => readKeyFile(file)).toThrow(/is not an Airtime key file/);
  });
});

describe('key source', () => {
  it('puts a SQLite database\u2019s keys beside it, PostgreSQL\u2019s in .data unless configured', () => {
    expect(keySourceFor('/srv/airtime/airtime.sqlite', {}).file).toBe(
      '/srv/airtime/airtime.sqlite.keys.json',
    );
    expect(keySourceFor('postgres://db/airtime', {}).file).toBe(
      path.resolve(DEFAULT_POSTGRES_KEY_FILE),
    );
    expect(
      keySourceFor('postgres://db/airtime', { AIRTIME_KEY_FILE: '/etc/airtime/k.json' }).file,
    ).toBe('/etc/airtime/k.json');
    expect(keySourceFor(':memory:', {}).file).toBeNull();
  });

  it('takes keys from the environment and refuses short ones', () => {
    const source = keySourceFor('x.sqlite', {
      AIRTIME_TOTP_KEY: 't'.repeat(32),
      AIRTIME_REFILL_PIN_KEY: ' ',
    });
    expect(source.env).toEqual({ totp: 't'.repeat(32) });
    expect(() => keySourceFor('x.sqlite', { AIRTIME_REFILL_PIN_KEY: 'short' })).toThrow(
      'AIRTIME_REFILL_PIN_KEY must be at least 32 characters.',
    );
  });

  it('reads the new variables into the serve configuration', () => {
    expect(
      resolveServeConfig(
        {},
        {
          AIRTIME_TOTP_KEY: 'o'.repeat(32),
          AIRTIME_REFILL_PIN_KEY: 'r'.repeat(32),
          AIRTIME_KEY_FILE: '/etc/airtime/keys.json',
        },
      ),
    ).toMatchObject({
      totpKey: 'o'.repeat(32),
      refillPinKey: 'r'.repeat(32),
      keyFile: '/etc/airtime/keys.json',
    });
    expect(() => resolveServeConfig({}, { AIRTIME_TOTP_KEY: 'short' })).toThrow(
      'AIRTIME_TOTP_KEY must be at least 32 characters.',
    );
  });
});

describe('key ring', () => {
  it('signs with the newest key and finds every key by id', () => {
    const ring = new KeyRing('token', [A, B]);
    expect(ring.current).toBe(B);
    expect(ring.previous).toBe(A);
    expect(ring.byId('token-a')).toBe(A);
    expect(ring.byId('token-x')).toBeUndefined();
    expect(ring.unmarked).toBeUndefined();
    expect(new KeyRing('token', [{ ...A, migrated: true }, B]).unmarked?.id).toBe('token-a');
  });

  it('refuses short keys and ids that could not be written beside data', () => {
    expect(() => new KeyRing('token', [])).toThrow();
    expect(() => new KeyRing('token', [key('token-a', 'short')])).toThrow(/shorter than 32/);
    expect(() => new KeyRing('token', [key('a.b', 'a'.repeat(40))])).toThrow(/Bad key id/);
  });

  it('makes ids without dots and stable ids for environment keys', () => {
    expect(newKeyId('refill-pin', NOW)).toMatch(/^refill-pin-20261207-[0-9a-f]{8}$/);
    expect(envKeyId('token', 'a'.repeat(40))).toBe(envKeyId('token', 'a'.repeat(40)));
    expect(envKeyId('token', 'a'.repeat(40))).not.toBe(envKeyId('token', 'b'.repeat(40)));
    expect(fingerprint('a'.repeat(40))).not.toContain('a'.repeat(8));
  });

  it('memory keys are distinct per purpose and per call', () => {
    const one = memoryKeys(NOW);
    const two = memoryKeys(NOW);
    expect(one.token.current.secret).not.toBe(two.token.current.secret);
    expect(one.token.current.secret).not.toBe(one.totp.current.secret);
  });
});

describe('key ids in what keys sign and seal', () => {
  it('access tokens carry the kid of the key that signed them and verify after a rotation', async () => {
    const before = new AccessTokens(new KeyRing('token', [A]));
    const after = new AccessTokens(new KeyRing('token', [A, B]));
    const claims = { subscriberId: 's1', sessionId: 'sess1' };
    const old = await before.issue(claims, NOW);
    const fresh = await after.issue(claims, NOW);
    expect(decodeProtectedHeader(old).kid).toBe('token-a');
    expect(decodeProtectedHeader(fresh).kid).toBe('token-b');
    expect(await after.verify(old, NOW)).toEqual({ ok: true, claims });
    expect(await before.verify(fresh, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('tokens without kid verify only with the migrated key', async () => {
    const claims = { subscriberId: 's1', sessionId: 'sess1' };
    const legacy = await new AccessTokens(A.secret).issue(claims, NOW);
    expect(decodeProtectedHeader(legacy).kid).toBeUndefined();
    const migrated = new AccessTokens(new KeyRing('token', [{ ...A, migrated: true }, B]));
    expect(await migrated.verify(legacy, NOW)).toEqual({ ok: true, claims });
    const fresh = new AccessTokens(new KeyRing('token', [A, B]));
    expect(await fresh.verify(legacy, NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('sealed values name their key; unprefixed ones open with the migrated key', () => {
    const t1 = key('totp-1', '1'.repeat(48), { migrated: true });
    const t2 = key('totp-2', '2'.repeat(48));
    const oldRing = sealingKeys(new KeyRing('totp', [t1]), 'totp-secret');
    const newRing = sealingKeys(new KeyRing('totp', [t1, t2]), 'totp-secret');
    const legacy = seal(deriveKey(t1.secret, 'totp-secret'), 'SECRET', 's1');
    expect(legacy.split('.')).toHaveLength(4);
    const sealedOld = seal(oldRing, 'SECRET', 's1');
    const sealedNew = seal(newRing, 'SECRET', 's1');
    expect(sealedOld.startsWith('v1.totp-1.')).toBe(true);
    expect(sealedNew.startsWith('v1.totp-2.')).toBe(true);
    for (const stored of [legacy, sealedOld, sealedNew]) {
      expect(open(newRing, stored, 's1')).toBe('SECRET');
    }
    expect(open(oldRing, sealedNew, 's1')).toBeNull();
    expect(open(newRing, sealedNew.replace('totp-2', 'totp-9'), 's1')).toBeNull();
  });
});
