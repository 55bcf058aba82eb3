import { describe, expect, it } from 'vitest';
import { StatementLine } from '../../../contract/http/account';
import { LINE_ITEM_WORDS, lineItemText } from '../../../contract/line-item-words';
import { LINE_ITEM_KINDS, LineItem, LineItemField } from '../../../contract/line-items';
import { SUPPORTED_LANGUAGES } from '../../../contract/settings';
import { ALL_LINE_ITEM_SAMPLES, LINE_ITEM_SAMPLES, plainSpaces } from './support/line-item-samples';

describe('line item kinds', () => {
  it('are each worded in every language', () => {
    for (const language of SUPPORTED_LANGUAGES) {
      expect(Object.keys(LINE_ITEM_WORDS[language]).sort(), language).toEqual(
        [...LINE_ITEM_KINDS].sort(),
      );
    }
  });

  it('each have samples, which the contract accepts as they are', () => {
    expect(Object.keys(LINE_ITEM_SAMPLES).sort()).toEqual([...LINE_ITEM_KINDS].sort());
    for (const { item } of ALL_LINE_ITEM_SAMPLES) {
      expect(LineItem.parse(item), item.kind).toEqual(item);
      // As the API stores and sends them: JSON, and back.
      expect(LineItem.parse(JSON.parse(JSON.stringify(item)))).toEqual(item);
    }
  });

  it.each(SUPPORTED_LANGUAGES)('read as they should in %s', (language) => {
    for (const sample of ALL_LINE_ITEM_SAMPLES) {
      const text = lineItemText(sample.item, language);
      expect(text.trim(), sample.item.kind).not.toBe('');
      expect(plainSpaces(text), JSON.stringify(sample.item)).toBe(sample[language]);
    }
  });

  it('read differently in Spanish than in English, but for words kept as they were', () => {
    for (const sample of ALL_LINE_ITEM_SAMPLES.filter((s) => s.item.kind !== 'other')) {
      expect(lineItemText(sample.item, 'es'), sample.en).not.toBe(lineItemText(sample.item, 'en'));
    }
  });
});

describe('the line item schema', () => {
  it('refuses an unknown kind, a missing parameter or a parameter out of shape', () => {
    expect(LineItem.safeParse({ kind: 'gift_card' }).success).toBe(false);
    expect(LineItem.safeParse({ kind: 'tax' }).success).toBe(false);
    expect(LineItem.safeParse({ kind: 'tax', name: 'sales' }).success).toBe(false);
    expect(LineItem.safeParse({ kind: 'card_payment', brand: 'visa', last4: '42' }).success).toBe(
      false,
    );
    expect(
      LineItem.safeParse({ kind: 'data_pass', addOnId: 'x', dataMb: 1024, until: '2026-13-01' })
        .success,
    ).toBe(false);
  });

  it('reads a kind newer than this version as a line without words, keeping the rest', () => {
    const line = StatementLine.parse({
      id: 'l-1',
      kind: 'addon',
      item: { kind: 'streaming_pass', addOnId: 'tv' },
      amount: { amountCents: 500, currency: 'USD' },
    });
    expect(line.item).toEqual({ kind: 'other', text: '' });
    expect(line.amount.amountCents).toBe(500);
    expect(LineItemField.parse({ kind: 'refill_pin' })).toEqual({ kind: 'refill_pin' });
  });
});
