import type { Kysely, Migration } from 'kysely';

/**
 * Money that moves: idempotent operations, saved cards (processor tokens only), the sandbox
 * processor's own record of charges, refill PINs (hashed), and receipt details on payments.
 */
export const payments: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('idempotent_operations')
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('intent', 'text')
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // The constraint that makes a racing duplicate lose instead of charging twice.
      .addPrimaryKeyConstraint('idempotent_operations_pk', ['subscriber_id', 'idempotency_key'])
      .execute();
    await db.schema
      .createIndex('idempotent_operations_pending')
      .on('idempotent_operations')
      .columns(['state', 'updated_at'])
      .execute();

    await db.schema
      .createTable('payment_methods')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('brand', 'text', (c) => c.notNull())
      .addColumn('last4', 'text', (c) => c.notNull())
      .addColumn('exp_month', 'integer', (c) => c.notNull())
      .addColumn('exp_year', 'integer', (c) => c.notNull())
      .addColumn('nickname', 'text')
      .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('payment_methods_subscriber')
      .on('payment_methods')
      .columns(['subscriber_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('sandbox_cards')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('brand', 'text', (c) => c.notNull())
      .addColumn('last4', 'text', (c) => c.notNull())
      .addColumn('exp_month', 'integer', (c) => c.notNull())
      .addColumn('exp_year', 'integer', (c) => c.notNull())
      // The outcome the test number asks for, so no card number needs to be kept.
      .addColumn('behaviour', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sandbox_charges')
      .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
      .addColumn('charge_id', 'text', (c) => c.notNull().unique())
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('decline_code', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('refill_pins')
      .addColumn('pin_hash', 'text', (c) => c.primaryKey())
      .addColumn('value_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('batch', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('redeemed_at', 'bigint')
      .addColumn('redeemed_by', 'text', (c) => c.references('subscribers.id').onDelete('set null'))
      .execute();

    await db.schema.alterTable('payments').addColumn('card_brand', 'text').execute();
    await db.schema.alterTable('payments').addColumn('receipt_number', 'text').execute();
    await db.schema.alterTable('payments').addColumn('balance_after_cents', 'integer').execute();
    await db.schema.alterTable('payments').addColumn('decline_code', 'text').execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('payments').dropColumn('decline_code').execute();
    await db.schema.alterTable('payments').dropColumn('balance_after_cents').execute();
    await db.schema.alterTable('payments').dropColumn('receipt_number').execute();
    await db.schema.alterTable('payments').dropColumn('card_brand').execute();
    await db.schema.dropTable('refill_pins').ifExists().execute();
    await db.schema.dropTable('sandbox_charges').ifExists().execute();
    await db.schema.dropTable('sandbox_cards').ifExists().execute();
    await db.schema.dropTable('payment_methods').ifExists().execute();
    await db.schema.dropTable('idempotent_operations').ifExists().execute();
  },
};
