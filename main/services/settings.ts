import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { errorIssueOf } from '../../contract/errors';
import { E164Phone } from '../../contract/phone';
import {
  DEFAULT_SETTINGS,
  Settings,
  SettingsPatch,
  SettingsView,
  WindowBounds,
} from '../../contract/settings';
import { AppError } from '../errors';
import { silentLog, type Log } from './logger';

/**
 * The part of `conf` (and so of electron-store, a thin subclass) the settings service uses.
 * `store` reads the whole file; `set` writes one key; `clear` puts the defaults back.
 */
export interface SettingsStore {
  readonly store: object;
  set(key: string, value: unknown): void;
  clear(): void;
  readonly path: string;
}

/** Creates the store with these defaults, e.g. `(defaults) => new Store({ name: 'settings', defaults })`. */
export type SettingsStoreFactory = (defaults: Settings) => SettingsStore;

type SettingsKey = keyof Settings;
const SETTINGS_KEYS = Object.keys(Settings.shape) as SettingsKey[];
/** conf's own bookkeeping (migrations): not a setting, kept as it is. */
const INTERNAL_KEY = '__internal__';

/** What {@link recoverSettingsFile} found. */
export type SettingsFileCheck =
  | { status: 'missing' }
  | { status: 'ok' }
  | {
      status: 'recovered';
      reason: 'not_json' | 'not_an_object' | 'invalid_fields';
      /** Where the old file now is (`settings.json.corrupt-<timestamp>`). */
      movedTo: string;
      /** Settings taken over from the old file. */
      kept: SettingsKey[];
      /** Settings that were invalid and fell back to their defaults. */
      dropped: SettingsKey[];
    }
  | {
      /** The file could not be read or moved; it was left untouched and settings stay in memory. */
      status: 'unusable';
      error: string;
    };

function fieldsOf(data: Record<string, unknown>): {
  valid: Partial<Record<SettingsKey, unknown>>;
  invalid: SettingsKey[];
} {
  const valid: Partial<Record<SettingsKey, unknown>> = {};
  const invalid: SettingsKey[] = [];
  for (const key of SETTINGS_KEYS) {
    if (!Object.hasOwn(data, key)) continue;
    const schema = Settings.shape[key] as z.ZodType;
    const parsed = schema.safeParse(data[key]);
    if (parsed.success) valid[key] = data[key];
    else invalid.push(key);
  }
  return { valid, invalid };
}

function timestampFor(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

function asideName(file: string, ms: number): string {
  const base = `${file}.corrupt-${timestampFor(ms)}`;
  let candidate = base;
  for (let n = 1; fs.existsSync(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}

function writeAtomically(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/**
 * Checks the settings file before the store opens it (conf throws on a file it cannot parse).
 * A file that is not JSON, not an object, or has a setting that fails the contract is moved
 * aside to `<file>.corrupt-<timestamp>` (never deleted), and the settings that were valid are
 * written back to `file` so they survive. Missing settings are not an error (defaults fill
 * them), nor are unknown keys (a newer version may have written them). Never throws.
 */
export function recoverSettingsFile(file: string, now: () => number = Date.now): SettingsFileCheck {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'unusable', error: String((error as Error).message) };
  }
  let data: unknown;
  let reason: 'not_json' | 'not_an_object' | 'invalid_fields' | null = null;
  try {
    data = JSON.parse(text);
  } catch {
    reason = 'not_json';
  }
  let kept: Record<string, unknown> = {};
  let dropped: SettingsKey[] = [];
  if (reason === null) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      reason = 'not_an_object';
    } else {
      const record = data as Record<string, unknown>;
      const { valid, invalid } = fieldsOf(record);
      if (invalid.length === 0) return { status: 'ok' };
      reason = 'invalid_fields';
      dropped = invalid;
      kept = { ...valid };
      const internal = record[INTERNAL_KEY];
      if (internal !== null && typeof internal === 'object') kept[INTERNAL_KEY] = internal;
    }
  }
  try {
    const movedTo = asideName(file, now());
    fs.renameSync(file, movedTo);
    if (Object.keys(kept).length > 0)
      writeAtomically(file, `${JSON.stringify(kept, null, '\t')}\n`);
    return {
      status: 'recovered',
      reason,
      movedTo,
      kept: SETTINGS_KEYS.filter((k) => Object.hasOwn(kept, k)),
      dropped,
    };
  } catch (error) {
    return { status: 'unusable', error: String((error as Error).message) };
  }
}

/** A store that lives in memory only: the fallback when the file cannot be used, and kiosk mode's store. */
export function memorySettingsStore(defaults: Settings, file = ':memory:'): SettingsStore {
  let data: Record<string, unknown> = { ...defaults };
  return {
    get store() {
      return { ...data };
    },
    set(key, value) {
      data[key] = value;
    },
    clear() {
      data = { ...defaults };
    },
    path: file,
  };
}

/** Called after every change with the new and the previous settings. */
export type SettingsListener = (next: Settings, previous: Settings) => void;

export interface SettingsServiceOptions {
  /** Where the store keeps its file (electron-store: `<userData>/<name>.json`). */
  file: string;
  createStore: SettingsStoreFactory;
  log?: Log;
  now?: () => number;
}

function toView(settings: Settings): SettingsView {
  const { windowBounds: _bounds, deviceId: _deviceId, ...view } = settings;
  return view;
}

function sameView(a: Settings, b: Settings): boolean {
  return (Object.keys(SettingsView.shape) as (keyof SettingsView)[]).every((k) => a[k] === b[k]);
}

/**
 * The desktop app's settings: validated with the contract on load (an invalid value falls back
 * to its default, so a bad stored API address becomes the default address), kept in memory,
 * written through to the store on every change. The installation's device id is generated on
 * the first load and again after a reset, so a "forgotten" computer is a new one to the server.
 */
export class SettingsService {
  readonly #store: SettingsStore;
  readonly #log: Log;
  readonly #listeners = new Set<SettingsListener>();
  #current: Settings;

  /**
   * @param store opened store
   * @param recovery what {@link recoverSettingsFile} did before the store was opened
   */
  constructor(
    store: SettingsStore,
    readonly recovery: SettingsFileCheck = { status: 'ok' },
    log: Log = silentLog,
  ) {
    this.#store = store;
    this.#log = log;
    this.#current = this.#load();
  }

  /** Where the settings live (`:memory:` when they could not be kept in a file). */
  get path(): string {
    return this.#store.path;
  }

  get(): Settings {
    return structuredClone(this.#current);
  }

  view(): SettingsView {
    return toView(this.get());
  }

  /** Applies a change from the settings screen. Turning `rememberPhone` off forgets the last phone. */
  update(patch: SettingsPatch): SettingsView {
    const parsed = SettingsPatch.safeParse(patch);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => errorIssueOf(i, i.path.join('.') || 'input'));
      throw new AppError('invalid_request', issues[0]?.message ?? 'Those settings are not valid.', {
        issues,
      });
    }
    const changes: Partial<Settings> = {};
    for (const [key, value] of Object.entries(parsed.data)) {
      if (value !== undefined) (changes as Record<string, unknown>)[key] = value;
    }
    if (changes.rememberPhone === false) changes.lastPhone = null;
    this.#apply(changes);
    return this.view();
  }

  /** Remembers the phone last signed in with, only while `rememberPhone` is on. */
  setLastPhone(phone: string | null): void {
    if (phone !== null && (!this.#current.rememberPhone || !E164Phone.safeParse(phone).success)) {
      return;
    }
    this.#apply({ lastPhone: phone });
  }

  /** Saves the main window's position; bounds the contract refuses (off-screen sizes…) are ignored. */
  setWindowBounds(bounds: WindowBounds | null): void {
    if (bounds === null) return this.#apply({ windowBounds: null });
    const parsed = WindowBounds.safeParse(bounds);
    if (parsed.success) this.#apply({ windowBounds: parsed.data });
  }

  /** Back to the defaults, file included. */
  reset(): void {
    const previous = this.#current;
    try {
      this.#store.clear();
    } catch (error) {
      this.#log.error({ err: error }, 'settings: could not reset the settings file');
    }
    this.#current = structuredClone(DEFAULT_SETTINGS);
    this.#current.deviceId = randomUUID();
    this.#write('deviceId', this.#current.deviceId);
    this.#notify(previous);
  }

  /** This installation's id (see `Settings.deviceId`); generated if there is none yet. */
  deviceId(): string {
    if (this.#current.deviceId === null) this.#apply({ deviceId: randomUUID() });
    return this.#current.deviceId!;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #load(): Settings {
    let raw: Record<string, unknown> = {};
    try {
      raw = { ...(this.#store.store as Record<string, unknown>) };
    } catch (error) {
      this.#log.error({ err: error }, 'settings: could not read the store; using defaults');
    }
    const { invalid } = fieldsOf(raw);
    const settings = structuredClone(DEFAULT_SETTINGS) as Record<SettingsKey, unknown>;
    for (const key of SETTINGS_KEYS) {
      if (!Object.hasOwn(raw, key) || invalid.includes(key)) continue;
      settings[key] = (Settings.shape[key] as z.ZodType).parse(raw[key]);
    }
    const loaded = settings as Settings;
    if (!loaded.rememberPhone && loaded.lastPhone !== null) {
      loaded.lastPhone = null;
      this.#write('lastPhone', null);
    }
    if (invalid.length > 0) {
      this.#log.warn({ fields: invalid }, 'settings: invalid values replaced by their defaults');
      for (const key of invalid) this.#write(key, loaded[key]);
    }
    if (loaded.deviceId === null) {
      loaded.deviceId = randomUUID();
      this.#write('deviceId', loaded.deviceId);
    }
    return loaded;
  }

  #apply(changes: Partial<Settings>): void {
    const previous = this.#current;
    const next = { ...previous, ...changes };
    let changed = false;
    for (const key of Object.keys(changes) as SettingsKey[]) {
      if (JSON.stringify(previous[key]) === JSON.stringify(next[key])) continue;
      changed = true;
      this.#write(key, next[key]);
    }
    if (!changed) return;
    this.#current = next;
    this.#notify(previous);
  }

  #write(key: SettingsKey, value: unknown): void {
    try {
      this.#store.set(key, value);
    } catch (error) {
      // The change still applies for this run; only its persistence failed.
      this.#log.error({ err: error, key }, 'settings: could not save a setting');
    }
  }

  #notify(previous: Settings): void {
    const next = this.get();
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch (error) {
        this.#log.error({ err: error }, 'settings: a change listener failed');
      }
    }
  }
}

/** True when the renderer-visible part of the settings differs. */
export function viewChanged(next: Settings, previous: Settings): boolean {
  return !sameView(next, previous);
}

/**
 * Opens the settings: checks and, if needed, recovers the file (see {@link recoverSettingsFile}),
 * then creates the store. Never throws: when the file or the store cannot be used, settings are
 * kept in memory for this run and the problem is logged and reported in `recovery`.
 */
export function createSettingsService(options: SettingsServiceOptions): SettingsService {
  const log = options.log ?? silentLog;
  const recovery = recoverSettingsFile(options.file, options.now);
  if (recovery.status === 'recovered') {
    log.warn(
      {
        reason: recovery.reason,
        movedTo: path.basename(recovery.movedTo),
        kept: recovery.kept,
        dropped: recovery.dropped,
      },
      'settings: the settings file was damaged; it was moved aside and its valid settings kept',
    );
  }
  let store: SettingsStore;
  if (recovery.status === 'unusable') {
    log.error(
      { error: recovery.error },
      'settings: the settings file cannot be used; settings stay in memory',
    );
    store = memorySettingsStore(structuredClone(DEFAULT_SETTINGS));
  } else {
    try {
      store = options.createStore(structuredClone(DEFAULT_SETTINGS));
      if (path.resolve(store.path) !== path.resolve(options.file)) {
        log.warn(
          { expected: options.file, actual: store.path },
          'settings: the store uses another file than the one checked',
        );
      }
    } catch (error) {
      log.error({ err: error }, 'settings: the store could not be opened; settings stay in memory');
      store = memorySettingsStore(structuredClone(DEFAULT_SETTINGS));
    }
  }
  return new SettingsService(store, recovery, log);
}
