import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KEY_PURPOSES, type Key, type KeyPurpose } from './key-ring';

/**
 * The key file: JSON, owner-only (0600), kept apart from the database so that a copy of the
 * database (a dump, a backup, a stolen disk image of the database volume) holds no key.
 *
 * ```json
 * { "version": 1,
 *   "keys": { "token": [{ "id": "token-20261207-1a2b3c4d", "createdAt": "…", "secret": "…" }],
 *             "totp": […], "refill-pin": […], "captcha": […] } }
 * ```
 * Each purpose's list is oldest first; the last key is the current one.
 */
export const KEY_FILE_VERSION = 1;

const StoredKey = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  createdAt: z.string(),
  secret: z.string().min(32),
  migrated: z.boolean().optional(),
});

const KeyFileJson = z.object({
  version: z.literal(KEY_FILE_VERSION),
  keys: z.partialRecord(z.enum(KEY_PURPOSES), z.array(StoredKey)),
});

export type KeyFileContents = Partial<Record<KeyPurpose, Key[]>>;

export class KeyFileError extends Error {}

/** The owner may read and write; anyone else being able to read is refused, as ssh does. */
export function checkKeyFileMode(file: string): void {
  // Windows has no POSIX modes; its ACLs are the administrator's to set.
  if (process.platform === 'win32') return;
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `The key file ${file} can be read by others (mode ${mode.toString(8).padStart(4, '0')}). ` +
        `It holds the server's signing and encryption keys: make it the owner's only with ` +
        `"chmod 600 ${file}", or give every key in environment variables.`,
    );
  }
}

/** The file's keys, or null when there is no file. Checks the mode first (see `checkKeyFileMode`). */
export function readKeyFile(file: string): KeyFileContents | null {
  let text: string;
  try {
    checkKeyFileMode(file);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError(`The key file ${file} is not valid JSON.`);
  }
  const parsed = KeyFileJson.safeParse(json);
  if (!parsed.success) {
    throw new KeyFileError(
      `The key file ${file} is not an Airtime key file: ${parsed.error.issues[0]?.message ?? 'unknown format'}.`,
    );
  }
  const contents: KeyFileContents = {};
  for (const purpose of KEY_PURPOSES) {
    const keys = parsed.data.keys[purpose];
    if (keys?.length) {
      contents[purpose] = keys.map((k) => ({
        id: k.id,
        createdAt: k.createdAt,
        secret: k.secret,
        ...(k.migrated ? { migrated: true } : {}),
      }));
    }
  }
  return contents;
}

function serialise(contents: KeyFileContents): string {
  return `${JSON.stringify({ version: KEY_FILE_VERSION, keys: contents }, null, 2)}\n`;
}

/** A temporary file beside `file`, created owner-only so the keys are never readable by others. */
function writeTemp(file: string, contents: KeyFileContents): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, serialise(contents), { mode: 0o600, flag: 'wx' });
  return temp;
}

/**
 * Creates the file with `contents` unless it exists, whole or not at all. Returns false when
 * another process created it first: the caller reads that one instead, so instances starting
 * together end up with the same keys.
 */
export function createKeyFile(file: string, contents: KeyFileContents): boolean {
  const temp = writeTemp(file, contents);
  try {
    // A hard link fails if the name exists: an atomic "create if absent" for a complete file.
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Replaces the file's contents atomically (readers see the old file or the new, never half). */
export function writeKeyFile(file: string, contents: KeyFileContents): void {
  const temp = writeTemp(file, contents);
  try {
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
