import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { recordWindowedFailure } from '../auth/captcha';
import { HOUR_MS } from '../clock';

/**
 * The budget of wrong refill PINs. A PIN is 16 digits, so guessing one takes an enormous number
 * of tries; the budget keeps that number small per account and per client. It only holds if
 * every try is counted before the next one is looked at, so the check, the PIN lookup and the
 * count happen in one transaction under the budget's locks (`withBudgetLocks`, keys from
 * `refillBudgetKeys`): a burst of tries, spread over any number of API instances, is decided one
 * try at a time.
 */
export interface RefillLimit {
  /** Wrong PINs allowed per subscriber and per client (address or kiosk visit) within `windowMs`. */
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_REFILL_LIMIT: RefillLimit = { maxFailures: 5, windowMs: HOUR_MS };

/**
 * The account's counter, and the client's (`refill:ip:<address>` or `refill:kiosk:<id>:<visit>`):
 * also the names of the budget locks that serialise the tries.
 */
export function refillBudgetKeys(subscriberId: string, client: string | undefined): string[] {
  return client
    ? [`refill:sub:${subscriberId}`, `refill:${client}`]
    : [`refill:sub:${subscriberId}`];
}

/**
 * Seconds until a try is allowed again when any of `keys` has spent its budget, else `null`.
 * Call it inside the transaction holding the locks of `keys`, so the answer still holds when the
 * PIN is looked at.
 */
export async function refillRetryAfter(
  trx: Transaction<Database>,
  keys: readonly string[],
  now: number,
  limit: RefillLimit,
): Promise<number | null> {
  const rows = await trx
    .selectFrom('risk_counters')
    .select(['failures', 'window_started_at'])
    .where('key', 'in', [...keys])
    .where('window_started_at', '>', now - limit.windowMs)
    .execute();
  const blocking = rows.filter((r) => r.failures >= limit.maxFailures);
  if (blocking.length === 0) return null;
  const until = Math.max(...blocking.map((r) => Number(r.window_started_at) + limit.windowMs));
  return Math.max(1, Math.ceil((until - now) / 1000));
}

/** Counts a wrong (or already used) PIN against every key, in the same locked transaction. */
export async function recordWrongRefillPin(
  trx: Transaction<Database>,
  keys: readonly string[],
  now: number,
  limit: RefillLimit,
): Promise<void> {
  await recordWindowedFailure(trx, [...keys], now, limit.windowMs);
}
