import type { DataForecast, PlanAdvice } from '../../../../contract/http/insights';
import { formatMoney } from '../../../../contract/money';
import type { Message } from '../../i18n/keys';
import { formatDay } from '../../lib/format';

/**
 * The insights in words: which sentence each forecast and piece of advice calls for. Kept out of
 * the components so the wording for every case can be checked without a DOM.
 */

/** One sentence about where this cycle's data is heading. */
export function forecastMessage(forecast: DataForecast, locale: string): Message {
  const date = (day: string | null) => formatDay(day ?? forecast.cycle.end, locale, 'long');
  switch (forecast.status) {
    case 'runs_out':
      return { key: 'dashboard.forecast.runsOut', values: { date: date(forecast.runsOutOn) } };
    case 'used_up':
      return { key: 'dashboard.forecast.usedUp', values: { date: date(forecast.runsOutOn) } };
    case 'lasts':
      return { key: 'dashboard.forecast.lasts' };
    case 'unlimited':
      return { key: 'dashboard.forecast.unlimited' };
    case 'not_enough_data':
      return { key: 'dashboard.forecast.notEnoughData' };
  }
}

/** Forecasts that warn: the allowance will not, or did not, last the cycle. */
export function forecastWarns(forecast: DataForecast): boolean {
  return forecast.status === 'runs_out' || forecast.status === 'used_up';
}

/** The advisor's verdict, and for a suggested plan what it costs, as sentences. */
export function adviceMessages(advice: PlanAdvice, locale: string): Message[] {
  const count = advice.cycles.length;
  const basis: Message[] = count > 0 ? [{ key: 'dashboard.advisor.basis', values: { count } }] : [];
  const r = advice.recommendation;
  if (r) {
    return [
      {
        key: 'dashboard.advisor.cheaper',
        values: { count, plan: r.plan.name, savings: formatMoney(r.savings, locale) },
      },
      {
        key: 'dashboard.advisor.price',
        values: {
          plan: r.plan.name,
          price: formatMoney(r.plan.monthlyPrice, locale),
          cost: formatMoney(r.cycleCost, locale),
        },
      },
      ...basis,
    ];
  }
  switch (advice.reason) {
    case 'not_enough_history':
      return [{ key: 'dashboard.advisor.notEnoughHistory' }];
    case 'no_plan_fits':
      return [{ key: 'dashboard.advisor.noPlanFits' }, ...basis];
    default:
      return [{ key: 'dashboard.advisor.best' }, ...basis];
  }
}
