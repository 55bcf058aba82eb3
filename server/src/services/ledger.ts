import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';

/**
 * The balance: the sum of the subscriber's ledger entries. It is never stored, so nothing can
 * overwrite it; every money-moving service and the account summary read it from here.
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
