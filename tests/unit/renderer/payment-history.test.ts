/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeclineCodeField } from '../../../contract/cards';
import type { Payment } from '../../../contract/http/account';
import type { Receipt } from '../../../contract/http/payments';
import type { CancelledPlanChange } from '../../../contract/http/plans';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import {
  PAYMENT_PAGE_SIZE,
  PaymentHistory,
  brandName,
  failureReason,
  methodMessage,
} from '../../../renderer/src/screens/history/payment-history.svelte';
import {
  AddOnShop,
  PendingChangeCancel,
} from '../../../renderer/src/screens/plans/plan-change.svelte';
import { fail, installBridge, ok } from './support/bridge';

afterEach(() => vi.unstubAllGlobals());

const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });
const payment = (id: string, extra: Partial<Payment> = {}): Payment => ({
  id,
  createdAt: '2026-11-20T15:00:00.000Z',
  amount: usd(20_00),
  method: 'card',
  item: { kind: 'card_payment', brand: 'visa', last4: '4242' },
  cardLast4: '4242',
  cardBrand: 'visa',
  status: 'succeeded',
  declineCode: null,
  ...extra,
});
const receiptOf = (p: Payment): Receipt => ({
  paymentId: p.id,
  receiptNumber: `R-20261120-${p.id.toUpperCase()}`,
  createdAt: p.createdAt,
  status: p.status,
  method: p.method,
  card: p.cardLast4 ? { brand: 'visa', last4: p.cardLast4 } : null,
  items: [{ item: p.item, amount: p.amount }],
  amount: p.amount,
  balanceAfter: usd(30_00),
});

describe('payment history words', () => {
  it('names a failed payment’s reason, with the general refusal for reasons it does not know', () => {
    expect(failureReason({ status: 'succeeded', declineCode: null })).toBeNull();
    expect(failureReason({ status: 'failed', declineCode: 'insufficient_funds' })).toEqual({
      key: 'cards.decline.insufficient_funds',
    });
    // A reason newer than this version is read as the general refusal when the answer is parsed.
    const unknown = DeclineCodeField.parse('stolen_card');
    expect(failureReason({ status: 'failed', declineCode: unknown })).toEqual({
      key: 'cards.decline.card_declined',
    });
    expect(failureReason({ status: 'failed', declineCode: null })).toEqual({
      key: 'cards.decline.card_declined',
    });
  });

  it('says how each payment was made: card, refill PIN, AutoPay with or without its card, cash', () => {
    expect(methodMessage({ method: 'card', last4: '4242' }, 'Visa')).toEqual({
      key: 'paymentHistory.method.card',
      values: { brand: 'Visa', last4: '4242' },
    });
    expect(methodMessage({ method: 'refill_pin', last4: null }, 'x')).toEqual({
      key: 'paymentHistory.method.refill_pin',
    });
    expect(methodMessage({ method: 'autopay', last4: '1111' }, 'Mastercard')).toEqual({
      key: 'paymentHistory.method.autopayCard',
      values: { brand: 'Mastercard', last4: '1111' },
    });
    expect(methodMessage({ method: 'autopay', last4: null }, 'x')).toEqual({
      key: 'paymentHistory.method.autopay',
    });
    expect(methodMessage({ method: 'cash', last4: null }, 'x')).toEqual({
      key: 'paymentHistory.method.cash',
    });
    expect(brandName('amex')).toEqual({ key: 'cards.brand.amex' });
    expect(brandName('unknown')).toEqual({ key: 'cards.brand.unknown' });
    expect(brandName(null)).toEqual({ key: 'cards.brand.unknown' });
  });

  it('has every key it uses in both languages', () => {
    const keys = [
      ...['card', 'cardUnknown', 'refill_pin', 'autopay', 'autopayCard', 'cash'].map(
        (k) => `paymentHistory.method.${k}`,
      ),
      ...['succeeded', 'failed', 'refunded'].map((k) => `paymentHistory.statuses.${k}`),
    ];
    for (const key of keys) {
      expect(lookup(en, key), key).toBeDefined();
      expect(lookup(es, key), key).toBeDefined();
    }
  });
});

describe('PaymentHistory', () => {
  it('pages through every payment with the API’s cursor', async () => {
    const calls: unknown[] = [];
    installBridge({
      account: {
        payments: vi.fn((page) => {
          calls.push(page);
          return page?.cursor
            ? ok({ items: [payment('p3')], nextCursor: null })
            : ok({ items: [payment('p1'), payment('p2')], nextCursor: 'c2' });
        }),
      },
    });
    const history = new PaymentHistory();
    await history.load();
    expect(history.pages.items.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(history.pages.hasMore).toBe(true);
    await history.pages.loadMore();
    expect(history.pages.items.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(history.pages.hasMore).toBe(false);
    expect(calls).toEqual([
      { limit: PAYMENT_PAGE_SIZE },
      { cursor: 'c2', limit: PAYMENT_PAGE_SIZE },
    ]);
  });

  it('opens the receipt of the chosen payment, and closes back to the list as it was', async () => {
    const p1 = payment('p1');
    const receipt = vi.fn(({ id }: { id: string }) => ok(receiptOf(payment(id))));
    installBridge({
      account: { payments: () => ok({ items: [p1], nextCursor: null }) },
      payments: { receipt },
    });
    const history = new PaymentHistory();
    await history.load();
    const shown = await history.openReceipt(p1);
    expect(receipt).toHaveBeenCalledWith({ id: 'p1' });
    expect(shown?.receiptNumber).toBe('R-20261120-P1');
    expect(history.selected).toBe(p1);
    expect(history.receipt?.value).toEqual(shown);
    history.closeReceipt();
    expect(history.selected).toBeNull();
    expect(history.receipt).toBeNull();
    expect(history.pages.items).toEqual([p1]);
  });

  it('keeps a receipt that could not be read as an error, and tells onError', async () => {
    const onError = vi.fn();
    installBridge({
      payments: {
        receipt: () => fail({ code: 'payment_not_found', message: 'No such payment.' }),
      },
    });
    const history = new PaymentHistory({ onError });
    expect(await history.openReceipt(payment('gone'))).toBeUndefined();
    expect(history.receipt?.status).toBe('error');
    expect(history.receipt?.error?.code).toBe('payment_not_found');
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe('PendingChangeCancel', () => {
  const answer: CancelledPlanChange = {
    cancelled: {
      id: 'pc1',
      plan: {
        id: 'plus',
        name: 'Plus',
        monthlyPrice: usd(50_00),
        dataAllowanceMb: null,
        dataAfterAllowance: 'none',
        hotspotMb: 0,
        talkMinutes: null,
        texts: null,
        internationalTexting: true,
        taxesAndFeesIncluded: true,
      },
      effectiveOn: '2026-12-10',
      requestedAt: '2026-11-25T12:00:00.000Z',
    },
    plan: {
      id: 'basic',
      name: 'Basic',
      monthlyPrice: usd(25_00),
      dataAllowanceMb: 5_120,
      dataAfterAllowance: 'slowed',
      hotspotMb: 0,
      talkMinutes: null,
      texts: null,
      internationalTexting: false,
      taxesAndFeesIncluded: false,
    },
  };

  it('cancels once at a time and reports what was cancelled', async () => {
    let resolve!: (value: Awaited<ReturnType<typeof ok<CancelledPlanChange>>>) => void;
    const cancelPending = vi.fn(() => new Promise<never>((r) => (resolve = r as never)));
    installBridge({ plans: { cancelPending } });
    const onCancelled = vi.fn();
    const cancel = new PendingChangeCancel({ onCancelled });
    const first = cancel.cancel();
    expect(cancel.cancelling).toBe(true);
    expect(await cancel.cancel()).toBeNull();
    resolve({ ok: true, value: answer });
    expect(await first).toEqual(answer);
    expect(cancelPending).toHaveBeenCalledTimes(1);
    expect(cancel.cancelling).toBe(false);
    expect(cancel.cancelled).toEqual(answer);
    expect(onCancelled).toHaveBeenCalledWith(answer);
  });

  it('on "nothing scheduled", keeps the error and asks the screen to read the account again', async () => {
    installBridge({
      plans: {
        cancelPending: () =>
          fail({ code: 'no_pending_plan_change', message: 'No plan change is scheduled.' }),
      },
    });
    const onGone = vi.fn();
    const onError = vi.fn();
    const cancel = new PendingChangeCancel({ onGone, onError });
    expect(await cancel.cancel()).toBeNull();
    expect(cancel.error?.code).toBe('no_pending_plan_change');
    expect(onGone).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledTimes(1);
    cancel.reset();
    expect(cancel.error).toBeNull();
  });

  it('a network failure is an error, not "gone"', async () => {
    installBridge({
      plans: { cancelPending: () => fail({ code: 'timeout', message: 'Too slow.' }) },
    });
    const onGone = vi.fn();
    const cancel = new PendingChangeCancel({ onGone });
    await cancel.cancel();
    expect(cancel.error?.code).toBe('timeout');
    expect(onGone).not.toHaveBeenCalled();
  });
});

describe('AddOnShop by kind', () => {
  it('offers data and international passes apart, and lists the active ones of each kind', async () => {
    installBridge({
      addons: {
        list: () =>
          ok({
            available: [
              {
                id: 'data-5gb',
                name: '5 GB',
                kind: 'data' as const,
                price: usd(10_00),
                dataMb: 5_120,
                internationalMinutes: 0,
              },
              {
                id: 'intl-100min',
                name: '100 international minutes',
                kind: 'international' as const,
                price: usd(5_00),
                dataMb: 0,
                internationalMinutes: 100,
              },
            ],
            active: [
              {
                id: 'ao1',
                addOnId: 'intl-100min',
                name: '100 international minutes',
                kind: 'international' as const,
                dataMb: 0,
                remainingMb: null,
                internationalMinutes: 100,
                remainingMinutes: 100,
                expiresOn: '2026-12-09',
                purchasedAt: '2026-11-25T12:00:00.000Z',
              },
            ],
          }),
      },
    });
    const shop = new AddOnShop();
    await shop.list.load();
    expect(shop.available('data').map((a) => a.id)).toEqual(['data-5gb']);
    expect(shop.available('international').map((a) => a.id)).toEqual(['intl-100min']);
    expect(shop.activeOf('international').map((a) => a.id)).toEqual(['ao1']);
    expect(shop.activeOf('data')).toEqual([]);
  });
});
