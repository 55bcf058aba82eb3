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
      typeof value[1] === 'string'
    ) {
      return [value[0] as K, value[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiHttpError(400, 'invalid_request', 'That page cursor is not valid. Start from the first page.', {
    issues: [{ path: 'querystring.cursor', message: 'That cursor is not valid.' }],
  });
}
