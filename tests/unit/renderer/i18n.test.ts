import { describe, expect, it } from 'vitest';
import { ApiBaseUrl } from '../../../contract/settings';
import { parsePhone } from '../../../contract/phone';
import { Password } from '../../../contract/http/auth';
import { ResetCode } from '../../../contract/http/recovery';
import { ChangeContactRequest, ChangePasswordRequest } from '../../../contract/http/security';
import { SecondFactorCode } from '../../../contract/http/two-factor';
import { EmailAddress } from '../../../contract/subscriber';
import type { ZodType } from 'zod';
import { ERROR_CODES } from '../../../contract/errors';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { flattenKeys, lookup, placeholdersOf } from '../../../renderer/src/i18n/keys';
import { CONTRACT_MESSAGES, contractMessage } from '../../../renderer/src/lib/messages';
import { errorMessage } from '../../../renderer/src/lib/errors';

describe('the language catalogues', () => {
  it('have exactly the same keys in English and Spanish', () => {
    const english = flattenKeys(en);
    const spanish = flattenKeys(es);
    expect(spanish.filter((key) => !english.includes(key))).toEqual([]);
    expect(english.filter((key) => !spanish.includes(key))).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    for (const key of flattenKeys(en)) {
      expect(placeholdersOf(lookup(es, key) ?? ''), key).toEqual(placeholdersOf(lookup(en, key)!));
    }
  });

  it('leave no string empty or untranslated by accident', () => {
    // Names that are the same in both languages.
    const same = new Set([
      'app.name',
      'app.titleSuffix',
      'dashboard.usage.minutesAmount',
      'statement.plan',
      'statement.subtotal',
      'statement.total',
      'settings.about',
      'security.sessions.appVersion',
      // An arrow between two values: nothing to translate.
      'plans.featureChange',
    ]);
    for (const key of flattenKeys(en)) {
      const spanish = lookup(es, key)!;
      expect(spanish.trim(), key).not.toBe('');
      if (!same.has(key)) expect(spanish, key).not.toBe(lookup(en, key));
    }
  });

  it('give plural keys both their forms', () => {
    for (const key of flattenKeys(en).filter((k) => /_(one|other)$/.test(k))) {
      const base = key.replace(/_(one|other)$/, '');
      expect(lookup(en, `${base}_one`), base).toBeDefined();
      expect(lookup(en, `${base}_other`), base).toBeDefined();
    }
  });
});

describe('contract messages', () => {
  it('map to English entries that say exactly what the contract says', () => {
    for (const [message, key] of Object.entries(CONTRACT_MESSAGES)) {
      expect(lookup(en, key), key).toBe(message);
      expect(lookup(es, key), key).toBeDefined();
    }
  });

  it('cover what parsePhone says for typical mistakes', () => {
    for (const input of [
      '',
      '206555',
      '2065550100999999',
      '(206) 555-01a0',
      '123-456-7890',
      '206 555 0100 ext 5',
    ]) {
      const result = parsePhone(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(contractMessage(result.message), input).toHaveProperty('key');
    }
  });

  it('cover what ApiBaseUrl and Password say', () => {
    for (const input of [
      '',
      'not a url',
      'ftp://example.com',
      'http://example.com',
      'https://u:p@example.com',
      'https://example.com/?a=1',
    ]) {
      const result = ApiBaseUrl.safeParse(input);
      expect(result.success, input).toBe(false);
      if (!result.success)
        expect(contractMessage(result.error.issues[0]!.message), input).toHaveProperty('key');
    }
    const password = Password.safeParse('');
    expect(password.success).toBe(false);
    if (!password.success)
      expect(contractMessage(password.error.issues[0]!.message)).toHaveProperty('key');
  });

  it('cover what the e-mail, code and password-change schemas say', () => {
    const cases: [ZodType, unknown][] = [
      [EmailAddress, ''],
      [EmailAddress, 'not an address'],
      [EmailAddress, `${'a'.repeat(250)}@example.com`],
      [ResetCode, '12345'],
      [ResetCode, undefined],
      [SecondFactorCode, 'abc'],
      [SecondFactorCode, undefined],
      [ChangePasswordRequest, { currentPassword: 'x', newPassword: '' }],
      [ChangeContactRequest, { password: 'x' }],
    ];
    for (const [schema, input] of cases) {
      const result = schema.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      if (!result.success) {
        for (const issue of result.error.issues) {
          expect(contractMessage(issue.message), issue.message).toHaveProperty('key');
        }
      }
    }
  });

  it('fall back to the verbatim text when unknown', () => {
    expect(contractMessage('Something new.')).toEqual({ text: 'Something new.' });
  });
});

describe('error messages', () => {
  it('name an existing catalogue entry for every error code', () => {
    for (const code of ERROR_CODES) {
      const message = errorMessage({ code, message: 'technical detail' });
      expect(message, code).toHaveProperty('key');
      if ('key' in message) {
        const found = lookup(en, message.key) ?? lookup(en, `${message.key}_other`);
        expect(found, `${code} → ${message.key}`).toBeDefined();
      }
    }
  });

  it('says how many tries are left after a wrong code', () => {
    expect(errorMessage({ code: 'invalid_code', message: 'x', attemptsLeft: 2 })).toEqual({
      key: 'errors.attemptsLeft',
      values: { count: 2 },
    });
    expect(errorMessage({ code: 'invalid_code', message: 'x', attemptsLeft: 0 })).toEqual({
      key: 'errors.noAttemptsLeft',
    });
    expect(errorMessage({ code: 'invalid_code', message: 'x' })).toEqual({
      key: 'errors.invalid_code',
    });
  });

  it('never says this version cannot do 2-step verification', () => {
    expect(errorMessage({ code: 'second_factor_required', message: 'x' })).toEqual({
      key: 'errors.generic',
    });
    expect(lookup(en, 'errors.second_factor_required')).toBeUndefined();
  });

  it('never shows the technical message', () => {
    expect(errorMessage({ code: 'internal_error', message: 'stack trace' })).toEqual({
      key: 'errors.generic',
    });
    expect(errorMessage({ code: 'not_signed_in', message: 'x' })).toEqual({
      key: 'errors.session_expired',
    });
  });

  it('uses the first issue of an invalid request when it is a known contract message', () => {
    expect(
      errorMessage({
        code: 'invalid_request',
        message: 'x',
        issues: [
          { path: 'phone', message: 'That phone number is too short: enter all 10 digits.' },
        ],
      }),
    ).toEqual({ key: 'validation.phone.tooShort' });
  });
});
