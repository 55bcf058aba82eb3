const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Gives every integer in the OpenAPI document the format its bounds already imply: `int32` when
 * its minimum and maximum fit in 32 bits, `int64` otherwise (every JavaScript safe integer fits
 * in 64). zod writes the bounds but never a format, and a client generator needs the format to
 * pick a type. The bounds themselves come from the schemas the routes validate with, unchanged.
 */
export function addIntegerFormats<T>(document: T): T {
  visit(document, new WeakSet());
  return document;
}

function visit(node: unknown, seen: WeakSet<object>): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) visit(item, seen);
    return;
  }
  const schema = node as Record<string, unknown>;
  if (schema['type'] === 'integer' && schema['format'] === undefined) {
    const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : -Infinity;
    const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : Infinity;
    schema['format'] = min >= INT32_MIN && max <= INT32_MAX ? 'int32' : 'int64';
  }
  for (const value of Object.values(schema)) visit(value, seen);
}
