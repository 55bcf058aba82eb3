import type { Kysely, Migration } from 'kysely';

/**
 * Keys leave the database (they live in a key file or environment variables), so a copy of the
 * database can forge or read nothing. What stays is public: which key each refill PIN hash was
 * made with, and a fingerprint of every key in use, so a server started with a key file that
 * lacks a key this database's data depends on refuses to start instead of failing subscribers.
 */
export const keyIds: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    // Null: hashed before key ids existed, with the key migrated out of `server_secrets`.
    await db.schema.alterTable('refill_pins').addColumn('key_id', 'text').execute();
    await db.schema
      .createTable('key_fingerprints')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('key_fingerprints').execute();
    await db.schema.alterTable('refill_pins').dropColumn('key_id').execute();
  },
};
