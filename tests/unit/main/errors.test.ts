import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TRAITS } from '../../../contract/errors';
import { AppError, isOutcomeUnknown } from '../../../main/errors';

describe('isOutcomeUnknown', () => {
  it('goes by the code’s trait when given a code', () => {
    for (const code of ERROR_CODES) {
      expect(isOutcomeUnknown(code), code).toBe(ERROR_TRAITS[code].outcomeUnknown);
    }
  });

  it('counts no answer, a timeout and a still-running first try as unknown', () => {
    expect(isOutcomeUnknown(new AppError('network_unreachable', 'x'))).toBe(true);
    expect(isOutcomeUnknown(new AppError('timeout', 'x'))).toBe(true);
    expect(
      isOutcomeUnknown(
        new AppError('idempotency_in_progress', 'x', { status: 409, retryAfterSeconds: 1 }),
      ),
    ).toBe(true);
  });

  it('counts any 5xx as unknown, whatever its code', () => {
    expect(isOutcomeUnknown(new AppError('service_unavailable', 'x', { status: 502 }))).toBe(true);
    expect(isOutcomeUnknown(new AppError('internal_error', 'x', { status: 500 }))).toBe(true);
    expect(
      isOutcomeUnknown(new AppError('payment_processor_unavailable', 'x', { status: 503 })),
    ).toBe(true);
  });

  it('counts an unreadable answer as unknown unless the API refused the request', () => {
    const unreadable = (status?: number) =>
      isOutcomeUnknown(new AppError('invalid_response', 'x', status ? { status } : {}));
    expect(unreadable()).toBe(true);
    expect(unreadable(201)).toBe(true);
    expect(unreadable(302)).toBe(true);
    expect(unreadable(409)).toBe(true);
    expect(unreadable(404)).toBe(false);
    expect(unreadable(422)).toBe(false);
  });

  it('counts a refusal, and what main refuses before sending, as known', () => {
    const declined = new AppError('card_declined', 'x', {
      status: 402,
      declineCode: 'insufficient_funds',
    });
    expect(isOutcomeUnknown(declined)).toBe(false);
    expect(isOutcomeUnknown(new AppError('rate_limited', 'x', { status: 429 }))).toBe(false);
    expect(isOutcomeUnknown(new AppError('plan_price_changed', 'x', { status: 409 }))).toBe(false);
    expect(isOutcomeUnknown(new AppError('not_signed_in', 'x'))).toBe(false);
  });

  it('counts anything that is not an AppError as unknown: nothing says it was not sent', () => {
    expect(isOutcomeUnknown(new Error('boom'))).toBe(true);
    expect(isOutcomeUnknown(undefined)).toBe(true);
  });
});

describe('AppError.toApiError', () => {
  it('hands the renderer every detail but the status and the second-factor challenge', () => {
    const error = new AppError('card_declined', 'Declined.', {
      status: 402,
      declineCode: 'insufficient_funds',
      secondFactor: { challenge: 'secret', expiresIn: 300, method: 'totp' },
    });
    expect(error.toApiError()).toEqual({
      code: 'card_declined',
      message: 'Declined.',
      declineCode: 'insufficient_funds',
    });
    // The error itself keeps them, for main.
    expect(error.extra.status).toBe(402);
    expect(error.extra.secondFactor?.challenge).toBe('secret');
  });
});
