import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CurrencyMismatchError,
  Money,
  addMoney,
  formatMoney,
  money,
  parseMoneyInput,
  sumMoney,
} from '../../../contract/money';

/** Intl may use a no-break space between symbol and number; compare with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('parseMoneyInput', () => {
  it.each([
    ['12', 1200],
    ['12.5', 1250],
    ['12.50', 1250],
    ['$1,234.56', 123456],
    ['0.01', 1],
    ['0', 0],
    ['  $ 25  ', 2500],
    ['1,234,567.89', 123456789],
    ['99999999.99', 9999999999],
  ])('reads %j as %i cents', (input, cents) => {
    expect(parseMoneyInput(input)).toEqual({ ok: true, cents });
  });

  it('is exact where floating point would not be', () => {
    // 0.29 * 100 is 28.999999999999996 in floating point.
    expect(parseMoneyInput('0.29')).toEqual({ ok: true, cents: 29 });
    expect(parseMoneyInput('1.15')).toEqual({ ok: true, cents: 115 });
    expect(parseMoneyInput('4.35')).toEqual({ ok: true, cents: 435 });
  });

  it('gives back exactly the cents of any amount written with two decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_99 }), fc.boolean(), (cents, withSymbol) => {
        const whole = Math.floor(cents / 100);
        const text = `${withSymbol ? '$' : ''}${whole}.${String(cents % 100).padStart(2, '0')}`;
        expect(parseMoneyInput(text)).toEqual({ ok: true, cents });
      }),
      { numRuns: 300 },
    );
  });

  it('asks for an amount when there is none', () => {
    for (const input of ['', '   ', '$']) {
      expect(parseMoneyInput(input)).toEqual({ ok: false, message: 'Enter an amount.' });
    }
  });

  it('refuses negative amounts', () => {
    for (const input of ['-5', '-$5', '$-5', '-0.01']) {
      expect(parseMoneyInput(input)).toEqual({
        ok: false,
        message: 'The amount cannot be negative.',
      });
    }
  });

  it('refuses more than two decimal places', () => {
    for (const input of ['1.234', '$1,234.567', '0.001']) {
      expect(parseMoneyInput(input)).toEqual({
        ok: false,
        message: 'Use at most two decimal places.',
      });
    }
  });

  it('shows an example when the text is not an amount', () => {
    for (const input of [
      'abc',
      '12abc',
      '1,23',
      '12.5.5',
      '12.',
      '1 000',
      '€12',
      'NaN',
      'Infinity',
      '1e3',
    ]) {
      expect(parseMoneyInput(input), input).toEqual({
        ok: false,
        message: 'Enter an amount such as 25 or 25.50.',
      });
    }
  });

  it('refuses amounts of a hundred million dollars or more', () => {
    for (const input of ['100000000', '100,000,000.00', '1,000,000,000']) {
      expect(parseMoneyInput(input)).toEqual({ ok: false, message: 'That amount is too large.' });
    }
  });

  it('whatever it accepts is a valid Money amount', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (input) => {
        const result = parseMoneyInput(input);
        if (result.ok)
          expect(Money.safeParse({ amountCents: result.cents, currency: 'USD' }).success).toBe(
            true,
          );
        else expect(result.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Money schema', () => {
  it('accepts whole cents with a currency code', () => {
    expect(Money.parse({ amountCents: 1999, currency: 'USD' })).toEqual({
      amountCents: 1999,
      currency: 'USD',
    });
    expect(money(-500, 'EUR')).toEqual({ amountCents: -500, currency: 'EUR' });
  });

  it('rejects fractions of a cent', () => {
    const result = Money.safeParse({ amountCents: 12.5, currency: 'USD' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('Amounts are whole cents.');
    expect(() => money(0.1)).toThrow();
  });

  it('rejects non-numbers and non-finite numbers', () => {
    for (const amountCents of [Number.NaN, Number.POSITIVE_INFINITY, '100', null]) {
      expect(Money.safeParse({ amountCents, currency: 'USD' }).success).toBe(false);
    }
  });

  it('rejects amounts outside the bound', () => {
    expect(Money.safeParse({ amountCents: 100_000_000_01, currency: 'USD' }).success).toBe(false);
    expect(Money.safeParse({ amountCents: -100_000_000_01, currency: 'USD' }).success).toBe(false);
  });

  it('rejects currency codes that are not three capital letters', () => {
    for (const currency of ['usd', 'US', 'USDD', '', '$']) {
      const result = Money.safeParse({ amountCents: 1, currency });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(
        'Use a three-letter ISO currency code such as USD.',
      );
    }
  });
});

describe('addMoney and sumMoney', () => {
  it('adds amounts of one currency in cents', () => {
    expect(addMoney(money(1050), money(-25))).toEqual(money(1025));
    expect(sumMoney([money(10), money(20), money(30)])).toEqual(money(60));
    expect(sumMoney([])).toEqual(money(0));
    expect(sumMoney([money(5, 'EUR'), money(7, 'EUR')], 'EUR')).toEqual(money(12, 'EUR'));
  });

  it('refuses to add different currencies', () => {
    expect(() => addMoney(money(100, 'USD'), money(100, 'EUR'))).toThrow(CurrencyMismatchError);
    expect(() => addMoney(money(100, 'USD'), money(100, 'EUR'))).toThrow(
      'Cannot combine USD and EUR amounts.',
    );
  });

  it('refuses a list that mixes currencies, or one in another currency than asked for', () => {
    expect(() => sumMoney([money(1, 'USD'), money(2, 'CAD')])).toThrow(CurrencyMismatchError);
    expect(() => sumMoney([money(1, 'EUR')])).toThrow(CurrencyMismatchError);
  });

  it('sums exactly, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { maxLength: 50 }),
        (cents) => {
          const items = cents.map((c) => money(c));
          const expected = cents.reduce((a, b) => a + b, 0);
          expect(sumMoney(items).amountCents).toBe(expected);
          expect(sumMoney([...items].reverse()).amountCents).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('formatMoney', () => {
  it('formats dollars in US English', () => {
    expect(plain(formatMoney(money(123456)))).toBe('$1,234.56');
    expect(plain(formatMoney(money(5)))).toBe('$0.05');
    expect(plain(formatMoney(money(-500)))).toBe('-$5.00');
    expect(plain(formatMoney(money(0), 'en-US'))).toBe('$0.00');
  });

  it('formats dollars in US Spanish', () => {
    expect(plain(formatMoney(money(123456), 'es-US'))).toBe('$1,234.56');
    expect(plain(formatMoney(money(-500), 'es-US'))).toBe('-$5.00');
  });

  it('follows the locale for other currencies', () => {
    expect(plain(formatMoney(money(5, 'EUR'), 'en-US'))).toBe('€0.05');
    expect(plain(formatMoney(money(5, 'EUR'), 'es-US'))).toBe('EUR 0.05');
  });

  it('shows every cent of a large amount', () => {
    expect(plain(formatMoney(money(9999999999)))).toBe('$99,999,999.99');
  });
});
