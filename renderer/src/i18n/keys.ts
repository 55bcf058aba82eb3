import type en from './en.json';

type PluralSuffix = 'one' | 'other';
type WithoutPlural<K extends string> = K extends `${infer Base}_${PluralSuffix}` ? Base : K;

type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string
    ? `${Prefix}${WithoutPlural<K>}`
    : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/**
 * Every key in the English catalogue, dotted (`signIn.heading`); plural keys appear once,
 * without their `_one`/`_other` suffix, and take a `count`. English is the reference: a key
 * missing there is a compile error wherever it is used.
 */
export type TranslationKey = Leaves<typeof en>;

export type TranslationValues = Record<string, string | number>;

/** Text to show, either from the catalogue or (rarely) verbatim from elsewhere. */
export type Message = { key: TranslationKey; values?: TranslationValues } | { text: string };

type Catalogue = { [key: string]: string | Catalogue };

/** The dotted paths of every string in a catalogue, sorted. */
export function flattenKeys(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue)
    .flatMap(([key, value]) =>
      typeof value === 'string' ? [prefix + key] : flattenKeys(value, `${prefix}${key}.`),
    )
    .sort();
}

/** The string at a dotted path, if there is one. */
export function lookup(catalogue: Catalogue, path: string): string | undefined {
  let node: string | Catalogue | undefined = catalogue;
  for (const part of path.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** The `{{placeholders}}` a string uses, sorted and without repeats. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]!))].sort();
}
