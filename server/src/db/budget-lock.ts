import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema';

/**
 * Budgets (tries, codes, texts) are decided one request at a time, on every database and across
 * every API instance: the deciding transaction first takes the budget's lock row, then reads the
 * count, acts and writes, and only then lets the next request in.
 *
 * The lock is an upsert on `budget_locks`: on PostgreSQL, `INSERT … ON CONFLICT DO UPDATE` holds
 * the row lock until the transaction ends, so a second transaction on the same key waits; on
 * SQLite every write transaction already runs alone. A key names what is counted, e.g.
 * `reset-send:phone:+12065550100`.
 */
export async function lockBudget(trx: Transaction<Database>, key: string, now: number) {
  await trx
    .insertInto('budget_locks')
    .values({ key, touched_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ touched_at: now }))
    .execute();
}

/**
 * Runs `decide` in a transaction holding the lock of every key, taken in sorted order so two
 * requests that share keys never wait for each other in a cycle.
 */
export function withBudgetLocks<T>(
  db: Kysely<Database>,
  keys: readonly string[],
  now: number,
  decide: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    for (const key of [...new Set(keys)].sort()) await lockBudget(trx, key, now);
    return decide(trx);
  });
}

/** Lock rows untouched for this long hold no budget any more and may be deleted. */
export const BUDGET_LOCK_IDLE_MS = 2 * 24 * 60 * 60 * 1000;
