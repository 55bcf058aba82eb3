import { sql, type Kysely, type Migration } from 'kysely';

/** The starting add-on catalogue. Ids are stable: purchases refer to them. */
export const ADD_ON_CATALOGUE = [
  {
    id: 'data-1gb',
    name: '1 GB data pass',
    kind: 'data',
    price_cents: 5_00,
    currency: 'USD',
    data_mb: 1024,
    intl_minutes: 0,
    sort_order: 10,
    active: 1,
  },
  {
    id: 'data-5gb',
    name: '5 GB data pass',
    kind: 'data',
    price_cents: 15_00,
    currency: 'USD',
    data_mb: 5 * 1024,
    intl_minutes: 0,
    sort_order: 20,
    active: 1,
  },
  {
    id: 'intl-100min',
    name: 'International 100 minutes',
    kind: 'international',
    price_cents: 10_00,
    currency: 'USD',
    data_mb: 0,
    intl_minutes: 100,
    sort_order: 30,
    active: 1,
  },
] as const;

/**
 * Plan changes (applied at once, or pending until the renewal) and add-ons: a catalogue, and the
 * passes a subscriber bought, each good until the end of the cycle it was bought in.
 */
export const planChanges: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('plan_changes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('from_plan_id', 'text', (c) => c.notNull().references('plans.id'))
      .addColumn('to_plan_id', 'text', (c) => c.notNull().references('plans.id'))
      .addColumn('timing', 'text', (c) => c.notNull())
      .addColumn('effective_on', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('charge_cents', 'integer', (c) => c.notNull())
      .addColumn('credit_cents', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('applied_at', 'bigint')
      .execute();
    // At most one change waits for a renewal per subscriber; a newer one replaces it.
    await db.schema
      .createIndex('plan_changes_one_pending')
      .on('plan_changes')
      .column('subscriber_id')
      .unique()
      .where(sql<boolean>`status = 'pending'`)
      .execute();
    await db.schema
      .createIndex('plan_changes_due')
      .on('plan_changes')
      .columns(['status', 'effective_on'])
      .execute();

    await db.schema
      .createTable('add_ons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('price_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('data_mb', 'integer', (c) => c.notNull())
      .addColumn('intl_minutes', 'integer', (c) => c.notNull())
      .addColumn('sort_order', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db
      .insertInto('add_ons')
      .values([...ADD_ON_CATALOGUE])
      .execute();

    await db.schema
      .createTable('subscriber_add_ons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('add_on_id', 'text', (c) => c.notNull().references('add_ons.id'))
      // What was bought, copied: a later catalogue edit must not change a pass already paid for.
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('data_mb', 'integer', (c) => c.notNull())
      .addColumn('intl_minutes', 'integer', (c) => c.notNull())
      .addColumn('price_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('cycle_start', 'text', (c) => c.notNull())
      .addColumn('expires_on', 'text', (c) => c.notNull())
      .addColumn('purchased_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('subscriber_add_ons_cycle')
      .on('subscriber_add_ons')
      .columns(['subscriber_id', 'expires_on'])
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('subscriber_add_ons').ifExists().execute();
    await db.schema.dropTable('add_ons').ifExists().execute();
    await db.schema.dropTable('plan_changes').ifExists().execute();
  },
};
