import type { Kysely, Migration } from 'kysely';

/**
 * Store kiosks: each enrolled machine has a credential whose secret is kept only as a SHA-256
 * hash, and sessions remember which kiosk opened them, so a kiosk can end its customers'
 * sessions. Reset-code requests get the client key their per-client limit counts by (the kiosk
 * visit for a kiosk, the address otherwise), beside the address itself. Plan changes keep the
 * balance right after them, for their receipts.
 */
export const kiosks: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('kiosks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('store_name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_seen_at', 'bigint')
      .execute();

    await db.schema
      .alterTable('sessions')
      .addColumn('kiosk_id', 'text', (c) => c.references('kiosks.id'))
      .execute();
    // Ending a kiosk's visits looks up its live sessions.
    await db.schema
      .createIndex('sessions_kiosk')
      .on('sessions')
      .columns(['kiosk_id', 'revoked_at'])
      .execute();

    await db.schema.alterTable('reset_requests').addColumn('client_key', 'text').execute();
    await db.schema
      .createIndex('reset_requests_client_key_created')
      .on('reset_requests')
      .columns(['client_key', 'created_at'])
      .execute();

    await db.schema
      .alterTable('plan_changes')
      .addColumn('balance_after_cents', 'integer')
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('plan_changes').dropColumn('balance_after_cents').execute();
    await db.schema.dropIndex('reset_requests_client_key_created').ifExists().execute();
    await db.schema.alterTable('reset_requests').dropColumn('client_key').execute();
    await db.schema.dropIndex('sessions_kiosk').ifExists().execute();
    await db.schema.alterTable('sessions').dropColumn('kiosk_id').execute();
    await db.schema.dropTable('kiosks').ifExists().execute();
  },
};
