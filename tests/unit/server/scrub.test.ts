import { describe, expect, it } from 'vitest';
import { scrubDeep, scrubText } from '../../../server/src/logging/scrub';
import { serializeError } from '../../../server/src/logging/logger-options';
import { DeliveryError } from '../../../server/src/delivery/types';

describe('scrubText', () => {
  it('removes phone numbers however they are written', () => {
    for (const phone of ['+12065550100', '(206) 555-0100', '206-555-0100', '206.555.0100']) {
      expect(scrubText(`to ${phone} refused`), phone).toBe('to [number] refused');
    }
  });

  it('removes e-mail addresses, codes, PINs, card numbers and tokens', () => {
    expect(scrubText('recipient refused: maria.garcia+1@example.com')).toBe(
      'recipient refused: [email]',
    );
    expect(scrubText('Airtime code: 482913. It expires')).toBe(
      'Airtime code: [digits]. It expires',
    );
    expect(scrubText('card 4242 4242 4242 4242 declined')).toBe('card [number] declined');
    expect(scrubText('pin 12345678901234')).toBe('pin [number]');
    expect(scrubText('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop')).toBe(
      'Bearer [token]',
    );
  });

  it('keeps the words that say what went wrong', () => {
    expect(scrubText('SMS gateway answered 503: service unavailable')).toBe(
      'SMS gateway answered 503: service unavailable',
    );
  });
});

describe('scrubDeep and serializeError', () => {
  it('scrubs every string in a structure', () => {
    expect(scrubDeep({ a: ['x +12065550100'], b: { c: 'maria@example.com', d: 3 } })).toEqual({
      a: ['x [number]'],
      b: { c: '[email]', d: 3 },
    });
  });

  it("scrubs an error's message, stack and causes", () => {
    const cause = new Error('550 <maria@example.com>: mailbox unavailable');
    const error = new Error('could not send code 482913', { cause });
    const serialized = JSON.stringify(serializeError(error));
    expect(serialized).not.toMatch(/maria|482913/);
    expect(serialized).toContain('mailbox unavailable');
  });

  it("a delivery error keeps the provider's words but none of what it quoted", () => {
    const error = new DeliveryError('SMS gateway answered 400: bad number +12065550100', {
      cause: new Error('code 482913 for maria@example.com'),
    });
    expect(error.message).toBe(
      'SMS gateway answered 400: bad number [number] (code [digits] for [email])',
    );
    expect(error.cause).toBeUndefined();
  });
});
