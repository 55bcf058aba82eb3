import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadPolicy,
  policyArgument,
  policyPathFor,
  type PolicyFs,
  type PolicyUser,
} from '../../../main/services/policy';

/** node-argon2's order (m, p, t), as `npm run server -- kiosk pin-hash` prints it. */
const PIN_HASH =
  '$argon2id$v=19$m=65536,p=4,t=3$VOvEkuMFJvgIhc6saiAIog$R+kHcsS0kmolzSIQc4hjH9uW8KF8RyWAH4m6YCWQSJg';
const CREDENTIAL = `ak_abcdef123456.${'A'.repeat(43)}`;

const VALID_KIOSK = {
  kiosk: true,
  storeName: 'Main Street store',
  apiUrl: 'https://api.example.com/',
  kioskCredential: CREDENTIAL,
  staffPinHash: PIN_HASH,
  receiptPrinter: 'Front counter',
};

let dir: string;
/** A user who owns nothing in the temp folder, so a 0644 file is read-only to them. */
const stranger: PolicyUser = { uid: 999_999, gids: [999_999] };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-policy-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(text: string, mode = 0o444): string {
  const file = path.join(dir, 'policy.json');
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

const load = (file: string | null, user: PolicyUser | null = stranger, fsImpl?: PolicyFs) =>
  loadPolicy({
    explicitPath: file,
    platform: 'linux',
    env: {},
    user,
    ...(fsImpl ? { fs: fsImpl } : {}),
  });

describe('policyPathFor', () => {
  it('is the machine-wide file of each platform', () => {
    expect(policyPathFor('linux', {})).toBe('/etc/airtime/policy.json');
    expect(policyPathFor('darwin', {})).toBe('/Library/Application Support/Airtime/policy.json');
    expect(policyPathFor('win32', { ProgramData: 'D:\\ProgramData' })).toBe(
      'D:\\ProgramData\\Airtime\\policy.json',
    );
    expect(policyPathFor('win32', {})).toBe('C:\\ProgramData\\Airtime\\policy.json');
  });
});

describe('policyArgument', () => {
  it.each([
    [['electron', '.', '--policy', '/tmp/p.json'], '/tmp/p.json'],
    [['electron', '--policy=/tmp/p.json'], '/tmp/p.json'],
    [['electron', '.'], null],
    [['electron', '--policy'], ''],
    [['electron', '--policy', '--inspect'], ''],
    [['electron', '--', '--policy', '/tmp/p.json'], null],
  ])('%j → %j', (argv, expected) => {
    expect(policyArgument(argv)).toBe(expected);
  });
});

describe('loadPolicy', () => {
  it('reads a valid kiosk policy with the defaults filled in', () => {
    const file = write(JSON.stringify(VALID_KIOSK));
    const outcome = load(file);
    expect(outcome).toMatchObject({
      mode: 'kiosk',
      path: file,
      policy: {
        storeName: 'Main Street store',
        apiUrl: 'https://api.example.com',
        idleWarningSeconds: 60,
        idleWipeSeconds: 90,
        receiptPrinter: 'Front counter',
        features: ['statements', 'refill', 'pay', 'plans', 'recovery'],
      },
    });
  });

  it('accepts a file saved with a byte-order mark (Notepad)', () => {
    expect(load(write(`\uFEFF${JSON.stringify(VALID_KIOSK)}`)).mode).toBe('kiosk');
  });

  it('reads a managed (non-kiosk) policy that pins the API address', () => {
    const file = write(JSON.stringify({ kiosk: false, apiUrl: 'https://api.example.com' }));
    expect(load(file)).toEqual({
      mode: 'managed',
      path: file,
      policy: { kiosk: false, apiUrl: 'https://api.example.com' },
    });
  });

  it('is a normal install when there is no file at the default path', () => {
    const missing: PolicyFs = {
      readFileSync: () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      },
      statSync: () => ({ mode: 0o444, uid: 0, gid: 0 }),
    };
    expect(load(null, stranger, missing)).toEqual({ mode: 'normal' });
  });

  it('blocks when the file given with --policy does not exist', () => {
    const file = path.join(dir, 'nothing.json');
    const outcome = load(file);
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_missing', path: file });
    if (outcome.mode === 'blocked') {
      expect(outcome.message).toContain(file);
      expect(outcome.message).toContain('IT department');
    }
    expect(load('')).toMatchObject({ mode: 'blocked', code: 'policy_missing' });
  });

  it('blocks when the file cannot be read', () => {
    const denied: PolicyFs = {
      readFileSync: () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
      statSync: () => ({ mode: 0o000, uid: 0, gid: 0 }),
    };
    const outcome = load(null, stranger, denied);
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_unreadable' });
    if (outcome.mode === 'blocked') expect(outcome.message).toContain('permission denied');
    expect(load(dir)).toMatchObject({ mode: 'blocked', code: 'policy_unreadable' });
  });

  it('blocks on a file that is not JSON, and says where', () => {
    const outcome = load(write('{\n  "kiosk": true,\n  "storeName": "Main",\n}'));
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_malformed' });
    if (outcome.mode === 'blocked') expect(outcome.message).toMatch(/line 4, column 1/);
    const empty = load(write(''));
    if (empty.mode === 'blocked') expect(empty.message).toContain('the file is empty');
  });

  it('blocks on wrong types and lists every problem as "field: message"', () => {
    const outcome = load(
      write(JSON.stringify({ ...VALID_KIOSK, storeName: 42, idleWarningSeconds: 'soon' })),
    );
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_invalid' });
    if (outcome.mode === 'blocked') {
      expect(outcome.message).toContain('storeName: ');
      expect(outcome.message).toContain('idleWarningSeconds: ');
    }
  });

  it('blocks on unknown keys, naming them', () => {
    const outcome = load(write(JSON.stringify({ ...VALID_KIOSK, idleSeconds: 30 })));
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_invalid' });
    if (outcome.mode === 'blocked') expect(outcome.message).toContain('idleSeconds: not a setting');
  });

  it('blocks a "Still there?" countdown shorter than 20 seconds', () => {
    const outcome = load(
      write(JSON.stringify({ ...VALID_KIOSK, idleWarningSeconds: 60, idleWipeSeconds: 70 })),
    );
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_invalid' });
    if (outcome.mode === 'blocked') expect(outcome.message).toContain('idleWipeSeconds: ');
  });

  it('blocks a PIN written in plain text instead of its hash', () => {
    const outcome = load(write(JSON.stringify({ ...VALID_KIOSK, staffPinHash: '2468' })));
    if (outcome.mode !== 'blocked') throw new Error('expected blocked');
    expect(outcome.code).toBe('policy_invalid');
    expect(outcome.message).toContain('staffPinHash: ');
    expect(outcome.message).not.toContain('2468');
  });

  it('blocks a kiosk policy the kiosk account could change', () => {
    const me: PolicyUser = { uid: process.getuid!(), gids: [process.getgid!()] };
    const ownedWritable = write(JSON.stringify(VALID_KIOSK), 0o644);
    expect(load(ownedWritable, me)).toMatchObject({ mode: 'blocked', code: 'policy_writable' });
    fs.chmodSync(ownedWritable, 0o666);
    expect(load(ownedWritable, stranger)).toMatchObject({
      mode: 'blocked',
      code: 'policy_writable',
    });
    fs.chmodSync(ownedWritable, 0o444);
    expect(load(ownedWritable, me).mode).toBe('kiosk');
    // A managed install pins an address only; the check is for kiosks.
    fs.chmodSync(ownedWritable, 0o644);
    fs.writeFileSync(ownedWritable, JSON.stringify({ kiosk: false }));
    expect(load(ownedWritable, me).mode).toBe('managed');
  });
});
