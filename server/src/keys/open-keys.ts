import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { AppDatabase } from '../db/database';
import type { Clock } from '../clock';
import {
  KEY_PURPOSES,
  KeyRing,
  MIN_SECRET_LENGTH,
  envKeyId,
  fingerprint,
  newKeyId,
  newKeySecret,
  type Key,
  type KeyPurpose,
  type Keys,
} from './key-ring';
import {
  KeyFileError,
  createKeyFile,
  readKeyFile,
  writeKeyFile,
  type KeyFileContents,
} from './key-file';

/** Where PostgreSQL servers keep their keys unless `AIRTIME_KEY_FILE` says otherwise. */
export const DEFAULT_POSTGRES_KEY_FILE = '.data/airtime-keys.json';

/** The environment variable that, when set, is the current key of each purpose. */
export const KEY_ENV_VARS: Record<KeyPurpose, string> = {
  token: 'AIRTIME_TOKEN_SECRET',
  totp: 'AIRTIME_TOTP_KEY',
  'refill-pin': 'AIRTIME_REFILL_PIN_KEY',
  captcha: 'AIRTIME_CAPTCHA_KEY',
};

/** Names the keys had in `server_secrets` before they moved out of the database. */
const LEGACY_ROW: Record<KeyPurpose, string> = {
  token: 'access_token_key',
  totp: 'totp_encryption_key',
  'refill-pin': 'refill_pin_hmac_key',
  captcha: 'captcha_hmac_key',
};

export interface KeySource {
  /** The key file; `null` keeps keys in memory only (an in-memory SQLite database). */
  file: string | null;
  /** Keys given in environment variables, by purpose; each becomes that purpose's current key. */
  env: Partial<Record<KeyPurpose, string>>;
}

/**
 * Where the keys of the database at `location` are: `AIRTIME_KEY_FILE` if set, else for SQLite
 * `<database file>.keys.json` beside it (each database its own file, moved and backed up with
 * the server's folder but not inside the database), else `.data/airtime-keys.json`.
 */
export function keySourceFor(location: string, env: NodeJS.ProcessEnv): KeySource {
  const given = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const keys: Partial<Record<KeyPurpose, string>> = {};
  for (const purpose of KEY_PURPOSES) {
    const value = given(KEY_ENV_VARS[purpose]);
    if (value === undefined) continue;
    if (value.length < MIN_SECRET_LENGTH) {
      throw new KeyFileError(
        `${KEY_ENV_VARS[purpose]} must be at least ${MIN_SECRET_LENGTH} characters.`,
      );
    }
    keys[purpose] = value;
  }
  const configured = given('AIRTIME_KEY_FILE');
  let file: string | null;
  if (configured) file = path.resolve(configured);
  else if (/^postgres(ql)?:\/\//i.test(location)) file = path.resolve(DEFAULT_POSTGRES_KEY_FILE);
  else if (location === ':memory:') file = null;
  else file = `${path.resolve(location)}.keys.json`;
  return { file, env: keys };
}

export interface OpenedKeys {
  keys: Keys;
  /** Purposes whose keys were moved out of `server_secrets` just now. */
  migrated: KeyPurpose[];
  /** The key file now exists where it did not. */
  created: boolean;
}

/**
 * The keys for `database`: read from the key file (created owner-only with new keys when
 * missing), keys left in `server_secrets` by older versions moved into it and then deleted from
 * the database, environment keys on top. Refuses, with a message for the operator, a key file
 * others can read and a key file that lacks a key the database's data was written with.
 */
export async function openKeys(
  database: AppDatabase,
  source: KeySource,
  clock: Clock,
): Promise<OpenedKeys> {
  const db = database.db;
  const fromEnv = (p: KeyPurpose) => source.env[p] !== undefined;
  const everyKeyFromEnv = KEY_PURPOSES.every(fromEnv);
  const legacy = await db
    .selectFrom('server_secrets')
    .select(['name', 'value', 'created_at'])
    .execute();

  let contents: KeyFileContents = {};
  let created = false;
  let fileExisted = false;
  if (source.file !== null) {
    // With every key in the environment the file is not needed, so a loose one is not fatal.
    const existing =
      everyKeyFromEnv && legacy.length === 0 ? safeRead(source.file) : readKeyFile(source.file);
    contents = existing ?? {};
    fileExisted = existing !== null;
  }

  const migrated: KeyPurpose[] = [];
  for (const purpose of KEY_PURPOSES) {
    const row = legacy.find((r) => r.name === LEGACY_ROW[purpose]);
    if (!row) continue;
    const keys = contents[purpose] ?? [];
    if (!keys.some((k) => k.secret === row.value)) {
      const key: Key = {
        id: `${purpose}-migrated-${fingerprint(row.value).slice(0, 8)}`,
        createdAt: new Date(Number(row.created_at)).toISOString(),
        secret: row.value,
        migrated: true,
      };
      // Oldest first: an existing current key stays current, the migrated one only verifies.
      contents[purpose] = [key, ...keys];
    }
    migrated.push(purpose);
  }
  const missing = KEY_PURPOSES.filter((p) => !contents[p]?.length && !fromEnv(p));
  for (const purpose of missing) {
    contents[purpose] = [newFileKey(purpose, clock.now())];
  }

  if (source.file !== null && (migrated.length > 0 || missing.length > 0)) {
    if (fileExisted) writeKeyFile(source.file, contents);
    else if (createKeyFile(source.file, contents)) created = true;
    else {
      // Another instance created it a moment ago: use its keys (and migrate into them again).
      return openKeys(database, source, clock);
    }
  }
  // Only once the keys are safely in the file: deleting them first could lose them for good.
  if (legacy.length > 0 && source.file !== null) {
    await db
      .deleteFrom('server_secrets')
      .where(
        'name',
        'in',
        legacy.map((r) => r.name),
      )
      .execute();
  }

  const keys = buildKeys(contents, source.env);
  // Checked before recording: a misconfigured instance must not leave its own keys' fingerprints
  // behind, or the correctly configured ones would refuse to start next time.
  await checkFingerprints(db, keys, source.file);
  await recordFingerprints(db, keys, clock);
  return { keys, migrated, created };
}

function safeRead(file: string): KeyFileContents | null {
  try {
    return readKeyFile(file);
  } catch {
    return null;
  }
}

function newFileKey(purpose: KeyPurpose, now: number): Key {
  return {
    id: newKeyId(purpose, now),
    createdAt: new Date(now).toISOString(),
    secret: newKeySecret(),
  };
}

/**
 * Each purpose's ring: the file's keys, then the environment's key as the current one. Data
 * without a key id belongs to the migrated key, or without one to the environment key (which is
 * what signed it when it was the only key).
 */
function buildKeys(contents: KeyFileContents, env: Partial<Record<KeyPurpose, string>>): Keys {
  const ring = (purpose: KeyPurpose): KeyRing => {
    const keys = [...(contents[purpose] ?? [])];
    const secret = env[purpose];
    let envKey: Key | undefined;
    if (secret !== undefined) {
      // The same material in the file keeps its id there; either way it goes last, as current.
      const inFile = keys.findIndex((k) => k.secret === secret);
      envKey =
        inFile >= 0
          ? keys.splice(inFile, 1)[0]!
          : { id: envKeyId(purpose, secret), createdAt: new Date(0).toISOString(), secret };
      keys.push(envKey);
    }
    return new KeyRing(purpose, keys, keys.find((k) => k.migrated) ?? envKey);
  };
  return {
    token: ring('token'),
    totp: ring('totp'),
    refillPin: ring('refill-pin'),
    captcha: ring('captcha'),
  };
}

async function recordFingerprints(db: Kysely<Database>, keys: Keys, clock: Clock): Promise<void> {
  const rings: KeyRing[] = Object.values(keys);
  const rows = rings.flatMap((ring) =>
    ring.keys.map((k) => ({
      key_id: k.id,
      purpose: ring.purpose,
      fingerprint: fingerprint(k.secret),
      created_at: clock.now(),
    })),
  );
  if (rows.length === 0) return;
  await db
    .insertInto('key_fingerprints')
    .values(rows)
    .onConflict((oc) => oc.column('key_id').doNothing())
    .execute();
}

/**
 * Refuses keys that do not match the database: a key the database's data was written with is
 * missing, or has the same id and other material. Captcha keys are left out (challenges live
 * five minutes), and so are environment token keys: changing `AIRTIME_TOKEN_SECRET` is how such
 * a setup signs everyone out of their access tokens on purpose.
 */
async function checkFingerprints(
  db: Kysely<Database>,
  keys: Keys,
  file: string | null,
): Promise<void> {
  const recorded = await db.selectFrom('key_fingerprints').selectAll().execute();
  const rings: KeyRing[] = Object.values(keys);
  const ours = new Map(
    rings.flatMap((ring) => ring.keys.map((k): [string, string] => [k.id, fingerprint(k.secret)])),
  );
  for (const row of recorded) {
    if (row.purpose === 'captcha') continue;
    if (row.purpose === 'token' && row.key_id.startsWith('token-env-')) continue;
    const mine = ours.get(row.key_id);
    if (mine === row.fingerprint) continue;
    const where = file ? `the key file ${file}` : 'the configured keys';
    throw new KeyFileError(
      `This database has data written with the ${row.purpose} key ${row.key_id}, which ` +
        `${where} ${mine === undefined ? 'does not have' : 'has with different material'}. ` +
        'Servers sharing a database must share one key file (copy it from the first one) or the ' +
        'same AIRTIME_* key variables. If that key is lost for good, delete its row from ' +
        'key_fingerprints to go on without it (what it signed or encrypted stops working).',
    );
  }
}

/**
 * Adds a new current key for each of `purposes` to the key file, keeping the old ones for what
 * they signed, and records its fingerprint. Servers pick it up when they restart.
 */
export async function rotateKeys(
  database: AppDatabase,
  source: KeySource,
  clock: Clock,
  purposes: readonly KeyPurpose[],
): Promise<Key[]> {
  if (source.file === null)
    throw new KeyFileError('An in-memory database has no key file to rotate.');
  // Opening first migrates, creates and checks, exactly as a server start would.
  await openKeys(database, source, clock);
  const contents = readKeyFile(source.file) ?? {};
  const added = purposes.map((purpose) => {
    const key = newFileKey(purpose, clock.now());
    contents[purpose] = [...(contents[purpose] ?? []), key];
    return key;
  });
  writeKeyFile(source.file, contents);
  await recordFingerprints(database.db, buildKeys(contents, source.env), clock);
  return added;
}
