import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CARD_BRAND_NAMES, CARD_BRANDS, DeclineCodeField } from '../../../contract/cards';
import {
  ApiErrorBody,
  ERROR_CODES,
  ERROR_DETAIL_FIELDS,
  ERROR_TRAITS,
  ErrorDetails,
  endsSession,
  errorIssueOf,
  isRetryable,
  refusesCredential,
} from '../../../contract/errors';
import { Payment } from '../../../contract/http/account';
import {
  VALIDATION_ISSUES,
  VALIDATION_MESSAGES,
  issue,
  says,
  validationIssueOf,
} from '../../../contract/validation';

describe('error traits', () => {
  it('describe every code and nothing else', () => {
    expect(Object.keys(ERROR_TRAITS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('name only details the error body has, each carried by some code', () => {
    const carried = new Set(Object.values(ERROR_TRAITS).flatMap((t) => [...t.details]));
    expect([...carried].sort()).toEqual([...ERROR_DETAIL_FIELDS].sort());
    expect(Object.keys(ErrorDetails.shape).sort()).toEqual([...ERROR_DETAIL_FIELDS].sort());
  });

  it('give every code the API sends an error status, and codes the app makes none', () => {
    const appOnly = [
      'network_unreachable',
      'timeout',
      'invalid_response',
      'forbidden',
      'not_signed_in',
      'session_expired',
      'keychain_unavailable',
      'kiosk_feature_off',
      'managed_by_policy',
      'staff_pin_wrong',
      'printer_unavailable',
    ];
    for (const code of ERROR_CODES) {
      const { status } = ERROR_TRAITS[code];
      if (appOnly.includes(code)) expect(status, code).toEqual([]);
      else expect(status.length, code).toBeGreaterThan(0);
      for (const s of status) expect(s >= 400 && s < 600, `${code} ${s}`).toBe(true);
    }
  });

  it('say which failures a retry may fix', () => {
    expect(ERROR_CODES.filter(isRetryable).sort()).toEqual(
      [
        'idempotency_in_progress',
        'network_unreachable',
        'payment_processor_unavailable',
        'service_unavailable',
        'timeout',
      ].sort(),
    );
    // A refusal of the request itself is never worth sending again as it is.
    for (const code of [
      'card_declined',
      'invalid_request',
      'rate_limited',
      'internal_error',
    ] as const)
      expect(isRetryable(code), code).toBe(false);
  });

  it('say which failures leave the outcome unknown', () => {
    expect(ERROR_CODES.filter((c) => ERROR_TRAITS[c].outcomeUnknown).sort()).toEqual(
      [
        'idempotency_in_progress',
        'internal_error',
        'invalid_response',
        'network_unreachable',
        'service_unavailable',
        'timeout',
      ].sort(),
    );
  });

  it('say which answers end the session and which refuse the credential sent', () => {
    expect(ERROR_CODES.filter(endsSession).sort()).toEqual(
      ['invalid_refresh_token', 'not_signed_in', 'refresh_token_reused', 'session_expired'].sort(),
    );
    expect(ERROR_CODES.filter(refusesCredential).sort()).toEqual(['token_expired', 'unauthorized']);
  });
});

describe('error bodies', () => {
  it('carry a decline reason, and read one this version does not know as the general refusal', () => {
    const parse = (declineCode: string) =>
      ApiErrorBody.parse({ error: { code: 'card_declined', message: 'x', declineCode } }).error;
    expect(parse('insufficient_funds').declineCode).toBe('insufficient_funds');
    expect(parse('lost_card').declineCode).toBe('card_declined');
    expect(DeclineCodeField.parse('do_not_honor')).toBe('card_declined');
  });

  it('are never sent with a decline reason the contract does not know', () => {
    const body = { error: { code: 'card_declined', message: 'x', declineCode: 'lost_card' } };
    expect(z.safeEncode(ApiErrorBody, body as never).success).toBe(false);
  });

  it('keep an issue key, and drop one this version does not know', () => {
    const parse = (issue: string) =>
      ApiErrorBody.parse({
        error: {
          code: 'invalid_request',
          message: 'x',
          issues: [{ path: 'p', message: 'm', issue }],
        },
      }).error.issues![0]!;
    expect(parse('phone.tooShort')).toEqual({ path: 'p', message: 'm', issue: 'phone.tooShort' });
    expect(parse('phone.tooQuiet').issue).toBeUndefined();
  });

  it('read a payment whose decline reason is newer than this version', () => {
    const payment = Payment.parse({
      id: 'pay_1',
      createdAt: '2026-11-20T10:00:00.000Z',
      amount: { amountCents: 2000, currency: 'USD' },
      method: 'card',
      item: { kind: 'card_payment', brand: 'visa', last4: '4242' },
      cardLast4: '4242',
      cardBrand: 'visa',
      status: 'failed',
      declineCode: 'pickup_card',
    });
    expect(payment.declineCode).toBe('card_declined');
  });
});

describe('validation issues', () => {
  it('have an English sentence each, all different', () => {
    expect(Object.keys(VALIDATION_MESSAGES).sort()).toEqual([...VALIDATION_ISSUES].sort());
    const sentences = Object.values(VALIDATION_MESSAGES);
    expect(new Set(sentences).size).toBe(sentences.length);
  });

  it('put their key on the issues zod raises itself, through the error map', () => {
    // `says` relies on zod reporting the very issue it handed the error map: this pins it.
    const schema = z
      .string(says('password.empty'))
      .min(1, says('password.empty'))
      .max(3, says('password.tooLong'));
    for (const [input, key] of [
      [undefined, 'password.empty'],
      ['', 'password.empty'],
      ['abcd', 'password.tooLong'],
    ] as const) {
      const found = schema.safeParse(input).error!.issues[0]!;
      expect(found.message).toBe(VALIDATION_MESSAGES[key]);
      expect(validationIssueOf(found)).toBe(key);
    }
  });

  it('put their key on custom issues', () => {
    const schema = z.string().refine((v) => v === 'ok', issue('email.nothingToChange'));
    const found = schema.safeParse('no').error!.issues[0]!;
    expect(validationIssueOf(found)).toBe('email.nothingToChange');
    expect(errorIssueOf(found, 'body.email')).toEqual({
      path: 'body.email',
      message: VALIDATION_MESSAGES['email.nothingToChange'],
      issue: 'email.nothingToChange',
    });
  });

  it('leave an issue without a key as it is', () => {
    const found = z.string().min(2, 'Too short.').safeParse('a').error!.issues[0]!;
    expect(validationIssueOf(found)).toBeUndefined();
    expect(errorIssueOf(found, 'name')).toEqual({ path: 'name', message: 'Too short.' });
  });
});

describe('card brands', () => {
  it('have a printed name each', () => {
    expect(Object.keys(CARD_BRAND_NAMES).sort()).toEqual([...CARD_BRANDS].sort());
  });
});
