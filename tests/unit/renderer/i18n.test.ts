import { describe, expect, it } from 'vitest';
import { ApiBaseUrl } from '../../../contract/settings';
import { parsePhone } from '../../../contract/phone';
import { Password } from '../../../contract/http/auth';
import { ResetCode } from '../../../contract/http/recovery';
import { ChangeContactRequest, ChangePasswordRequest } from '../../../contract/http/security';
import { SecondFactorCode } from '../../../contract/http/two-factor';
import { EmailAddress } from '../../../contract/subscriber';
import type { ZodType } from 'zod';
import { CARD_BRANDS, DECLINE_CODES } from '../../../contract/cards';
import { ERROR_CODES } from '../../../contract/errors';
import { VALIDATION_ISSUES, VALIDATION_MESSAGES } from '../../../contract/validation';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { flattenKeys, lookup, placeholdersOf } from '../../../renderer/src/i18n/keys';
import {
  issueMessage,
  parseErrorMessage,
  validationMessage,
} from '../../../renderer/src/lib/messages';
import { errorMessage, isSessionEnded } from '../../../renderer/src/lib/errors';

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
      // Card brands are names.
      'cards.brand.visa',
      'cards.brand.mastercard',
      'cards.brand.amex',
      'cards.brand.discover',
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

describe('every contract code in both languages', () => {
  // A key missing in English does not compile (`renderer/src/lib/messages.ts`); these check that
  // Spanish has each one too, and that the English is really there at run time.
  const both = (key: string) => {
    expect(lookup(en, key), `${key} (en)`).toBeTruthy();
    expect(lookup(es, key), `${key} (es)`).toBeTruthy();
  };

  it('words every error code', () => {
    for (const code of ERROR_CODES) both(`errors.${code}`);
  });

  it('words every validation issue', () => {
    for (const issue of VALIDATION_ISSUES) both(`validation.${issue}`);
  });

  it('names every card brand and every decline reason', () => {
    for (const brand of CARD_BRANDS) both(`cards.brand.${brand}`);
    for (const code of DECLINE_CODES) both(`cards.decline.${code}`);
  });

  it('says in English what the contract says, so the API and the app agree', () => {
    for (const issue of VALIDATION_ISSUES) {
      expect(lookup(en, `validation.${issue}`), issue).toBe(VALIDATION_MESSAGES[issue]);
    }
  });
});

describe('validation messages', () => {
  it('word what parsePhone says for typical mistakes by its key', () => {
    for (const [input, issue] of [
      ['', 'phone.empty'],
      ['206555', 'phone.tooShort'],
      ['2065550100999999', 'phone.tooManyDigits'],
      ['(206) 555-01a0', 'phone.characters'],
      ['123-456-7890', 'phone.invalid'],
      ['206 555 0100 ext 5', 'phone.extension'],
    ] as const) {
      const result = parsePhone(input);
      expect(result.ok, input).toBe(false);
      if (!result.ok) {
        expect(result.issue, input).toBe(issue);
        expect(validationMessage(result.issue)).toEqual({ key: `validation.${issue}` });
      }
    }
  });

  it('word what ApiBaseUrl and Password say by key, whatever the English says', () => {
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
      if (!result.success) {
        const message = parseErrorMessage(result.error, 'apiBaseUrl.empty');
        expect(message, input).toHaveProperty('key');
      }
    }
    const password = Password.safeParse('');
    expect(password.success).toBe(false);
    if (!password.success) {
      expect(parseErrorMessage(password.error, 'password.tooLong')).toEqual({
        key: 'validation.password.empty',
      });
    }
  });

  it('word what the e-mail, code and password-change schemas say', () => {
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
          expect(issueMessage(issue), issue.message).toHaveProperty('key');
        }
      }
    }
  });

  it('word an issue of an error body by its key, and keep the text of one without', () => {
    expect(issueMessage({ message: 'Changed wording.', issue: 'phone.tooShort' })).toEqual({
      key: 'validation.phone.tooShort',
    });
    expect(issueMessage({ message: 'Something new.' })).toEqual({ text: 'Something new.' });
  });
});

describe('error messages', () => {
  it('word every error code by its own entry', () => {
    for (const code of ERROR_CODES) {
      const message = errorMessage({ code, message: 'technical detail' });
      expect(message, code).toEqual({ key: `errors.${code}` });
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

  it('says why a card was declined when the processor said, and what to do otherwise', () => {
    expect(
      errorMessage({ code: 'card_declined', message: 'x', declineCode: 'insufficient_funds' }),
    ).toEqual({ key: 'cards.decline.insufficient_funds' });
    expect(
      errorMessage({ code: 'card_declined', message: 'x', declineCode: 'card_declined' }),
    ).toEqual({ key: 'errors.card_declined' });
    expect(errorMessage({ code: 'card_declined', message: 'x' })).toEqual({
      key: 'errors.card_declined',
    });
  });

  it('never says this version cannot do 2-step verification', () => {
    expect(lookup(en, 'errors.second_factor_required')).not.toMatch(/version|support|update/i);
  });

  it('never shows the technical message', () => {
    for (const code of ERROR_CODES) {
      const message = errorMessage({ code, message: 'stack trace' });
      expect('text' in message, code).toBe(false);
    }
  });

  it('uses the first issue of an invalid request by its key, not its English', () => {
    expect(
      errorMessage({
        code: 'invalid_request',
        message: 'x',
        issues: [{ path: 'phone', message: 'Any wording at all.', issue: 'phone.tooShort' }],
      }),
    ).toEqual({ key: 'validation.phone.tooShort' });
    expect(
      errorMessage({
        code: 'invalid_request',
        message: 'x',
        issues: [
          { path: 'phone', message: 'That phone number is too short: enter all 10 digits.' },
        ],
      }),
    ).toEqual({ key: 'errors.invalid_request' });
  });

  it('treats a refused access token as the end of the session: main already tried a refresh', () => {
    const ended = ERROR_CODES.filter(isSessionEnded);
    expect(ended.sort()).toEqual(
      [
        'invalid_refresh_token',
        'not_signed_in',
        'refresh_token_reused',
        'session_expired',
        'token_expired',
        'unauthorized',
      ].sort(),
    );
  });
});
