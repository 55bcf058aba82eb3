import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';

/**
 * The balance: the sum of the subscriber's ledger entries. It is never stored, so nothing can
 * overwrite it; every money-moving service and the account summary read it from here.
 *
 * A figure a transaction derives from it and keeps (a receipt's balance after, a charge that
 * depends on the balance) must be read under the subscriber's lock (`balanceAfter`, or
 * `lockSubscriber` first): otherwise transactions running at once all read the same sum.
 */
export async function ledgerBalance(
  db: Kysely<Database> | Transaction<Database>,
  subscriberId: string,
): Promise<number> {
  const row = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.lit(0)).as('balance'))
    .where('subscriber_id', '=', subscriberId)
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}
