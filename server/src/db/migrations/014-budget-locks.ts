import type { Kysely, Migration } from 'kysely';

/**
 * One row per counted thing (a phone number's reset texts, a client's resets, a sign-in
 * challenge's codes…). A transaction that decides a budget first upserts its row, which holds
 * the row's lock until it commits, so concurrent requests on any number of API instances decide
 * that budget one after another. See server/src/db/budget-lock.ts.
 */
export const budgetLocks: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('budget_locks')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('touched_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('budget_locks_touched_at')
      .on('budget_locks')
      .column('touched_at')
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('budget_locks').execute();
  },
};
