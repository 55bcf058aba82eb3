import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { migrateToLatest, openDatabase, type AppDatabase } from '../../../server/src/db/database';

/** Which database this project runs on: set per Vitest project in vitest.config.ts. */
export const dbKind: 'sqlite' | 'postgres' =
  process.env['AIRTIME_TEST_DB'] === 'postgres' ? 'postgres' : 'sqlite';

const pgUrl = dbKind === 'postgres' ? inject('pgUrl') : '';

/** True when this project needs PostgreSQL and the run has none (the setup printed why). */
export const databaseUnavailable = dbKind === 'postgres' && !pgUrl;

/** `describe` for suites that need a database: skipped when the project's database is missing. */
export const describeWithDb = describe.skipIf(databaseUnavailable);

export interface TestDatabase {
  database: AppDatabase;
  /** Where it lives: a SQLite file path or a postgres:// URL (for a second instance or the CLI). */
  location: string;
  /**
   * The key file a server or CLI process on this database uses (pass it as AIRTIME_KEY_FILE):
   * beside the SQLite file, as by default, or in a temporary folder for PostgreSQL.
   */
  keyFile: string;
  cleanup(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Brings the schema up to date (the default). `false` leaves it empty, for a test that runs
   * the migrations itself (up to an older one, with rows as that version wrote them).
   */
  migrate?: boolean;
}

/** A fresh, migrated database of this project's kind, private to the caller. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (dbKind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-sqlite-'));
    const location = path.join(dir, 'airtime.sqlite');
    const database = openDatabase(location);
    if (migrate) await migrateToLatest(database.db);
    return {
      database,
      location,
      keyFile: `${location}.keys.json`,
      cleanup: async () => {
        await database.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `airtime_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const location = url.toString();
  // `pool.end()` resolves before every backend has gone, so the forced DROP below can still end
  // one of them; that expected goodbye is not worth a warning. Before cleanup, one is a failure.
  let cleaningUp = false;
  const database = openDatabase(location, {
    onConnectionError: (error) => {
      if (!cleaningUp) throw error;
    },
  });
  if (migrate) await migrateToLatest(database.db);
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-keys-'));
  return {
    database,
    location,
    keyFile: path.join(keyDir, 'airtime-keys.json'),
    cleanup: async () => {
      cleaningUp = true;
      fs.rmSync(keyDir, { recursive: true, force: true });
      await database.close();
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
