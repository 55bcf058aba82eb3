import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { ledgerBalance } from './ledger';
import { lockSubscriber } from '../account/plan-change-store';

/**
 * What the balance will be once the transaction `trx` adds `deltaCents`: the "balance after" a
 * receipt prints.
 *
 * The subscriber's lock is taken first. Every transaction that moves this subscriber's money
 * takes it before reading the balance, so they run one after the other, and on PostgreSQL the
 * sum read after the lock was granted sees everything the previous holder committed (each
 * statement reads what was committed when it began). Without it, transactions running at once
 * all read the balance as it was before any of them, and ten $10 refills would each print $10.
 */
export async function balanceAfter(
  trx: Transaction<Database>,
  subscriberId: string,
  deltaCents: number,
): Promise<number> {
  await lockSubscriber(trx, subscriberId);
  return (await ledgerBalance(trx, subscriberId)) + deltaCents;
}
