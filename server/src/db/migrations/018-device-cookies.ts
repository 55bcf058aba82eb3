import type { Kysely, Migration } from 'kysely';

/**
 * OWASP's device-cookie pattern against online guessing. A phone number is public, so a lockout
 * kept on the account alone lets anyone lock a subscriber out for good, and tells them which
 * numbers have accounts. Instead:
 * - `device_cookies`: one row per cookie issued at a successful sign-in, holding that computer's
 *   own budget of wrong passwords; once spent, the cookie is no longer trusted;
 * - `sign_in_lockouts`: the budgets of clients without a trusted cookie, keyed by the number
 *   typed (so a number without an account answers exactly as one with), one row per client
 *   (`client:<address or kiosk visit>`) and one for all untrusted clients together
 *   (`untrusted`);
 * - `second_factor_challenges.lane`: which of those budgets the password step was decided on, so
 *   the codes typed next count on the same one;
 * - `risk_counters.pending`: sign-in tries taken but not yet decided, so a burst sent at once
 *   cannot all pass the captcha threshold on the same low count.
 */
export const deviceCookies: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('device_cookies')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('untrusted_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('device_cookies_subscriber')
      .on('device_cookies')
      .column('subscriber_id')
      .execute();
    await db.schema
      .createIndex('device_cookies_expires_at')
      .on('device_cookies')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('sign_in_lockouts')
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('lane', 'text', (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('window_started_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint')
      .addColumn('last_locked_at', 'bigint')
      .addColumn('lock_level', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('sign_in_lockouts_pk', ['phone', 'lane'])
      .execute();
    await db.schema
      .createIndex('sign_in_lockouts_window')
      .on('sign_in_lockouts')
      .column('window_started_at')
      .execute();

    await db.schema.alterTable('second_factor_challenges').addColumn('lane', 'text').execute();
    await db.schema
      .alterTable('risk_counters')
      .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('risk_counters').dropColumn('pending').execute();
    await db.schema.alterTable('second_factor_challenges').dropColumn('lane').execute();
    await db.schema.dropTable('sign_in_lockouts').execute();
    await db.schema.dropTable('device_cookies').execute();
  },
};
