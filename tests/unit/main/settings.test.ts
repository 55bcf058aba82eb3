import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../../contract/settings';
import { AppError } from '../../../main/errors';
import {
  createSettingsService,
  recoverSettingsFile,
  viewChanged,
  type SettingsStoreFactory,
} from '../../../main/services/settings';
import { memoryLog } from './support/fakes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-settings-'));
  file = path.join(dir, 'settings.json');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What electron-store does in production, with conf (its base class) in a temp folder. */
const confFactory = (): SettingsStoreFactory => (defaults) =>
  new Conf<Settings>({ cwd: dir, configName: 'settings', defaults });

const open = (log = memoryLog()) =>
  createSettingsService({
    file,
    createStore: confFactory(),
    log,
    now: () => Date.parse('2026-11-25T12:00:00.000Z'),
  });

/** The defaults as a fresh installation has them: with a device id of its own. */
const FRESH = { ...DEFAULT_SETTINGS, deviceId: expect.stringMatching(UUID) };

const readFile = () => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const asideFiles = () => fs.readdirSync(dir).filter((f) => f.startsWith('settings.json.corrupt-'));

describe('settings load and save', () => {
  it('starts from the defaults and creates the file', () => {
    const settings = open();
    expect(settings.get()).toEqual(FRESH);
    expect(settings.recovery).toEqual({ status: 'missing' });
    expect(settings.path).toBe(file);
    expect(readFile()).toMatchObject(FRESH);
  });

  it('keeps changes across a restart and normalises the API address', () => {
    const settings = open();
    const view = settings.update({
      apiBaseUrl: 'https://API.example.com/airtime/',
      theme: 'dark',
      language: 'es',
    });
    expect(view).toEqual({
      ...settings.view(),
      apiBaseUrl: 'https://api.example.com/airtime',
      theme: 'dark',
    });
    expect(view).not.toHaveProperty('windowBounds');
    settings.setWindowBounds({ x: 10, y: 20, width: 1000, height: 700 });

    const again = open();
    expect(again.recovery).toEqual({ status: 'ok' });
    expect(again.get()).toMatchObject({
      apiBaseUrl: 'https://api.example.com/airtime',
      theme: 'dark',
      language: 'es',
      windowBounds: { x: 10, y: 20, width: 1000, height: 700 },
    });
  });

  it('refuses plain http to another computer, and unknown keys', () => {
    const settings = open();
    const error = (() => {
      try {
        settings.update({ apiBaseUrl: 'http://api.example.com' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_request');
    expect(() => settings.update({ nope: 1 } as never)).toThrow(AppError);
    expect(settings.get().apiBaseUrl).toBe(DEFAULT_SETTINGS.apiBaseUrl);
    expect(settings.update({ apiBaseUrl: 'http://localhost:9000' }).apiBaseUrl).toBe(
      'http://localhost:9000',
    );
  });

  it('turning rememberPhone off forgets the last phone, and keeps it forgotten', () => {
    const settings = open();
    settings.setLastPhone('+12065550100');
    expect(settings.get().lastPhone).toBe('+12065550100');
    settings.update({ rememberPhone: false });
    expect(settings.get().lastPhone).toBeNull();
    settings.setLastPhone('+12065550100');
    expect(settings.get().lastPhone).toBeNull();
    expect(readFile()['lastPhone']).toBeNull();
  });

  it('ignores window bounds the contract refuses and phones that are not E.164', () => {
    const settings = open();
    settings.setWindowBounds({ x: 0, y: 0, width: 10, height: 10 });
    settings.setLastPhone('206 555 0100');
    expect(settings.get().windowBounds).toBeNull();
    expect(settings.get().lastPhone).toBeNull();
  });

  it('reset puts back the defaults; listeners hear every change once', () => {
    const settings = open();
    const heard: Array<[Settings, Settings]> = [];
    const stop = settings.onChange((next, previous) => heard.push([next, previous]));
    settings.update({ theme: 'light' });
    settings.update({ theme: 'light' }); // no change, no event
    settings.reset();
    stop();
    settings.update({ theme: 'dark' });
    expect(heard.map(([next]) => next.theme)).toEqual(['light', 'system']);
    expect(heard[1]![1].theme).toBe('light');
    expect(open().get().theme).toBe('dark');
  });

  it('generates the device id once, keeps it across restarts, and a reset makes a new one', () => {
    const settings = open();
    const id = settings.get().deviceId;
    expect(id).toMatch(UUID);
    expect(settings.deviceId()).toBe(id);
    expect(readFile()['deviceId']).toBe(id);
    expect(open().get().deviceId).toBe(id);
    // The renderer never sees it.
    expect(settings.view()).not.toHaveProperty('deviceId');
    settings.reset();
    const next = settings.get().deviceId;
    expect(next).toMatch(UUID);
    expect(next).not.toBe(id);
    expect(readFile()['deviceId']).toBe(next);
    expect(open().get().deviceId).toBe(next);
  });

  it('replaces a stored device id that is not a UUID', () => {
    fs.writeFileSync(file, JSON.stringify({ deviceId: 'not-a-uuid', theme: 'dark' }));
    const settings = open();
    expect(settings.get()).toEqual({ ...FRESH, theme: 'dark' });
    expect(readFile()['deviceId']).toBe(settings.get().deviceId);
  });

  it('a device id change is not a renderer-visible change', () => {
    const settings = open();
    const heard: string[] = [];
    settings.onChange((next, previous) => {
      if (viewChanged(next, previous)) heard.push('view');
    });
    settings.reset();
    expect(heard).toEqual([]);
  });

  it('returns copies: callers cannot change the settings behind its back', () => {
    const settings = open();
    const copy = settings.get();
    copy.theme = 'dark';
    expect(settings.get().theme).toBe('system');
  });
});

describe('settings file recovery', () => {
  it('moves a file that is not JSON aside and starts from the defaults', () => {
    fs.writeFileSync(file, '{"theme": "dark", oops');
    const log = memoryLog();
    const settings = open(log);
    expect(settings.get()).toEqual(FRESH);
    expect(settings.recovery).toMatchObject({ status: 'recovered', reason: 'not_json' });
    const [aside] = asideFiles();
    expect(aside).toBe('settings.json.corrupt-2026-11-25T12-00-00-000Z');
    expect(fs.readFileSync(path.join(dir, aside!), 'utf8')).toBe('{"theme": "dark", oops');
    expect(log.lines.some((l) => l.level === 'warn' && /moved aside/.test(l.message ?? ''))).toBe(
      true,
    );
  });

  it('keeps the valid settings of a file with invalid ones; a bad API address becomes the default', () => {
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiBaseUrl: 'http://evil.example.com',
        language: 'es',
        theme: 'purple',
        rememberPhone: true,
        lastPhone: '+12065550100',
        windowBounds: null,
      }),
    );
    const settings = open();
    expect(settings.get()).toEqual({
      ...FRESH,
      language: 'es',
      lastPhone: '+12065550100',
    });
    expect(settings.recovery).toMatchObject({
      status: 'recovered',
      reason: 'invalid_fields',
      dropped: ['apiBaseUrl', 'theme'],
      kept: ['language', 'rememberPhone', 'lastPhone', 'windowBounds'],
    });
    expect(asideFiles()).toHaveLength(1);
    expect(readFile()).toMatchObject({
      apiBaseUrl: DEFAULT_SETTINGS.apiBaseUrl,
      language: 'es',
      theme: 'system',
    });
  });

  it('moves aside JSON that is not an object', () => {
    fs.writeFileSync(file, '[1, 2, 3]');
    const settings = open();
    expect(settings.recovery).toMatchObject({ status: 'recovered', reason: 'not_an_object' });
    expect(settings.get()).toEqual(FRESH);
  });

  it('does not count missing or unknown keys as damage', () => {
    fs.writeFileSync(file, JSON.stringify({ theme: 'dark', fromANewerVersion: true }));
    const settings = open();
    expect(settings.recovery).toEqual({ status: 'ok' });
    expect(settings.get()).toEqual({ ...FRESH, theme: 'dark' });
    expect(asideFiles()).toHaveLength(0);
  });

  it('never overwrites an earlier aside file', () => {
    fs.writeFileSync(file, 'one');
    const now = () => 0;
    recoverSettingsFile(file, now);
    fs.writeFileSync(file, 'two');
    recoverSettingsFile(file, now);
    const contents = asideFiles()
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .sort();
    expect(contents).toEqual(['one', 'two']);
  });

  it('keeps working in memory when the file cannot be read, and leaves it alone', () => {
    fs.mkdirSync(file); // a folder where the file should be
    const settings = open();
    expect(settings.recovery.status).toBe('unusable');
    expect(settings.path).toBe(':memory:');
    settings.update({ theme: 'dark' });
    expect(settings.get().theme).toBe('dark');
    expect(fs.statSync(file).isDirectory()).toBe(true);
  });

  it('keeps working in memory when the store cannot be created', () => {
    const settings = createSettingsService({
      file,
      createStore: () => {
        throw new Error('EACCES');
      },
    });
    expect(settings.get()).toEqual(FRESH);
    expect(settings.path).toBe(':memory:');
  });

  it('corrects a stored value that is valid but inconsistent (lastPhone without rememberPhone)', () => {
    fs.writeFileSync(file, JSON.stringify({ rememberPhone: false, lastPhone: '+12065550100' }));
    const settings = open();
    expect(settings.get().lastPhone).toBeNull();
    expect(readFile()['lastPhone']).toBeNull();
  });
});
