import type { Kysely, Migration } from 'kysely';

/**
 * The security center and the rest of 2-step verification: device details on sessions, a
 * contact number and password date on subscribers, the 2-step method, texted codes, remembered
 * computers and the security-event history.
 */
export const securityCenter: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('subscribers').addColumn('contact_phone', 'text').execute();
    await db.schema.alterTable('subscribers').addColumn('password_changed_at', 'bigint').execute();

    await db.schema.alterTable('sessions').addColumn('device_id', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('device_name', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('app_version', 'text').execute();

    await db.schema
      .alterTable('two_factor')
      .addColumn('method', 'text', (c) => c.notNull().defaultTo('totp'))
      .execute();

    await db.schema
      .createTable('sms_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('challenge_hash', 'text')
      .addColumn('code_salt', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('sms_codes_subscriber')
      .on('sms_codes')
      .columns(['subscriber_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('trusted_devices')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('device_id', 'text')
      .addColumn('device_name', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('trusted_devices_subscriber')
      .on('trusted_devices')
      .column('subscriber_id')
      .execute();

    await db.schema
      .createTable('security_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscriber_id', 'text', (c) =>
        c.notNull().references('subscribers.id').onDelete('cascade'),
      )
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('new_device', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('device_id', 'text')
      .addColumn('device_name', 'text')
      .addColumn('app_version', 'text')
      .addColumn('ip', 'text')
      .execute();
    await db.schema
      .createIndex('security_events_subscriber_at')
      .on('security_events')
      .columns(['subscriber_id', 'at', 'id'])
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('security_events').ifExists().execute();
    await db.schema.dropTable('trusted_devices').ifExists().execute();
    await db.schema.dropTable('sms_codes').ifExists().execute();
    await db.schema.alterTable('two_factor').dropColumn('method').execute();
    await db.schema.alterTable('sessions').dropColumn('app_version').execute();
    await db.schema.alterTable('sessions').dropColumn('device_name').execute();
    await db.schema.alterTable('sessions').dropColumn('device_id').execute();
    await db.schema.alterTable('subscribers').dropColumn('password_changed_at').execute();
    await db.schema.alterTable('subscribers').dropColumn('contact_phone').execute();
  },
};
