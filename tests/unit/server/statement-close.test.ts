import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  STATEMENT_LINE_KIND,
  statementIdFor,
  statementLinesFrom,
  statementTotalCents,
  type OpenEntry,
} from '../../../server/src/billing/statement-close';
import { StatementParams } from '../../../contract/http/account';

const entry = (over: Partial<OpenEntry> & Pick<OpenEntry, 'id' | 'kind' | 'amount_cents'>) => ({
  currency: 'USD',
  item: JSON.stringify({ kind: 'other', text: over.kind }),
  created_at: 1_000,
  payment_id: null,
  ...over,
});

describe('statement lines from ledger entries', () => {
  it('maps every ledger kind to the statement line kind it reads as', () => {
    expect(STATEMENT_LINE_KIND).toEqual({
      plan_charge: 'plan',
      addon_charge: 'addon',
      tax: 'tax',
      fee: 'fee',
      payment: 'payment',
      refill: 'payment',
      credit: 'credit',
    });
  });

  it('lists charges as positive amounts and credits and payments as negative, oldest first', () => {
    const lines = statementLinesFrom([
      entry({ id: 'b', kind: 'payment', amount_cents: 30_00, created_at: 3_000 }),
      entry({ id: 'a', kind: 'plan_charge', amount_cents: -25_00, created_at: 1_000 }),
      entry({ id: 'c', kind: 'tax', amount_cents: -206, created_at: 1_000 }),
      entry({ id: 'd', kind: 'credit', amount_cents: 5_00, created_at: 2_000 }),
      entry({ id: 'e', kind: 'refill', amount_cents: 10_00, created_at: 4_000 }),
    ]);
    expect(lines.map((l) => [l.entryId, l.kind, l.amountCents])).toEqual([
      ['a', 'plan', 25_00],
      ['c', 'tax', 206],
      ['d', 'credit', -5_00],
      ['b', 'payment', -30_00],
      ['e', 'payment', -10_00],
    ]);
    // Charges less credits; payments are listed but are not part of the total.
    expect(statementTotalCents(lines)).toBe(25_00 + 206 - 5_00);
  });

  it('gives each line the item of its entry, as stored', () => {
    const item = JSON.stringify({ kind: 'tax', name: 'state_and_local' });
    const [line] = statementLinesFrom([entry({ id: 't', kind: 'tax', amount_cents: -206, item })]);
    expect(line!.item).toBe(item);
  });

  it('keeps a zero amount as 0, not -0', () => {
    const [line] = statementLinesFrom([entry({ id: 'z', kind: 'fee', amount_cents: 0 })]);
    expect(Object.is(line!.amountCents, 0)).toBe(true);
  });

  it('always adds up: total = subtotal (plan, add-ons, credits) + taxes and fees = -(non-payment entries)', () => {
    const kinds = Object.keys(STATEMENT_LINE_KIND) as OpenEntry['kind'][];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom(...kinds),
            amount_cents: fc.integer({ min: -100_000, max: 100_000 }),
            created_at: fc.integer({ min: 0, max: 10_000 }),
          }),
          { maxLength: 30 },
        ),
        (raw) => {
          const entries = raw.map((r, i) => entry({ ...r, id: `e${i}` }));
          const lines = statementLinesFrom(entries);
          expect(lines).toHaveLength(entries.length);
          const total = statementTotalCents(lines);
          const sum = (ks: string[]) =>
            lines.filter((l) => ks.includes(l.kind)).reduce((s, l) => s + l.amountCents, 0);
          expect(sum(['plan', 'addon', 'credit']) + sum(['tax', 'fee'])).toBe(total);
          const ledger = entries
            .filter((e) => e.kind !== 'payment' && e.kind !== 'refill')
            .reduce((s, e) => s + e.amount_cents, 0);
          expect(total).toBe(0 - ledger);
          const times = lines.map((l) => entries.find((e) => e.id === l.entryId)!.created_at);
          expect(times).toEqual([...times].sort((x, y) => x - y));
        },
      ),
    );
  });

  it('gives a statement id the statement routes accept', () => {
    const id = statementIdFor('0b9d4c36-4f4e-4b6e-9a55-3c2f8e7d1a20', '2026-11-25');
    expect(id).toBe('0b9d4c36-4f4e-4b6e-9a55-3c2f8e7d1a20-st-2026-11-25');
    expect(StatementParams.safeParse({ id }).success).toBe(true);
    expect(statementIdFor('demo-0100', '2026-11-07')).toBe('demo-0100-st-2026-11-07');
  });
});
