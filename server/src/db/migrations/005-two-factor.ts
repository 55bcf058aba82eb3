import type { Kysely, Migration } from 'kysely';

/** 2-step verification: TOTP secrets, one-time recovery codes, and sign-in challenges. */
export const twoFactor: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('two_factor')
      .addColumn('subscriber_id', 'text', (c) =>
        c.primaryKey().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('enabled_at', 'bigint')
      .addColumn('last_time_step', 'bigint')
      .execute();

    await db.schema
      .createTable('recovery_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('recovery_codes_subscriber')
      .on('recovery_codes')
      .column('subscriber_id')
      .execute();

    await db.schema
      .createTable('second_factor_challenges')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('used_at', 'bigint')
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('second_factor_challenges').ifExists().execute();
    await db.schema.dropTable('recovery_codes').ifExists().execute();
    await db.schema.dropTable('two_factor').ifExists().execute();
  },
};
