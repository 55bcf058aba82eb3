/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefillPin, refillPinProblem, type Receipt } from '../../../contract/http/payments';
import type { PayInput, Result } from '../../../contract/ipc';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { flattenKeys, lookup } from '../../../renderer/src/i18n/keys';
import {
  amountError,
  formatCardNumber,
  formatExpiry,
  formatPin,
  luhnValid,
  parseAmount,
  pinError,
  validateCard,
} from '../../../renderer/src/screens/payments/payment-input';
import { PaymentsForm } from '../../../renderer/src/screens/payments/payments-form.svelte';
import { fail, installBridge, ok } from './support/bridge';

const TODAY = new Date(2026, 10, 25);

const receipt: Receipt = {
  paymentId: 'pay_1',
  receiptNumber: 'R-000001',
  createdAt: '2026-11-25T12:00:00.000Z',
  status: 'succeeded',
  method: 'card',
  card: { brand: 'visa', last4: '4242' },
  items: [],
  amount: { amountCents: 2000, currency: 'USD' },
  balanceAfter: { amountCents: 2000, currency: 'USD' },
};

afterEach(() => vi.unstubAllGlobals());

describe('refill PIN input', () => {
  it('keeps digits only, at most 16, in groups of four (typed or pasted)', () => {
    expect(formatPin('1234')).toBe('1234');
    expect(formatPin('12345')).toBe('1234 5');
    expect(formatPin('1234-5678-9012-3456')).toBe('1234 5678 9012 3456');
    expect(formatPin(' 1234 5678\n9012 3456 ')).toBe('1234 5678 9012 3456');
    expect(formatPin('12345678901234567890')).toBe('1234 5678 9012 3456');
    expect(formatPin('abc')).toBe('');
  });

  it('asks for all 16 digits', () => {
    expect(pinError('')).toBe('payments.refill.pinRequired');
    expect(pinError(' - ')).toBe('payments.refill.pinRequired');
    expect(pinError('1234 5678')).toBe('payments.refill.pinFormat');
    expect(pinError('1234 5678 9012 3456')).toBeNull();
    expect(pinError('1234-5678-9012-3456')).toBeNull();
    expect(pinError('1234 5678 9012 345x')).toBe('payments.refill.pinFormat');
    expect(pinError('1234 5678 9012 3456 7')).toBe('payments.refill.pinFormat');
  });
});

describe('RefillPin: the one rule for a PIN, in the renderer, main and the API', () => {
  it('turns a PIN typed or pasted with spaces or dashes into its 16 digits', () => {
    for (const typed of [
      '1234567890123456',
      '1234-5678-9012-3456',
      '1234 5678 9012 3456',
      ' 1234 5678\n9012\t3456 ',
      '1234–5678–9012–3456', // en dashes, as a PIN copied from an e-mail may have
      '1234\u00a05678\u00a09012\u00a03456',
    ]) {
      expect(RefillPin.parse(typed), typed).toBe('1234567890123456');
    }
  });

  it('refuses anything else, saying why', () => {
    const problem = (typed: string) => {
      const parsed = RefillPin.safeParse(typed);
      expect(parsed.success, typed).toBe(false);
      return parsed.success
        ? null
        : [refillPinProblem(parsed.error), parsed.error.issues[0]!.message];
    };
    expect(problem('')).toEqual(['required', 'Enter the 16 digits of the refill PIN.']);
    expect(problem('1234 5678')).toEqual(['length', 'A refill PIN is 16 digits; this one has 8.']);
    expect(problem('1234.5678.9012.3456')?.[0]).toBe('characters');
    expect(problem('1234/5678/9012/3456')?.[0]).toBe('characters');
    expect(problem('１２３４５６７８９０１２３４５６')?.[0]).toBe('characters');
    expect(problem('1234 5678 9012 3456 7')?.[0]).toBe('length');
    expect(problem('1'.repeat(41))?.[1]).toMatch(/16 digits/);
  });
});

describe('card fields', () => {
  it('groups the number and puts the slash in the expiry', () => {
    expect(formatCardNumber('4242424242424242')).toBe('4242 4242 4242 4242');
    expect(formatCardNumber('4242-4242')).toBe('4242 4242');
    expect(formatExpiry('1')).toBe('1');
    expect(formatExpiry('12')).toBe('12/');
    expect(formatExpiry('1229')).toBe('12/29');
    expect(formatExpiry('12/299')).toBe('12/29');
  });

  it('checks the number with the Luhn checksum', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4000000000000002')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
  });

  it('gives the card as the API takes it, or the fields to fix', () => {
    expect(
      validateCard({ number: '4242 4242 4242 4242', expiry: '12/29', cvc: '123' }, TODAY),
    ).toEqual({
      card: { number: '4242424242424242', expMonth: 12, expYear: 2029, cvc: '123' },
      errors: null,
    });
    expect(validateCard({ number: '', expiry: '', cvc: '' }, TODAY).errors).toEqual({
      number: 'payments.card.numberRequired',
      expiry: 'payments.card.expiryRequired',
      cvc: 'payments.card.cvcInvalid',
    });
    expect(
      validateCard({ number: '4242 4242 4242 4241', expiry: '13/29', cvc: '12' }, TODAY).errors,
    ).toEqual({
      number: 'payments.card.numberInvalid',
      expiry: 'payments.card.expiryFormat',
      cvc: 'payments.card.cvcInvalid',
    });
    expect(
      validateCard({ number: '4242424242424242', expiry: '10/26', cvc: '123' }, TODAY).errors,
    ).toEqual({ expiry: 'payments.card.expired' });
    // The current month is still good.
    expect(
      validateCard({ number: '4242424242424242', expiry: '11/26', cvc: '1234' }, TODAY).errors,
    ).toBeNull();
  });

  it('reads amounts in dollars and keeps them within the limits', () => {
    expect(parseAmount('20')).toBe(2000);
    expect(parseAmount('$20.5')).toBe(2050);
    expect(parseAmount('20,05')).toBe(2005);
    expect(parseAmount('twenty')).toBeNull();
    expect(amountError('')).toBe('payments.pay.amountRequired');
    expect(amountError('abc')).toBe('payments.pay.amountFormat');
    expect(amountError('0.50')).toBe('payments.pay.amountRange');
    expect(amountError('501')).toBe('payments.pay.amountRange');
    expect(amountError('20')).toBeNull();
  });
});

describe('PaymentsForm', () => {
  it('does not send a PIN until it has 16 digits', async () => {
    const refill = vi.fn(() => ok(receipt));
    installBridge({ payments: { refill } });
    const form = new PaymentsForm();
    form.typePin('1234 5678');
    expect(await form.refill()).toBeNull();
    expect(form.pinError).toEqual({ key: 'payments.refill.pinFormat' });
    expect(refill).not.toHaveBeenCalled();
    form.typePin('1234-5678-9012-3456');
    expect(form.pinError).toBeNull();
    expect(await form.refill()).toEqual(receipt);
    expect(refill).toHaveBeenCalledWith({ pin: '1234 5678 9012 3456' });
    expect(form.receipt).toEqual(receipt);
  });

  it('ignores a second click while the payment is on its way', async () => {
    let answer!: (r: Result<Receipt>) => void;
    const pay = vi.fn((_input: PayInput) => new Promise<Result<Receipt>>((r) => (answer = r)));
    const onPaid = vi.fn();
    installBridge({ payments: { pay } });
    const form = new PaymentsForm({ onPaid });
    form.amount = '20';
    form.card.type('number', '4242424242424242');
    form.card.type('expiry', '1229');
    form.card.cvc = '123';
    const first = form.pay();
    expect(form.busy).toBe(true);
    expect(await form.pay()).toBeNull();
    answer({ ok: true, value: receipt });
    expect(await first).toEqual(receipt);
    expect(pay).toHaveBeenCalledTimes(1);
    expect(pay).toHaveBeenCalledWith({
      amountCents: 2000,
      card: { number: '4242424242424242', expMonth: 12, expYear: 2029, cvc: '123' },
      saveCard: false,
    });
    expect(onPaid).toHaveBeenCalledWith(receipt);
    expect(form.busy).toBe(false);
    expect(form.card.cvc).toBe('');
  });

  it('shows a decline in words, and offers no retry for it', async () => {
    installBridge({
      payments: { pay: () => fail({ code: 'card_declined', message: 'declined' }) },
    });
    const form = new PaymentsForm();
    form.amount = '20';
    form.card.type('number', '4000 0000 0000 0002');
    form.card.type('expiry', '12/29');
    form.card.cvc = '123';
    expect(await form.pay()).toBeNull();
    expect(form.payError).toEqual({ key: 'errors.card_declined' });
    expect(form.payRetryable).toBe(false);
    expect(form.receipt).toBeNull();
  });

  it('pays with the default saved card once the cards are loaded', async () => {
    const card = {
      id: 'pm_1',
      brand: 'visa' as const,
      last4: '4242',
      expMonth: 12,
      expYear: 2030,
      nickname: null,
      isDefault: true,
      createdAt: '2026-11-25T12:00:00.000Z',
    };
    const pay = vi.fn((_input: PayInput) => ok(receipt));
    installBridge({ payments: { methods: () => ok({ items: [card] }), pay } });
    const form = new PaymentsForm();
    await form.loadCards();
    expect(form.method).toBe('pm_1');
    form.amount = '20.00';
    await form.pay();
    expect(pay).toHaveBeenCalledWith({ amountCents: 2000, paymentMethodId: 'pm_1' });
  });
});

describe('payments catalogue', () => {
  it('has every payments string in English and Spanish', () => {
    const keys = flattenKeys(en.payments, 'payments.');
    expect(flattenKeys(es.payments, 'payments.')).toEqual(keys);
    for (const key of keys) expect(lookup(es, key), key).not.toBe(lookup(en, key));
  });
});
