import { describe, expect, it } from 'vitest';
import { parsePhone } from '../../../contract/phone';
import { reformatPhoneField } from '../../../renderer/src/lib/phone-input';

/** Types `text` one character at a time at the end of the field, as a person would. */
function type(text: string, start = ''): string {
  let value = start;
  for (const char of text) {
    const raw = value + char;
    value = reformatPhoneField(raw, raw.length, value, 'insertText').value;
  }
  return value;
}

/** Presses Backspace with the caret at `caret` (default: the end). */
function backspace(value: string, caret = value.length) {
  const raw = value.slice(0, caret - 1) + value.slice(caret);
  return reformatPhoneField(raw, caret - 1, value, 'deleteContentBackward');
}

describe('reformatPhoneField', () => {
  it('builds (206) 555-0100 while typing', () => {
    expect(type('2')).toBe('2');
    expect(type('2065')).toBe('(206) 5');
    expect(type('2065550')).toBe('(206) 555-0');
    expect(type('2065550100')).toBe('(206) 555-0100');
  });

  it('produces something parsePhone accepts', () => {
    const result = parsePhone(type('2065550100'));
    expect(result).toEqual({ ok: true, e164: '+12065550100' });
  });

  it('keeps only digits and a leading +', () => {
    expect(type('206.555.0100')).toBe('(206) 555-0100');
    expect(type('+1 206 555 0100')).toBe('+1 206 555 0100');
    expect(type('206abc5')).toBe('(206) 5');
  });

  it('formats a pasted number in one go', () => {
    const raw = '206-555-0100';
    expect(reformatPhoneField(raw, raw.length, '', 'insertFromPaste')).toEqual({
      value: '(206) 555-0100',
      caret: 14,
    });
  });

  it('lets Backspace through punctuation by removing the digit before it', () => {
    // "(206) 5" → delete "5" → "(206) " → reformatted from its digits: "(206)".
    const afterFive = backspace('(206) 5');
    expect(afterFive.value).toBe('(206)');
    // Deleting the ")" the formatter would put straight back removes the "6" instead.
    const afterParen = backspace(afterFive.value);
    expect(afterParen.value).toBe('20');
    expect(backspace(backspace(afterParen.value).value).value).toBe('');
  });

  it('keeps the caret among the digits when editing the middle', () => {
    // Caret after "555", delete the last 5: "(206) 55|-0100".
    const value = '(206) 555-0100';
    const next = backspace(value, 9);
    expect(next.value).toBe('(206) 550-100');
    expect(next.value.slice(0, next.caret)).toBe('(206) 55');
  });

  it('stops at 15 digits', () => {
    const long = '1234567890123456789';
    const next = reformatPhoneField(long, long.length, '', 'insertFromPaste');
    expect(next.value.replace(/\D/g, '')).toHaveLength(15);
  });

  it('empties cleanly', () => {
    expect(reformatPhoneField('', 0, '2', 'deleteContentBackward')).toEqual({
      value: '',
      caret: 0,
    });
  });
});
