import { createHmac, randomInt } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { REFILL_PIN_DIGITS } from '../../../contract/http/payments';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import type { KeyRing } from '../keys/key-ring';

/**
 * Digits in a PIN this API makes. A PIN as typed is checked and reduced to them by the contract's
 * one rule, `RefillPin`, before it is hashed (see `PaymentService.refill`).
 */
export const PIN_DIGITS = REFILL_PIN_DIGITS;

/** `1234-5678-9012-3456`: how a PIN is printed on a card. */
export function formatPin(digits: string): string {
  return digits.match(/\d{4}/g)!.join('-');
}

export function hashPin(key: string, digits: string): string {
  return createHmac('sha256', key).update(digits).digest('hex');
}

/** A typed PIN's hash under one key, and the `key_id` a PIN hashed with that key is stored with. */
export interface PinCandidate {
  hash: string;
  keyId: string | null;
}

/**
 * The hashes a typed PIN would be stored as, one per key of `keys` (a bare key: the one hash
 * PINs had before key ids). Each is looked up together with its key id, so a PIN is only ever
 * checked against the key it was made with.
 */
export function pinCandidates(keys: string | KeyRing, digits: string): PinCandidate[] {
  if (typeof keys === 'string') return [{ hash: hashPin(keys, digits), keyId: null }];
  const candidates = keys.keys.map((k): PinCandidate => ({
    hash: hashPin(k.secret, digits),
    keyId: k.id,
  }));
  if (keys.unmarked) candidates.push({ hash: hashPin(keys.unmarked.secret, digits), keyId: null });
  return candidates;
}

/**
 * Marks the PIN matching one of `candidates` redeemed by `subscriberId` and returns its value, or
 * `undefined` for a PIN that does not exist or was used. The conditional update is the whole
 * check: of any number of redemptions of one PIN at once, on any instances, exactly one gets its
 * value.
 */
export function redeemPin(
  trx: Transaction<Database>,
  candidates: PinCandidate[] | string,
  subscriberId: string,
  now: number,
): Promise<{ value_cents: number; currency: string } | undefined> {
  const list: PinCandidate[] =
    typeof candidates === 'string' ? [{ hash: candidates, keyId: null }] : candidates;
  return trx
    .updateTable('refill_pins')
    .set({ redeemed_at: now, redeemed_by: subscriberId })
    .where((eb) =>
      eb.or(
        list.map((c) =>
          eb.and([
            eb('pin_hash', '=', c.hash),
            c.keyId === null ? eb('key_id', 'is', null) : eb('key_id', '=', c.keyId),
          ]),
        ),
      ),
    )
    .where('redeemed_at', 'is', null)
    .returning(['value_cents', 'currency'])
    .executeTakeFirst();
}

/**
 * Makes `count` new PINs worth `valueCents` each and returns them in clear, once: only their
 * HMAC is stored, under the current key (whose id is stored with it). Digits come from the CSPRNG; a collision with an existing PIN is drawn again.
 */
export async function generatePins(
  db: Kysely<Database>,
  clock: Clock,
  keys: string | KeyRing,
  options: { count: number; valueCents: number; currency?: string; batch?: string },
): Promise<{ batch: string; pins: string[] }> {
  const now = clock.now();
  const batch = options.batch ?? `batch-${new Date(now).toISOString().slice(0, 10)}`;
  const key = typeof keys === 'string' ? keys : keys.current.secret;
  const keyId = typeof keys === 'string' ? null : keys.current.id;
  const pins: string[] = [];
  while (pins.length < options.count) {
    let digits = '';
    for (let i = 0; i < PIN_DIGITS; i += 1) digits += String(randomInt(10));
    const inserted = await db
      .insertInto('refill_pins')
      .values({
        pin_hash: hashPin(key, digits),
        value_cents: options.valueCents,
        currency: options.currency ?? 'USD',
        batch,
        created_at: now,
        redeemed_at: null,
        redeemed_by: null,
        key_id: keyId,
      })
      .onConflict((oc) => oc.column('pin_hash').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) pins.push(formatPin(digits));
  }
  return { batch, pins };
}
