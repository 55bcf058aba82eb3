import type { Kysely, Migration } from 'kysely';

/**
 * Password reset: one row per code sent (also for numbers without an account, so limits and
 * answers are the same for every number), and the short-lived tickets a proven code buys.
 */
export const recovery: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('reset_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('subscriber_id', 'text', (c) => c.references('subscribers.id').onDelete('cascade'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('code_salt', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('consumed_at', 'bigint')
      .addColumn('delivery', 'text', (c) => c.notNull())
      .addColumn('client_ip', 'text')
      .execute();
    await db.schema
      .createIndex('reset_requests_phone_created')
      .on('reset_requests')
      .columns(['phone', 'created_at'])
      .execute();
    await db.schema
      .createIndex('reset_requests_client_created')
      .on('reset_requests')
      .columns(['client_ip', 'created_at'])
      .execute();

    await db.schema
      .createTable('reset_tickets')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('reset_tickets_subscriber')
      .on('reset_tickets')
      .column('subscriber_id')
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('reset_tickets').ifExists().execute();
    await db.schema.dropTable('reset_requests').ifExists().execute();
  },
};
