import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  E164Phone,
  PHONE_INPUT_MAX_LENGTH,
  PhoneInput,
  formatPhone,
  formatPhoneAsYouType,
  maskPhone,
  parsePhone,
} from '../../../contract/phone';

const MESSAGES = {
  empty: 'Enter your phone number.',
  letters: 'A phone number can only contain digits, spaces, + ( ) - and .',
  tooShort: 'That phone number is too short: enter all 10 digits.',
  tooLongText: 'That is too long to be a phone number.',
  tooManyDigits: 'That phone number has too many digits.',
  invalid: 'That is not a valid phone number.',
  extension: 'Enter the phone number without an extension.',
};

function rejection(input: string): string {
  const result = parsePhone(input);
  if (result.ok) throw new Error(`expected "${input}" to be rejected, got ${result.e164}`);
  return result.message;
}

describe('parsePhone', () => {
  it.each([
    '(206) 555-0100',
    '206.555.0100',
    '+1 206 555 0100',
    '2065550100',
    ' 206-555-0100 ',
    '1 (206) 555-0100',
    '+12065550100',
  ])('reads %j as +12065550100', (input) => {
    expect(parsePhone(input)).toEqual({ ok: true, e164: '+12065550100' });
  });

  it('reads a number with its own country code in international form', () => {
    expect(parsePhone('+44 20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
  });

  it('asks for a number when the input is empty or only spaces', () => {
    expect(rejection('')).toBe(MESSAGES.empty);
    expect(rejection('   ')).toBe(MESSAGES.empty);
  });

  it('says which characters are allowed when the input has letters', () => {
    expect(rejection('abc')).toBe(MESSAGES.letters);
    expect(rejection('206-555-CALL')).toBe(MESSAGES.letters);
    expect(rejection('phone 2065550100')).toBe(MESSAGES.letters);
  });

  it('says a number with too few digits is too short', () => {
    expect(rejection('206555')).toBe(MESSAGES.tooShort);
    expect(rejection('555-0100')).toBe(MESSAGES.tooShort);
    expect(rejection('911')).toBe(MESSAGES.tooShort);
  });

  it('says a number with too many digits is too long', () => {
    for (const input of [
      '206-555-01000',
      '2065550100123',
      '+1 206 555 01000',
      '+44 20 7946 09588',
    ]) {
      expect(rejection(input), input).toBe(MESSAGES.tooManyDigits);
    }
  });

  it('refuses text longer than any phone number without reading it', () => {
    const long = '+1 206 555 0100 0100 0100 0100 0100 0100';
    expect(long.length).toBeGreaterThan(PHONE_INPUT_MAX_LENGTH);
    expect(rejection(long)).toBe(MESSAGES.tooLongText);
    expect(rejection('1'.repeat(1000))).toBe(MESSAGES.tooLongText);
  });

  it('rejects numbers that cannot exist, such as an area code starting with 1', () => {
    expect(rejection('(123) 555-0100')).toBe(MESSAGES.invalid);
    expect(rejection('(023) 555-0100')).toBe(MESSAGES.invalid);
    expect(rejection('+0 206 555 0100')).toBe(MESSAGES.invalid);
  });

  it('asks for the number without an extension', () => {
    expect(rejection('206-555-0100 ext. 12')).toBe(MESSAGES.extension);
    expect(rejection('206-555-0100 ext 12')).toBe(MESSAGES.extension);
    expect(rejection('206-555-0100 x12')).toBe(MESSAGES.extension);
  });

  it('every rejection carries a sentence for a person, never an empty or technical message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (input) => {
        const result = parsePhone(input);
        if (result.ok) {
          expect(result.e164).toMatch(/^\+[1-9]\d{6,14}$/);
        } else {
          expect(Object.values(MESSAGES)).toContain(result.message);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('PhoneInput schema', () => {
  it('outputs E.164 for what a person typed', () => {
    expect(PhoneInput.parse('(206) 555-0100')).toBe('+12065550100');
    expect(PhoneInput.parse('206.555.0100')).toBe('+12065550100');
  });

  it('fails with the same human message parsePhone gives', () => {
    const invalid = PhoneInput.safeParse('(123) 555-0100');
    expect(invalid.success).toBe(false);
    expect(invalid.error?.issues.map((i) => i.message)).toEqual([MESSAGES.invalid]);

    const letters = PhoneInput.safeParse('call me');
    expect(letters.error?.issues.map((i) => i.message)).toEqual([MESSAGES.letters]);
  });

  it('asks for a phone number when given something that is not text', () => {
    for (const value of [undefined, null, 2065550100, { phone: '2065550100' }]) {
      const result = PhoneInput.safeParse(value);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.message)).toEqual([MESSAGES.empty]);
    }
  });

  it('refuses over-long input with one message', () => {
    const result = PhoneInput.safeParse('2'.repeat(PHONE_INPUT_MAX_LENGTH + 1));
    expect(result.error?.issues.map((i) => i.message)).toEqual([MESSAGES.tooLongText]);
  });

  it('produces only values the E164Phone schema accepts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('206', '312', '415', '786'),
        fc.integer({ min: 200, max: 999 }),
        fc.integer({ min: 0, max: 9999 }),
        fc.constantFrom('(%a) %e-%l', '%a.%e.%l', '+1 %a %e %l', '%a%e%l'),
        (area, exchange, line, pattern) => {
          const typed = pattern
            .replace('%a', area)
            .replace('%e', String(exchange))
            .replace('%l', String(line).padStart(4, '0'));
          const result = PhoneInput.safeParse(typed);
          if (result.success) {
            expect(E164Phone.safeParse(result.data).success).toBe(true);
            expect(result.data).toBe(`+1${area}${exchange}${String(line).padStart(4, '0')}`);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('formatPhone', () => {
  it('shows US numbers the national way', () => {
    expect(formatPhone('+12065550100')).toBe('(206) 555-0100');
  });

  it('shows other countries in international form', () => {
    expect(formatPhone('+442079460958')).toBe('+44 20 7946 0958');
  });

  it('returns what it cannot read unchanged', () => {
    expect(formatPhone('not a number')).toBe('not a number');
    expect(formatPhone('')).toBe('');
  });

  it('formats what parsePhone produced back into the way it is usually written', () => {
    const parsed = parsePhone('206.555.0100');
    expect(parsed.ok && formatPhone(parsed.e164)).toBe('(206) 555-0100');
  });
});

describe('maskPhone', () => {
  it('keeps only the last two digits readable', () => {
    expect(maskPhone('+12065550100')).toBe('•••00');
    expect(maskPhone('+13125550142')).toBe('•••42');
  });

  it('never shows more than the last two digits of anything it is given', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (input) => {
        const masked = maskPhone(input);
        const shownDigits = masked.replace(/\D/g, '');
        expect(shownDigits.length).toBeLessThanOrEqual(2);
        expect(shownDigits).toBe(input.replace(/\D/g, '').slice(-2));
      }),
      { numRuns: 300 },
    );
  });

  it('never reveals the number in any typed form', () => {
    for (const typed of ['(206) 555-0100', '+1 206 555 0100', '206.555.0100']) {
      const masked = maskPhone(typed);
      expect(masked).toBe('•••00');
      expect(masked).not.toContain('206');
      expect(masked).not.toContain('555');
    }
  });
});

describe('formatPhoneAsYouType', () => {
  it('formats a US number progressively while it is typed', () => {
    expect(formatPhoneAsYouType('206')).toBe('(206)');
    expect(formatPhoneAsYouType('2065')).toBe('(206) 5');
    expect(formatPhoneAsYouType('206555')).toBe('(206) 555');
    expect(formatPhoneAsYouType('2065550100')).toBe('(206) 555-0100');
  });

  it('keeps an international prefix the way it was typed', () => {
    expect(formatPhoneAsYouType('+12065550100')).toBe('+1 206 555 0100');
  });

  it('leaves empty input empty', () => {
    expect(formatPhoneAsYouType('')).toBe('');
  });
});
