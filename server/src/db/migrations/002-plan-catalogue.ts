import type { Kysely, Migration } from 'kysely';

/**
 * The starting plan catalogue, so a fresh server can take subscribers at once. Carriers edit
 * plans in the database; ids are stable because subscribers and imports refer to them.
 */
export const PLAN_CATALOGUE = [
  {
    id: 'talk-text-1gb',
    name: 'Talk & Text 1 GB',
    price_cents: 15_00,
    currency: 'USD',
    data_mb: 1024,
    data_after_allowance: 'blocked',
    hotspot_mb: 0,
    talk_minutes: 500,
    texts: 1000,
    intl_texting: 0,
    taxes_included: 0,
    sort_order: 10,
    active: 1,
  },
  {
    id: 'starter-5gb',
    name: 'Starter 5 GB',
    price_cents: 25_00,
    currency: 'USD',
    data_mb: 5 * 1024,
    data_after_allowance: 'slowed',
    hotspot_mb: 0,
    talk_minutes: null,
    texts: null,
    intl_texting: 0,
    taxes_included: 0,
    sort_order: 20,
    active: 1,
  },
  {
    id: 'value-15gb',
    name: 'Value 15 GB',
    price_cents: 35_00,
    currency: 'USD',
    data_mb: 15 * 1024,
    data_after_allowance: 'slowed',
    hotspot_mb: 5 * 1024,
    talk_minutes: null,
    texts: null,
    intl_texting: 1,
    taxes_included: 1,
    sort_order: 30,
    active: 1,
  },
  {
    id: 'unlimited',
    name: 'Unlimited',
    price_cents: 50_00,
    currency: 'USD',
    data_mb: null,
    data_after_allowance: 'none',
    hotspot_mb: 15 * 1024,
    talk_minutes: null,
    texts: null,
    intl_texting: 1,
    taxes_included: 1,
    sort_order: 40,
    active: 1,
  },
] as const;

export const planCatalogue: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db
      .insertInto('plans')
      .values([...PLAN_CATALOGUE])
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db
      .deleteFrom('plans')
      .where(
        'id',
        'in',
        PLAN_CATALOGUE.map((p) => p.id),
      )
      .execute();
  },
};
