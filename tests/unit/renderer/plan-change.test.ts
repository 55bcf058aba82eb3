/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AddOnPurchase, PlanChangePreview } from '../../../contract/http/plans';
import type { Plan } from '../../../contract/http/account';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import {
  AddOnShop,
  PlanChangeForm,
  shortfallOf,
} from '../../../renderer/src/screens/plans/plan-change.svelte';
import { fail, installBridge, ok, settled } from './support/bridge';

afterEach(() => vi.unstubAllGlobals());

const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });
const plan = (id: string, cents: number): Plan => ({
  id,
  name: id,
  monthlyPrice: usd(cents),
  dataAllowanceMb: 10_240,
  dataAfterAllowance: 'slowed',
  hotspotMb: 0,
  talkMinutes: null,
  texts: null,
  internationalTexting: false,
  taxesAndFeesIncluded: true,
});
const preview = (planId: string, when: 'now' | 'next_renewal'): PlanChangePreview => ({
  currentPlan: plan('basic', 30_00),
  newPlan: plan(planId, 50_00),
  when,
  changes: [],
  effectiveOn: '2026-12-07',
  prorationDays: when === 'now' ? 12 : 0,
  cycleDays: 30,
  currency: 'USD',
  chargeNowCents: when === 'now' ? 20_00 : 0,
  creditCents: when === 'now' ? 12_00 : 0,
  netChargeCents: when === 'now' ? 8_00 : 0,
  balanceCents: 10_00,
  balanceAfterCents: when === 'now' ? 2_00 : 10_00,
  nextRenewalCents: 50_00,
  explanation: ['line'],
});

describe('PlanChangeForm', () => {
  it('previews the chosen plan and timing, and confirms with the previewed net charge', async () => {
    const change = vi.fn((body: { planId: string; when: 'now' | 'next_renewal' }) =>
      ok({ ...preview(body.planId, body.when), changeId: 'c1', status: 'pending' as const }),
    );
    const previewCall = vi.fn((body: { planId: string; when: 'now' | 'next_renewal' }) =>
      ok(preview(body.planId, body.when)),
    );
    installBridge({ plans: { preview: previewCall, change } });
    const onChanged = vi.fn();
    const form = new PlanChangeForm({ onChanged });
    expect(form.canConfirm).toBe(false);
    await form.choosePlan('plus');
    expect(form.preview?.netChargeCents).toBe(8_00);
    await form.chooseWhen('next_renewal');
    expect(previewCall).toHaveBeenLastCalledWith({ planId: 'plus', when: 'next_renewal' });
    expect(form.canConfirm).toBe(true);
    const done = form.confirm();
    expect(form.busy).toBe(true);
    expect(form.canConfirm).toBe(false);
    // A second click while the first is on its way sends nothing.
    expect(await form.confirm()).toBeNull();
    await done;
    expect(change).toHaveBeenCalledTimes(1);
    expect(change).toHaveBeenCalledWith({
      planId: 'plus',
      when: 'next_renewal',
      expectedChargeCents: 0,
    });
    expect(onChanged).toHaveBeenCalledOnce();
    expect(form.result?.status).toBe('pending');
    expect(form.canConfirm).toBe(false);
  });

  it('keeps only the newest preview when choices are made quickly', async () => {
    let release: (() => void) | undefined;
    const previewCall = vi.fn((body: { planId: string; when: 'now' | 'next_renewal' }) =>
      body.planId === 'slow'
        ? new Promise<{ ok: true; value: PlanChangePreview }>((resolve) => {
            release = () => resolve({ ok: true, value: preview('slow', body.when) });
          })
        : ok(preview(body.planId, body.when)),
    );
    installBridge({ plans: { preview: previewCall } });
    const form = new PlanChangeForm();
    const first = form.choosePlan('slow');
    await form.choosePlan('plus');
    release?.();
    await first;
    expect(form.preview?.newPlan.id).toBe('plus');
  });

  it('tells the shortfall when the balance is too low', async () => {
    installBridge({
      plans: {
        preview: () => ok(preview('plus', 'now')),
        change: () =>
          fail({ code: 'insufficient_balance', message: 'Not enough.', shortfallCents: 3_50 }),
      },
    });
    const form = new PlanChangeForm();
    await form.choosePlan('plus');
    await form.confirm();
    expect(form.shortfallCents).toBe(3_50);
    expect(form.result).toBeNull();
    // The person may try again once they have topped up.
    expect(form.canConfirm).toBe(true);
  });

  it('fetches a fresh preview when the price changed since the last one', async () => {
    const previewCall = vi.fn(() => ok(preview('plus', 'now')));
    installBridge({
      plans: {
        preview: previewCall,
        change: () => fail({ code: 'plan_price_changed', message: 'Changed.' }),
      },
    });
    const form = new PlanChangeForm();
    await form.choosePlan('plus');
    await form.confirm();
    await settled();
    expect(previewCall).toHaveBeenCalledTimes(2);
  });
});

describe('AddOnShop', () => {
  const purchase: AddOnPurchase = {
    addOn: {
      id: 'p1',
      addOnId: 'data-5gb',
      name: '5 GB',
      kind: 'data',
      dataMb: 5_120,
      remainingMb: 5_120,
      internationalMinutes: 0,
      remainingMinutes: null,
      expiresOn: '2026-12-06',
      purchasedAt: '2026-11-25T10:00:00.000Z',
    },
    charged: usd(10_00),
    balanceAfter: usd(0),
  };

  it('buys one pass at a time and reloads the list', async () => {
    const buy = vi.fn(() => ok(purchase));
    const list = vi.fn(() => ok({ available: [], active: [] }));
    installBridge({ addons: { buy, list } });
    const onBought = vi.fn();
    const shop = new AddOnShop({ onBought });
    await shop.list.load();
    const first = shop.buy('data-5gb');
    expect(shop.busy).toBe(true);
    expect(await shop.buy('data-1gb')).toBeNull();
    await first;
    await settled();
    expect(buy).toHaveBeenCalledTimes(1);
    expect(onBought).toHaveBeenCalledWith(purchase);
    expect(list).toHaveBeenCalledTimes(2);
    expect(shop.busy).toBe(false);
  });

  it('says how much credit is missing', async () => {
    installBridge({
      addons: {
        buy: () => fail({ code: 'insufficient_balance', message: 'No.', shortfallCents: 2_00 }),
      },
    });
    const shop = new AddOnShop();
    await shop.buy('data-5gb');
    expect(shop.shortfallCents).toBe(2_00);
    expect(shop.errorFor).toBe('data-5gb');
    expect(shortfallOf({ code: 'timeout', message: 'x' })).toBeNull();
  });
});

describe('plan and add-on texts', () => {
  it('exist in English and Spanish', () => {
    for (const key of [
      'plans.confirm',
      'plans.shortfall',
      'addOns.buy',
      'dashboard.plan.pending',
    ]) {
      expect(lookup(en, key), key).toEqual(expect.any(String));
      expect(lookup(es, key), key).toEqual(expect.any(String));
    }
  });
});
