/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AutopayRun, type AutopayView } from '../../../contract/http/autopay';
import type { SavedCard } from '../../../contract/http/payments';
import { AutopayForm } from '../../../renderer/src/screens/autopay/autopay-form.svelte';
import {
  autopayErrorMessage,
  cardExpired,
  expiryText,
  runReason,
} from '../../../renderer/src/screens/autopay/autopay-view';
import { AppState } from '../../../renderer/src/state/app.svelte';
import { fail, installBridge, ok, settled } from './support/bridge';

const TODAY = new Date(2026, 10, 25);

const card = (id: string, expMonth = 12, expYear = 2030, isDefault = false): SavedCard => ({
  id,
  brand: 'visa',
  last4: id === 'pm_old' ? '0005' : '4242',
  expMonth,
  expYear,
  nickname: null,
  isDefault,
  createdAt: '2026-01-01T00:00:00.000Z',
});

const OFF: AutopayView = {
  enabled: false,
  paymentMethod: null,
  discountCents: 500,
  currency: 'USD',
  renewsOn: '2026-12-06',
  nextChargeOn: null,
  nextChargeCents: null,
  lastRun: null,
  cardExpiresBeforeNextCharge: false,
};
const ON: AutopayView = {
  ...OFF,
  enabled: true,
  paymentMethod: { id: 'pm_1', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 },
  nextChargeOn: '2026-12-05',
  nextChargeCents: 3500,
};

const run = (over: Partial<AutopayRun>): AutopayRun => ({
  at: '2026-12-05T00:15:00.000Z',
  status: 'failed',
  message: '',
  renewsOn: '2026-12-06',
  amountCents: 3500,
  declineCode: null,
  reason: null,
  ...over,
});

afterEach(() => vi.unstubAllGlobals());

describe('AutoPay words', () => {
  it('treats a card as good until the end of its expiry month', () => {
    expect(cardExpired({ expMonth: 11, expYear: 2026 }, TODAY)).toBe(false);
    expect(cardExpired({ expMonth: 10, expYear: 2026 }, TODAY)).toBe(true);
    expect(cardExpired({ expMonth: 1, expYear: 2027 }, TODAY)).toBe(false);
    expect(expiryText({ expMonth: 8, expYear: 2029 })).toBe('08/29');
  });

  it('says a decline reason in plain words', () => {
    expect(runReason(run({ declineCode: 'insufficient_funds' }))).toEqual({
      key: 'cards.decline.insufficient_funds',
    });
    expect(runReason(run({ declineCode: 'card_declined' }))).toEqual({
      key: 'cards.decline.card_declined',
    });
    // A reason newer than this version is read as the general refusal when the answer is parsed.
    const unknown = AutopayRun.shape.declineCode.parse('do_not_honor');
    expect(runReason(run({ declineCode: unknown }))).toEqual({
      key: 'cards.decline.card_declined',
    });
  });

  it('words the API’s reason code for a run that charged nothing, and keeps an older run’s message', () => {
    const reason = (status: AutopayRun['status'], code: AutopayRun['reason']) =>
      runReason(run({ status, reason: code, message: 'Said in English.', amountCents: null }));
    expect(reason('failed', 'card_removed')).toEqual({ key: 'autopay.lastRun.reasonCardRemoved' });
    expect(reason('failed', 'card_expired')).toEqual({ key: 'autopay.lastRun.reasonCardExpired' });
    expect(reason('failed', 'too_late')).toEqual({ key: 'autopay.lastRun.reasonTooLate' });
    expect(reason('skipped', 'turned_off')).toEqual({ key: 'autopay.lastRun.reasonTurnedOff' });
    expect(reason('skipped', 'covered')).toEqual({ key: 'autopay.lastRun.reasonCovered' });
    // A run from before reasons had codes: the API's words, as sent.
    expect(reason('failed', null)).toEqual({ text: 'Said in English.' });
    expect(runReason(run({ status: 'succeeded', message: 'Paid $35.00.' }))).toBeNull();
  });

  it('tells an expired card from a removed one', () => {
    expect(autopayErrorMessage({ code: 'card_invalid', message: 'expired' })).toEqual({
      key: 'autopay.errors.cardExpired',
    });
    expect(autopayErrorMessage({ code: 'payment_method_not_found', message: 'gone' })).toEqual({
      key: 'autopay.errors.cardGone',
    });
    expect(autopayErrorMessage({ code: 'network_unreachable', message: 'offline' })).toEqual({
      key: 'errors.network_unreachable',
    });
  });
});

describe('AutopayForm', () => {
  it('opens the chooser on the default current card, never on an expired one', async () => {
    installBridge({
      autopay: { get: () => ok(OFF) },
      payments: {
        methods: () => ok({ items: [card('pm_old', 1, 2026, true), card('pm_1')] }),
      },
    });
    const form = new AutopayForm({ today: () => TODAY });
    await form.load();
    form.startChoosing();
    expect(form.chosen).toBe('pm_1');
    expect(form.addingCard).toBe(false);
  });

  it('turns AutoPay on with the chosen card and tells the dashboard', async () => {
    const update = vi.fn(() => ok(ON));
    const onChanged = vi.fn();
    installBridge({
      autopay: { get: () => ok(OFF), update },
      payments: { methods: () => ok({ items: [card('pm_1')] }) },
    });
    const form = new AutopayForm({ today: () => TODAY, onChanged });
    await form.load();
    form.startChoosing();
    expect(await form.turnOn()).toEqual(ON);
    expect(update).toHaveBeenCalledWith({ enabled: true, paymentMethodId: 'pm_1' });
    expect(form.view.value).toEqual(ON);
    expect(form.done).toBe('on');
    expect(form.choosing).toBe(false);
    expect(onChanged).toHaveBeenCalledWith(ON);
  });

  it('does not send an expired card, and says why', async () => {
    const update = vi.fn(() => ok(ON));
    installBridge({
      autopay: { get: () => ok(OFF), update },
      payments: { methods: () => ok({ items: [card('pm_old', 1, 2026)] }) },
    });
    const form = new AutopayForm({ today: () => TODAY });
    await form.load();
    form.startChoosing();
    expect(form.chosen).toBeNull();
    expect(await form.turnOn()).toBeNull();
    expect(form.error).toEqual({ key: 'autopay.errors.chooseCard' });
    form.chosen = 'pm_old';
    expect(await form.turnOn()).toBeNull();
    expect(form.error).toEqual({ key: 'autopay.errors.cardExpired' });
    expect(update).not.toHaveBeenCalled();
  });

  it('explains a card removed elsewhere and shows the cards as they are now', async () => {
    const methods = vi
      .fn()
      .mockReturnValueOnce(ok({ items: [card('pm_1')] }))
      .mockReturnValueOnce(ok({ items: [] }));
    installBridge({
      autopay: {
        get: () => ok(OFF),
        update: () =>
          fail({ code: 'payment_method_not_found', message: 'There is no such saved card.' }),
      },
      payments: { methods },
    });
    const form = new AutopayForm({ today: () => TODAY });
    await form.load();
    form.startChoosing();
    expect(await form.turnOn()).toBeNull();
    expect(form.error).toEqual({ key: 'autopay.errors.cardGone' });
    await vi.waitFor(() => expect(form.cards).toEqual([]));
    expect(form.chosen).toBeNull();
  });

  it('opens the add-card form when there are no cards, and chooses the card it saves', async () => {
    const addMethod = vi.fn(() => ok(card('pm_new')));
    installBridge({
      autopay: { get: () => ok(OFF) },
      payments: { methods: () => ok({ items: [] }), addMethod },
    });
    const form = new AutopayForm({ today: () => TODAY });
    await form.load();
    form.startChoosing();
    expect(form.addingCard).toBe(true);
    form.card.type('number', '4242424242424241');
    form.card.type('expiry', '1229');
    form.card.cvc = '123';
    expect(await form.addCard()).toBeNull();
    expect(form.card.errors).toEqual({ number: 'payments.card.numberInvalid' });
    form.card.type('number', '4242424242424242');
    expect(await form.addCard()).toMatchObject({ id: 'pm_new' });
    expect(addMethod).toHaveBeenCalledWith({
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2029,
      cvc: '123',
    });
    expect(form.chosen).toBe('pm_new');
    expect(form.addingCard).toBe(false);
    expect(form.card.number).toBe('');
  });

  it('turns AutoPay off and closes the question', async () => {
    const update = vi.fn(() => ok(OFF));
    installBridge({
      autopay: { get: () => ok(ON), update },
      payments: { methods: () => ok({ items: [card('pm_1')] }) },
    });
    const form = new AutopayForm({ today: () => TODAY });
    await form.load();
    form.confirmingOff = true;
    expect(await form.turnOff()).toEqual(OFF);
    expect(update).toHaveBeenCalledWith({ enabled: false });
    expect(form.confirmingOff).toBe(false);
    expect(form.done).toBe('off');
    expect(form.view.value?.enabled).toBe(false);
  });
});

describe('the AutoPay route', () => {
  it('opens from Refill and pay or the dashboard, and Back returns where it came from', async () => {
    installBridge({
      settings: {
        get: () =>
          ok({
            apiBaseUrl: 'https://api.example.com',
            theme: 'system' as const,
            language: 'system' as const,
            rememberPhone: true,
            lastPhone: null,
          }),
      },
    });
    const state = new AppState({ systemTheme: 'light', systemLanguage: 'en' });
    state.openAutopay();
    expect(state.route).toEqual({ name: 'starting' });
    state.signedIn({
      subscriber: { id: 's1', phone: '+12065550100', name: 'Maria Garcia', email: 'm@example.com' },
      persisted: false,
    });
    state.openPayments();
    state.openAutopay();
    expect(state.route).toEqual({ name: 'autopay', from: 'payments' });
    state.back();
    expect(state.route).toEqual({ name: 'payments' });
    state.back();
    state.openAutopay();
    expect(state.route).toEqual({ name: 'autopay', from: 'dashboard' });
    state.back();
    expect(state.route).toEqual({ name: 'dashboard' });
    await settled();
  });
});
