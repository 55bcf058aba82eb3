import type { Kysely, Migration } from 'kysely';

/**
 * AutoPay: a per-subscriber setting (on/off and which saved card), one run per renewal, and the
 * discount a plan gives subscribers who pay by AutoPay.
 */
export const autopay: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('plans')
      .addColumn('autopay_discount_cents', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('autopay_settings')
      .addColumn('subscriber_id', 'text', (c) =>
        c.primaryKey().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('payment_method_id', 'text', (c) => c.references('payment_methods.id'))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('autopay_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('renews_on', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('claim_token', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('payment_method_id', 'text')
      .addColumn('amount_cents', 'integer')
      .addColumn('discount_cents', 'integer')
      .addColumn('currency', 'text')
      .addColumn('card_brand', 'text')
      .addColumn('card_last4', 'text')
      .addColumn('payment_id', 'text', (c) => c.references('payments.id'))
      .addColumn('decline_code', 'text')
      .addColumn('message', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      // One run per renewal: the row every instance competes for, so a renewal is charged once.
      .addUniqueConstraint('autopay_runs_one_per_renewal', ['subscriber_id', 'renews_on'])
      .execute();
    await db.schema
      .createIndex('autopay_runs_pending')
      .on('autopay_runs')
      .columns(['state', 'lease_until'])
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('autopay_runs').ifExists().execute();
    await db.schema.dropTable('autopay_settings').ifExists().execute();
    await db.schema.alterTable('plans').dropColumn('autopay_discount_cents').execute();
  },
};
