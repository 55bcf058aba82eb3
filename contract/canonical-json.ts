/**
 * JSON with object keys sorted and undefined members left out, so `{a,b}` and `{b,a}` are the
 * same request. The rule of "the same request" for idempotency: the API hashes it to tell a
 * retry from another request under one key, and the app uses it to tell a retry of what was
 * asked from a new action.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
