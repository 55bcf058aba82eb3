/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlanAdvice, UsageInsights } from '../../../contract/http/insights';
import { I18n } from '../../../renderer/src/i18n/i18n.svelte';
import {
  adviceMessages,
  forecastMessage,
  forecastWarns,
} from '../../../renderer/src/screens/dashboard/insights';
import { DashboardData } from '../../../renderer/src/screens/dashboard/dashboard-data.svelte';
import { fail, installBridge, ok, settled } from './support/bridge';

/** Intl may put no-break or narrow spaces between parts; compare with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f\u2009]/g, ' ');

const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });

const forecast: UsageInsights['forecast'] = {
  status: 'runs_out',
  cycle: { start: '2026-11-07', end: '2026-12-06' },
  usedMb: 4_800,
  allowanceMb: 5_120,
  daysMeasured: 18,
  dailyPaceMb: 260,
  projectedMb: 7_900,
  runsOutOn: '2026-11-27',
};

const cycles = [1, 2, 3].map((n) => ({
  start: `2026-0${7 + n}-07`,
  end: `2026-0${8 + n}-06`,
  dataMb: 700,
  minutes: 90,
  texts: 200,
}));

const cheaper: PlanAdvice = {
  reason: 'cheaper_plan',
  cycles,
  currentCycleCost: usd(50_00),
  recommendation: {
    plan: {
      id: 'talk-text-1gb',
      name: 'Talk & Text 1 GB',
      monthlyPrice: usd(15_00),
      dataAllowanceMb: 1_024,
      dataAfterAllowance: 'blocked',
      hotspotMb: 0,
      talkMinutes: 500,
      texts: 1_000,
      internationalTexting: false,
      taxesAndFeesIncluded: false,
    },
    cycleCost: usd(17_74),
    savings: usd(96_78),
  },
};

function say(lang: 'en' | 'es') {
  const i18n = new I18n(lang);
  return {
    forecast: (f: UsageInsights['forecast']) =>
      plain(i18n.message(forecastMessage(f, i18n.locale))),
    advice: (a: PlanAdvice) => adviceMessages(a, i18n.locale).map((m) => plain(i18n.message(m))),
  };
}

describe('the data forecast in words', () => {
  it('names the day the data runs out, in English and Spanish', () => {
    expect(say('en').forecast(forecast)).toBe(
      'At this pace your data runs out on November 27, 2026.',
    );
    expect(say('es').forecast(forecast)).toBe(
      'A este ritmo, tus datos se acaban el 27 de noviembre de 2026.',
    );
    expect(forecastWarns(forecast)).toBe(true);
  });

  it('has a sentence for every other case', () => {
    const en = say('en');
    expect(en.forecast({ ...forecast, status: 'lasts', runsOutOn: null })).toBe(
      'At this pace your data lasts the whole cycle.',
    );
    expect(en.forecast({ ...forecast, status: 'used_up', runsOutOn: '2026-11-20' })).toBe(
      'You used all of this cycle’s data on November 20, 2026.',
    );
    expect(en.forecast({ ...forecast, status: 'unlimited', allowanceMb: null })).toBe(
      'Your data is unlimited, so it won’t run out.',
    );
    expect(en.forecast({ ...forecast, status: 'not_enough_data', runsOutOn: null })).toBe(
      'Not enough data yet to forecast this cycle.',
    );
    expect(forecastWarns({ ...forecast, status: 'lasts' })).toBe(false);
  });
});

describe('the plan advisor in words', () => {
  it('names the cheaper plan, the savings over the months looked at, and its price', () => {
    expect(say('en').advice(cheaper)).toEqual([
      'Over your last 3 months, Talk & Text 1 GB would have covered your usage for $96.78 less.',
      'Talk & Text 1 GB costs $15.00 a month ($17.74 with taxes and fees).',
      'Based on your data, talk and texts in your last 3 billing cycles.',
    ]);
    expect(say('es').advice(cheaper)[0]).toBe(
      'En tus últimos 3 meses, Talk & Text 1 GB habría cubierto tu uso por $96.78 menos.',
    );
  });

  it('speaks of one month when only one cycle has been completed', () => {
    const one = { ...cheaper, cycles: cycles.slice(0, 1) };
    expect(say('en').advice(one)[0]).toBe(
      'Over your last month, Talk & Text 1 GB would have covered your usage for $96.78 less.',
    );
    expect(say('en').advice(one)[2]).toBe(
      'Based on your data, talk and texts in your last billing cycle.',
    );
  });

  it('says the plan is the best fit, or why there is no advice', () => {
    const stay: PlanAdvice = { ...cheaper, reason: 'current_plan_best', recommendation: null };
    expect(say('en').advice(stay)[0]).toBe('Your plan is the best fit for how you use it.');
    expect(say('es').advice(stay)[0]).toBe('Tu plan es el que mejor se ajusta a tu uso.');
    expect(say('en').advice({ ...stay, reason: 'no_plan_fits' })[0]).toBe(
      'None of our plans would have covered all of your recent usage.',
    );
    expect(say('en').advice({ ...stay, reason: 'not_enough_history', cycles: [] })).toEqual([
      'After your first full billing cycle, we’ll check whether another plan would suit you better.',
    ]);
  });
});

describe('the dashboard loads the insights', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('after the summary, and keeps an error for its own card', async () => {
    const insights = vi.fn(() =>
      fail<UsageInsights>({
        code: 'network_unreachable',
        message: 'Can’t reach the account service.',
      }),
    );
    installBridge({
      account: {
        summary: () => ok({} as never),
        usage: () => ok({} as never),
        payments: () => ok({ items: [], nextCursor: null }),
        statements: () => ok({ items: [], nextCursor: null }),
        insights,
      },
    });
    const data = new DashboardData({});
    await data.load();
    await settled();
    expect(insights).toHaveBeenCalledTimes(1);
    expect(data.insights.status).toBe('error');
    expect(data.summary.status).toBe('ready');

    insights.mockImplementation(() => ok({ forecast, advisor: cheaper }));
    await data.insights.load();
    expect(data.insights.value?.advisor.recommendation?.plan.id).toBe('talk-text-1gb');
  });
});
