import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

/*
 * Tries at 2-step codes. A code is compared only after its try is taken, by one conditional
 * `UPDATE … RETURNING` that counts the try while any are left: requests sent together each get
 * their own try or none, so no more codes are compared than allowed, and a right code that comes
 * after the tries are spent is never compared at all. Reading the count first and counting after
 * the comparison would let every request of a burst through.
 */

/**
 * Takes one of a sign-in challenge's tries. Returns the tries left after this one, or null when
 * the challenge is used, expired, out of tries or unknown.
 */
export async function takeChallengeTry(
  db: Kysely<Database>,
  tokenHash: string,
  now: number,
  maxTries: number,
): Promise<number | null> {
  const row = await db
    .updateTable('second_factor_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('attempts', '<', maxTries)
    .returning('attempts')
    .executeTakeFirst();
  return row ? maxTries - row.attempts : null;
}

/** A texted code whose try was taken: what to compare with, and the tries left after this one. */
export interface TextedCodeTry {
  codeSalt: string;
  codeHash: string;
  triesLeft: number;
}

/** Takes one of a texted code's tries; null when it is used, expired or out of tries. */
export async function takeTextedCodeTry(
  db: Kysely<Database>,
  id: string,
  now: number,
  maxTries: number,
): Promise<TextedCodeTry | null> {
  const row = await db
    .updateTable('sms_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('attempts', '<', maxTries)
    .returning(['attempts', 'code_salt', 'code_hash'])
    .executeTakeFirst();
  if (!row) return null;
  return { codeSalt: row.code_salt, codeHash: row.code_hash, triesLeft: maxTries - row.attempts };
}

/** Marks a texted code used; false when another request used it first. */
export async function spendTextedCode(
  db: Kysely<Database>,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('sms_codes')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
