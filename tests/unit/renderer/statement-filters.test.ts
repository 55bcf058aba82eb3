/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StatementList, StatementSummary } from '../../../contract/http/account';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import { FileAction } from '../../../renderer/src/lib/file-action.svelte';
import { AppState } from '../../../renderer/src/state/app.svelte';
import {
  MAX_AMOUNT_CENTS,
  SEARCH_PAGE_SIZE,
  StatementFilterForm,
  StatementSearch,
  parseDollars,
  parseMonth,
} from '../../../renderer/src/screens/statements/statement-filters.svelte';
import { fail, installBridge, ok, settled } from './support/bridge';

afterEach(() => vi.unstubAllGlobals());

const summary = (id: string, month: string, cents: number): StatementSummary => ({
  id,
  periodStart: `${month}-01`,
  periodEnd: `${month}-28`,
  issuedAt: `${month}-01T06:00:00.000Z`,
  dueDate: `${month}-01`,
  total: { amountCents: cents, currency: 'USD' },
  status: 'paid',
});

describe('parseDollars', () => {
  it('turns dollars as people type them into whole cents', () => {
    const cases: Array<[string, number | undefined]> = [
      ['', undefined],
      ['   ', undefined],
      ['45', 4500],
      ['45.5', 4550],
      ['45.50', 4550],
      ['0.29', 29],
      ['$12', 1200],
      ['$ 1,234.05', 123405],
      ['0', 0],
      [' 7 ', 700],
    ];
    for (const [text, cents] of cases)
      expect(parseDollars(text), text).toEqual({ ok: true, cents });
  });

  it('refuses what is not an amount, with a sentence that says why', () => {
    for (const text of ['abc', '45.505', '4,5', '1,23', '45.', '.5', '1e3', '12 34', '45,50']) {
      expect(parseDollars(text), text).toEqual({ ok: false, error: 'statements.invalid.amount' });
    }
    for (const text of ['-5', '-0.01', '$-3']) {
      expect(parseDollars(text), text).toEqual({ ok: false, error: 'statements.invalid.negative' });
    }
    expect(parseDollars(String(MAX_AMOUNT_CENTS / 100))).toEqual({
      ok: true,
      cents: MAX_AMOUNT_CENTS,
    });
    for (const text of [String(MAX_AMOUNT_CENTS / 100 + 1), '9'.repeat(20)]) {
      expect(parseDollars(text), text).toEqual({ ok: false, error: 'statements.invalid.tooLarge' });
    }
  });
});

describe('parseMonth', () => {
  it('takes what a month field gives, or nothing', () => {
    expect(parseMonth('2026-04')).toEqual({ ok: true, month: '2026-04' });
    expect(parseMonth('')).toEqual({ ok: true, month: undefined });
    for (const bad of ['2026-13', '2026-4', 'April', '2026-00', '26-04']) {
      expect(parseMonth(bad), bad).toEqual({ ok: false });
    }
  });
});

describe('StatementFilterForm', () => {
  it('gives the API filters in cents, leaving out empty fields', () => {
    const form = new StatementFilterForm();
    expect(form.validate()).toEqual({});
    form.month = '2026-10';
    form.min = '10';
    form.max = '99.99';
    expect(form.validate()).toEqual({
      month: '2026-10',
      minAmountCents: 1000,
      maxAmountCents: 9999,
    });
    expect(form.errors).toEqual({});
  });

  it('names each wrong field, and the first one for focus', () => {
    const form = new StatementFilterForm();
    form.month = '2026-13';
    form.min = 'ten';
    form.max = '-1';
    expect(form.validate()).toBeNull();
    expect(form.errors).toEqual({
      month: 'statements.invalid.month',
      min: 'statements.invalid.amount',
      max: 'statements.invalid.negative',
    });
    expect(form.firstInvalid).toBe('month');
    form.edited('month');
    expect(form.errors.month).toBeUndefined();
    expect(form.firstInvalid).toBe('min');
  });

  it('refuses a range whose highest total is below its lowest', () => {
    const form = new StatementFilterForm();
    form.min = '50';
    form.max = '40';
    expect(form.validate()).toBeNull();
    expect(form.errors).toEqual({ max: 'statements.invalid.order' });
    form.max = '50';
    expect(form.validate()).toEqual({ minAmountCents: 5000, maxAmountCents: 5000 });
  });

  it('starts from filters in cents, shown as dollars, and clears to nothing', () => {
    const form = new StatementFilterForm({
      month: '2026-03',
      minAmountCents: 4500,
      maxAmountCents: 4505,
    });
    expect([form.month, form.min, form.max]).toEqual(['2026-03', '45', '45.05']);
    form.clear();
    expect([form.month, form.min, form.max]).toEqual(['', '', '']);
    expect(form.validate()).toEqual({});
  });

  it('has every message it can show in English and Spanish', () => {
    for (const key of [
      'statements.invalid.month',
      'statements.invalid.amount',
      'statements.invalid.negative',
      'statements.invalid.tooLarge',
      'statements.invalid.order',
    ]) {
      expect(lookup(en, key), key).toBeTruthy();
      expect(lookup(es, key), key).toBeTruthy();
    }
  });
});

describe('StatementSearch', () => {
  it('sends the filters with every page and appends older pages', async () => {
    const pages: Record<string, StatementList> = {
      first: { items: [summary('a', '2026-10', 4500)], nextCursor: 'c1' },
      c1: { items: [summary('b', '2026-10', 4600)], nextCursor: null },
    };
    const statements = vi.fn((input?: { cursor?: string }) => ok(pages[input?.cursor ?? 'first']!));
    installBridge({ account: { statements } });
    const search = new StatementSearch();
    await search.search({ month: '2026-10' });
    expect(search.status).toBe('ready');
    expect(search.items.map((s) => s.id)).toEqual(['a']);
    expect(search.hasMore).toBe(true);
    await search.loadMore();
    expect(search.items.map((s) => s.id)).toEqual(['a', 'b']);
    expect(search.hasMore).toBe(false);
    expect(statements.mock.calls).toEqual([
      [{ month: '2026-10', limit: SEARCH_PAGE_SIZE }],
      [{ month: '2026-10', cursor: 'c1', limit: SEARCH_PAGE_SIZE }],
    ]);
  });

  it('keeps only the newest search when an older answer arrives late', async () => {
    let release: (value: { ok: true; value: StatementList }) => void = () => {};
    const slow = new Promise<{ ok: true; value: StatementList }>((r) => (release = r));
    const statements = vi
      .fn()
      .mockReturnValueOnce(slow)
      .mockReturnValueOnce(ok({ items: [summary('new', '2026-09', 100)], nextCursor: null }));
    installBridge({ account: { statements } });
    const search = new StatementSearch();
    const first = search.search({ month: '2026-10' });
    await search.search({ month: '2026-09' });
    release({ ok: true, value: { items: [summary('old', '2026-10', 100)], nextCursor: null } });
    await first;
    expect(search.items.map((s) => s.id)).toEqual(['new']);
    expect(search.filters).toEqual({ month: '2026-09' });
  });

  it('reports a failed search, and tells the session handler', async () => {
    const onError = vi.fn();
    installBridge({
      account: { statements: () => fail({ code: 'session_expired', message: 'Ended.' }) },
    });
    const search = new StatementSearch({ onError });
    await search.search({});
    expect(search.status).toBe('error');
    expect(search.error?.code).toBe('session_expired');
    expect(onError).toHaveBeenCalledOnce();
  });
});

describe('FileAction', () => {
  it('reports saved with the name, cancelled, and failed', async () => {
    const onError = vi.fn();
    const action = new FileAction({ onError });
    expect(action.state).toEqual({ status: 'idle' });
    const saving = action.save(() =>
      ok({ saved: true, fileName: 'airtime-statement-2026-10.pdf' }),
    );
    expect(action.busy).toBe(true);
    await saving;
    expect(action.state).toEqual({ status: 'saved', fileName: 'airtime-statement-2026-10.pdf' });
    await action.save(() => ok({ saved: false }));
    expect(action.state).toEqual({ status: 'cancelled' });
    await action.save(() => fail({ code: 'network_unreachable', message: 'Offline.' }));
    expect(action.state).toMatchObject({ status: 'failed', opening: false });
    expect(onError).toHaveBeenCalledOnce();
    await action.open(() => ok({ fileName: 'a.pdf' }));
    expect(action.state).toEqual({ status: 'opened', fileName: 'a.pdf' });
    action.reset();
    expect(action.state).toEqual({ status: 'idle' });
  });

  it('ignores a second click while the first save runs', async () => {
    const action = new FileAction();
    const call = vi.fn(() => ok({ saved: true as const, fileName: 'x.csv' }));
    const first = action.save(call);
    void action.save(call);
    await first;
    await settled();
    expect(call).toHaveBeenCalledOnce();
  });
});

describe('statement search routes', () => {
  const session = {
    subscriber: { id: 's1', phone: '+12065550100', name: 'Maria Garcia', email: 'm@example.com' },
    persisted: false,
  };
  const settingsBridge = {
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
  };

  it('return from a statement to the search it was opened from, filters kept', async () => {
    installBridge(settingsBridge);
    const state = new AppState({ systemTheme: 'light', systemLanguage: 'en' });
    state.openStatements();
    // Signed out: nowhere to search, the route stays where it was.
    expect(state.route).toEqual({ name: 'starting' });
    state.signedIn(session);
    state.openStatements({ month: '2026-10' });
    expect(state.route).toEqual({ name: 'statements', filters: { month: '2026-10' } });
    state.openStatement('st-1', { month: '2026-10' });
    state.back();
    expect(state.route).toEqual({ name: 'statements', filters: { month: '2026-10' } });
    state.back();
    expect(state.route).toEqual({ name: 'dashboard' });
    state.openStatement('st-1');
    state.back();
    expect(state.route).toEqual({ name: 'dashboard' });
    await settled();
  });
});
