import type { Kysely, Migration } from 'kysely';

/**
 * Per-client request counters, so every API instance on one PostgreSQL database shares one limit
 * per client (see server/src/http/rate-limit-store.ts). SQLite keeps them in process.
 */
export const rateLimits: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('rate_limits')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('window_started_at', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('rate_limits_window_started_at')
      .on('rate_limits')
      .column('window_started_at')
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('rate_limits').execute();
  },
};
