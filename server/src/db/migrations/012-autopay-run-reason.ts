import type { Kysely, Migration } from 'kysely';

/**
 * Why an AutoPay run charged nothing, as a stable code beside the English message, so the app can
 * say it in the subscriber's language instead of matching sentences. Null on older runs.
 */
export const autopayRunReason: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('autopay_runs').addColumn('reason', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('autopay_runs').dropColumn('reason').execute();
  },
};
