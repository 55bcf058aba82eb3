import { randomBytes } from 'node:crypto';

/**
 * A row id that says what it names (`pay_…`, `led_…`): the prefix, then 96 random bits in hex,
 * so ids of every kind look alike and none can be guessed from another.
 */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
