import { ApiHttpError } from '../errors';

/** Keyset cursors: the sort key of the last row seen, as opaque base64url JSON. */
export function encodeCursor(key: readonly [string | number, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends string | number>(
  cursor: string,
  keyType: 'string' | 'number',
): [K, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === keyType &&
      // Number keys are epoch milliseconds: 1.5 or 1e400 would reach the database and fail there,
      // as would a NUL character in a string (PostgreSQL text cannot hold one).
      (keyType === 'string' ? !value[0].includes('\u0000') : Number.isSafeInteger(value[0])) &&
      typeof value[1] === 'string' &&
      !value[1].includes('\u0000')
    ) {
      return [value[0] as K, value[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiHttpError(
    400,
    'invalid_request',
    'That page cursor is not valid. Start from the first page.',
    {
      issues: [{ path: 'querystring.cursor', message: 'That cursor is not valid.' }],
    },
  );
}

/**
 * Turns `limit + 1` rows fetched in keyset order into one page: the extra row only says whether
 * another page exists, and the cursor is the sort key of the page's last row.
 */
export function toPage<Row>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => readonly [string | number, string],
): { page: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
