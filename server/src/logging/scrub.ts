/**
 * What a log line must never carry: phone numbers, e-mail addresses, codes, PINs, tokens and card
 * numbers. Structured fields are redacted by name (see `logger-options.ts`); free text — an
 * error's message and stack, often quoting what a provider or the database was sent — goes
 * through {@link scrubText}, which replaces anything shaped like one of those.
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  // Tokens and keys: long runs of base64url, hex or JWT parts.
  [/[A-Za-z0-9_-]{16,}(?:\.[A-Za-z0-9_-]{8,}){1,2}|[A-Za-z0-9_-]{24,}/g, '[token]'],
  // Phone and card numbers, however they are spaced or punctuated.
  [/\+?\(?\d[\d ().-]{6,}\d/g, '[number]'],
  // Codes and PINs: any run of four digits or more left.
  [/\d{4,}/g, '[digits]'],
];

export function scrubText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

/** Every string inside `value`, scrubbed; the shape is kept. Cycles are cut. */
export function scrubDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, seen)]));
}
