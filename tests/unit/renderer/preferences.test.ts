import { describe, expect, it } from 'vitest';
import { isRetryable, isSessionEnded, waitMessage } from '../../../renderer/src/lib/errors';
import {
  languageFromTag,
  resolveLanguage,
  resolveTheme,
} from '../../../renderer/src/lib/preferences';

describe('theme and language', () => {
  it('follows the operating system only for "system"', () => {
    expect(resolveTheme('system', 'dark')).toBe('dark');
    expect(resolveTheme('system', 'light')).toBe('light');
    expect(resolveTheme('light', 'dark')).toBe('light');
    expect(resolveTheme('dark', 'light')).toBe('dark');
    expect(resolveLanguage('system', 'es')).toBe('es');
    expect(resolveLanguage('en', 'es')).toBe('en');
    expect(resolveLanguage('es', 'en')).toBe('es');
  });

  it('guesses Spanish for any es-* tag and English otherwise', () => {
    expect(languageFromTag('es-US')).toBe('es');
    expect(languageFromTag('ES')).toBe('es');
    expect(languageFromTag('en-GB')).toBe('en');
    expect(languageFromTag('fr-FR')).toBe('en');
    expect(languageFromTag(undefined)).toBe('en');
  });
});

describe('error classes', () => {
  it('offers Retry only for connection failures', () => {
    expect(isRetryable('network_unreachable')).toBe(true);
    expect(isRetryable('timeout')).toBe(true);
    expect(isRetryable('service_unavailable')).toBe(true);
    expect(isRetryable('invalid_credentials')).toBe(false);
    expect(isRetryable('account_locked')).toBe(false);
  });

  it('knows which answers end the session', () => {
    expect(isSessionEnded('session_expired')).toBe(true);
    expect(isSessionEnded('not_signed_in')).toBe(true);
    expect(isSessionEnded('timeout')).toBe(false);
  });

  it('says how long to wait in whole minutes', () => {
    expect(waitMessage({ code: 'account_locked', message: '', retryAfterSeconds: 899 })).toEqual({
      key: 'errors.waitMinutes',
      values: { count: 15 },
    });
    expect(waitMessage({ code: 'account_locked', message: '' })).toBeNull();
  });
});
