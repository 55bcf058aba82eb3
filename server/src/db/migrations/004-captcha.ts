import type { Kysely, Migration } from 'kysely';

/**
 * Risk checks at sign-in: failure counters per phone number and per client address (which decide
 * when a proof-of-work captcha is required), and spent captcha signatures (replay protection).
 */
export const captcha: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('risk_counters')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('spent_captchas')
      .addColumn('signature', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('spent_captchas_expires')
      .on('spent_captchas')
      .column('expires_at')
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('spent_captchas').ifExists().execute();
    await db.schema.dropTable('risk_counters').ifExists().execute();
  },
};
