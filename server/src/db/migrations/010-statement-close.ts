import type { Kysely, Migration } from 'kysely';

/**
 * Statements generated from the ledger: one statement per (subscriber, period), so instances
 * closing the same cycle at once end up with exactly one; and one booked renewal per
 * (subscriber, cycle), so a renewal's charges reach the ledger once.
 */
export const statementClose: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createIndex('statements_one_per_period')
      .on('statements')
      .columns(['subscriber_id', 'period_start'])
      .unique()
      .execute();

    await db.schema
      .createTable('renewals')
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('cycle_start', 'text', (c) => c.notNull())
      .addColumn('plan_id', 'text', (c) => c.notNull().references('plans.id'))
      .addColumn('total_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('booked_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('renewals_pk', ['subscriber_id', 'cycle_start'])
      .execute();
    // Ledger entries a statement has not taken yet, found per subscriber without a full scan.
    await db.schema
      .createIndex('ledger_entries_open')
      .on('ledger_entries')
      .columns(['subscriber_id', 'statement_id', 'created_at'])
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('ledger_entries_open').ifExists().execute();
    await db.schema.dropTable('renewals').ifExists().execute();
    await db.schema.dropIndex('statements_one_per_period').ifExists().execute();
  },
};
