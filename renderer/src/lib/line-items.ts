import type { CardBrand } from '../../../contract/cards';
import type { LineItem } from '../../../contract/line-items';
import type { TranslationKey, TranslationValues } from '../i18n/keys';
import { formatAllowanceGb, formatCount, formatDay, formatDayRange } from './format';

/** What wording a line needs of the app's i18n: its catalogue and the locale of its figures. */
export interface LineWording {
  t(key: TranslationKey, values?: TranslationValues): string;
  readonly locale: string;
}

/** `plain`, `last4` or `brand`: how much of the card a payment line can name. */
function cardVariant(brand: CardBrand, last4: string | null): 'plain' | 'last4' | 'brand' {
  if (last4 === null) return 'plain';
  return brand === 'unknown' ? 'last4' : 'brand';
}

/**
 * A statement line, receipt item or payment in words (`lineItems.<kind>` of the catalogues),
 * from its kind and parameters: the API sends no sentences. Figures and days are written in the
 * app's locale; plan names are names, the same in every language.
 */
export function lineItemText(item: LineItem, i18n: LineWording): string {
  const { t, locale } = i18n;
  const count = (value: number) => formatCount(value, locale);
  switch (item.kind) {
    case 'plan_renewal':
      return item.period
        ? t('lineItems.plan_renewal.period', {
            plan: item.planName,
            period: formatDayRange(item.period.from, item.period.to, locale),
          })
        : t('lineItems.plan_renewal.monthly', { plan: item.planName });
    case 'plan_change_charge':
      return t('lineItems.plan_change_charge', {
        plan: item.toPlanName,
        days: count(item.days),
        cycleDays: count(item.cycleDays),
      });
    case 'plan_change_credit':
      return t('lineItems.plan_change_credit', {
        plan: item.fromPlanName,
        days: count(item.days),
        cycleDays: count(item.cycleDays),
      });
    case 'data_pass':
      return t('lineItems.data_pass', {
        data: formatAllowanceGb(item.dataMb, locale),
        until: formatDay(item.until, locale),
      });
    case 'international_pass':
      return t('lineItems.international_pass', {
        minutes: count(item.minutes),
        until: formatDay(item.until, locale),
      });
    case 'tax':
      return t(`lineItems.tax.${item.name}`);
    case 'fee':
      return t(`lineItems.fee.${item.name}`);
    case 'autopay_discount':
      return t('lineItems.autopay_discount');
    case 'card_payment':
    case 'autopay_payment':
      return t(`lineItems.${item.kind}.${cardVariant(item.brand, item.last4)}`, {
        brand: t(`cards.brand.${item.brand}`),
        last4: item.last4 ?? '',
      });
    case 'refill_pin':
      return t('lineItems.refill_pin');
    case 'other':
      return item.text;
  }
}
