import type { Kysely, Migration } from 'kysely';

/** The first schema: plans, subscribers with lockout state, sessions, and account history. */
export const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('plans')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('data_mb', 'integer')
      .addColumn('data_after_allowance', 'text', (c) => c.notNull())
      .addColumn('hotspot_mb', 'integer', (c) => c.notNull())
      .addColumn('talk_minutes', 'integer')
      .addColumn('texts', 'integer')
      .addColumn('intl_texting', 'integer', (c) => c.notNull())
      .addColumn('taxes_included', 'integer', (c) => c.notNull())
      .addColumn('sort_order', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();

    await db.schema
      .createTable('subscribers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('phone', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('plan_id', 'text', (c) => c.notNull().references('plans.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('cycle_anchor_day', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'bigint')
      .addColumn('last_locked_at', 'bigint')
      .addColumn('lock_level', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('user_agent', 'text')
      .addColumn('ip', 'text')
      .execute();
    await db.schema
      .createIndex('sessions_subscriber')
      .on('sessions')
      .column('subscriber_id')
      .execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) =>
        c.notNull().references('sessions.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('refresh_tokens_session')
      .on('refresh_tokens')
      .column('session_id')
      .execute();

    await db.schema
      .createTable('statements')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('period_start', 'text', (c) => c.notNull())
      .addColumn('period_end', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('plan_name', 'text', (c) => c.notNull())
      .addColumn('total_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('statements_subscriber_period')
      .on('statements')
      .columns(['subscriber_id', 'period_start', 'id'])
      .execute();

    await db.schema
      .createTable('statement_lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('statement_id', 'text', (c) =>
        c.notNull().references('statements.id').onDelete('cascade'),
      )
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('statement_lines_statement')
      .on('statement_lines')
      .columns(['statement_id', 'position'])
      .execute();

    await db.schema
      .createTable('payments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('card_last4', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('statement_id', 'text', (c) => c.references('statements.id').onDelete('set null'))
      .execute();
    await db.schema
      .createIndex('payments_subscriber_created')
      .on('payments')
      .columns(['subscriber_id', 'created_at', 'id'])
      .execute();

    await db.schema
      .createTable('ledger_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('statement_id', 'text', (c) => c.references('statements.id').onDelete('set null'))
      .addColumn('payment_id', 'text', (c) => c.references('payments.id').onDelete('set null'))
      .execute();
    await db.schema
      .createIndex('ledger_entries_subscriber')
      .on('ledger_entries')
      .columns(['subscriber_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('usage_daily')
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('data_mb', 'integer', (c) => c.notNull())
      .addColumn('minutes', 'integer', (c) => c.notNull())
      .addColumn('texts', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_daily_pk', ['subscriber_id', 'day'])
      .execute();

    await db.schema
      .createTable('server_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const table of [
      'server_secrets',
      'usage_daily',
      'ledger_entries',
      'payments',
      'statement_lines',
      'statements',
      'refresh_tokens',
      'sessions',
      'subscribers',
      'plans',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
