import type { Kysely, Migration } from 'kysely';

/**
 * International calling minutes per day, apart from the plan's own talk minutes, so what is left
 * on an international pass can be shown the way data left on a data pass is.
 */
export const internationalUsage: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('usage_daily')
      .addColumn('intl_minutes', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('usage_daily').dropColumn('intl_minutes').execute();
  },
};
