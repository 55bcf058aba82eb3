import path from 'node:path';
import fs from 'node:fs';
import { Kysely, Migrator, SqliteDialect, PostgresDialect, type MigrationProvider } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema';
import { migrations } from './migrations/index';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface AppDatabase {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Where it lives, with any password removed: safe to print. */
  description: string;
  close(): Promise<void>;
}

// PostgreSQL returns int8/bigint as strings to avoid precision loss; our bigints are epoch
// milliseconds and sums of cents, all far inside Number's safe-integer range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

export interface OpenDatabaseOptions {
  /**
   * Called when PostgreSQL ends an idle pooled connection (a server restart, an administrator's
   * `pg_terminate_backend`, a dropped network). The pool has already discarded the connection
   * and opens a new one for the next query; without a listener, Node would crash the process.
   */
  onConnectionError?: (error: Error) => void;
}

const warnConnectionLost = (error: Error): void => {
  process.stderr.write(
    `database: an idle connection was closed (${error.message}); reconnecting on next use\n`,
  );
};

/**
 * Opens the database a location names: a `postgres://` URL, or a path to a SQLite file
 * (created, with its folder, if missing). SQLite runs in WAL mode with foreign keys on.
 */
export function openDatabase(location: string, options: OpenDatabaseOptions = {}): AppDatabase {
  if (isPostgresUrl(location)) {
    const pool = new pg.Pool({ connectionString: location, max: 10 });
    pool.on('error', options.onConnectionError ?? warnConnectionLost);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const url = new URL(location);
    if (url.password) url.password = '***';
    return { db, kind: 'postgres', description: url.toString(), close: () => db.destroy() };
  }
  const file = location === ':memory:' ? location : path.resolve(location);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, kind: 'sqlite', description: file, close: () => db.destroy() };
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date. Safe to call from several instances: Kysely takes a lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}
