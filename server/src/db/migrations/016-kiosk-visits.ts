import type { Kysely, Migration } from 'kysely';

/**
 * Kiosk customer visits, issued by the API: a visit id the kiosk app did not get from
 * `POST /v1/kiosk/visits` (or one that has ended or expired) is refused, so per-client budgets
 * keyed by visit cannot be renewed by making up a new id.
 */
export const kioskVisits: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('kiosk_visits')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kiosk_id', 'text', (c) => c.notNull().references('kiosks.id'))
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('kiosk_visits_kiosk')
      .on('kiosk_visits')
      .columns(['kiosk_id', 'ended_at'])
      .execute();
    await db.schema
      .createIndex('kiosk_visits_expires_at')
      .on('kiosk_visits')
      .column('expires_at')
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('kiosk_visits').execute();
  },
};
