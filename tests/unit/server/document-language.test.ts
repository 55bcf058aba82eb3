import { describe, expect, it } from 'vitest';
import { documentLanguage } from '../../../server/src/billing/statement-exports';

describe('the language a download is written in', () => {
  it('is `lang` when the query gives it, whatever the headers say', () => {
    expect(documentLanguage('es', 'en-US,en;q=0.9')).toBe('es');
    expect(documentLanguage('en', 'es-MX')).toBe('en');
  });

  it('is otherwise the first language of Accept-Language the API writes files in', () => {
    expect(documentLanguage(undefined, 'es-MX,es;q=0.9,en;q=0.8')).toBe('es');
    expect(documentLanguage(undefined, 'fr-FR, es;q=0.5, en;q=0.4')).toBe('es');
    expect(documentLanguage(undefined, 'en;q=0.2, ES;q=0.9')).toBe('es');
    expect(documentLanguage(undefined, ['de', 'es-US'])).toBe('es');
    // Refused outright (q=0) is never chosen.
    expect(documentLanguage(undefined, 'es;q=0, en;q=0.1')).toBe('en');
  });

  it('is English when nothing says otherwise', () => {
    expect(documentLanguage(undefined, undefined)).toBe('en');
    expect(documentLanguage(undefined, '')).toBe('en');
    expect(documentLanguage(undefined, 'fr, de;q=0.5')).toBe('en');
    expect(documentLanguage(undefined, '*')).toBe('en');
  });
});
