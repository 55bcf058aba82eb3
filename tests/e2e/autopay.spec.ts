import type { Kysely } from 'kysely';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, subscriberIdOf } from './support/account-facts';
import {
  collectPageErrors,
  expectNoAxeViolations,
  fillCard,
  fmt,
  signIn,
  t,
  waitForDashboard,
  type Lang,
} from './support/ui';
import { HOUR_MS, systemClock } from '../../server/src/clock';
import type { Database } from '../../server/src/db/schema';
import { SandboxProcessor, SANDBOX_TEST_CARDS } from '../../server/src/billing/sandbox-processor';
import { AutopayService } from '../../server/src/billing/autopay';
import { dayToMs } from '../../server/src/billing/billing-cycle';

const maria = DEMO_SUBSCRIBERS[0]!;
/** The AutoPay discount the tests give Maria's plan (the demo plans carry none). */
const DISCOUNT_CENTS = 5_00;

/** AutoPay as the API computes it right now (the same service `GET /v1/account/autopay` uses). */
async function autopayOf(db: Kysely<Database>, phone: string) {
  return new AutopayService(db, systemClock).view(await subscriberIdOf(db, phone));
}

async function giveDiscount(db: Kysely<Database>, phone: string, cents: number): Promise<void> {
  const { plan_id } = await db
    .selectFrom('subscribers')
    .select('plan_id')
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('plans')
    .set({ autopay_discount_cents: cents })
    .where('id', '=', plan_id)
    .execute();
}

/**
 * A card saved on the account straight in the database, tokenised by the API's own sandbox
 * processor. Saving through the API asks the issuer first, so a card that declines, or one with an
 * expiry the API would no longer accept, can only be put in place this way.
 */
async function storeCard(
  db: Kysely<Database>,
  phone: string,
  card: { number: string; expMonth: number; expYear: number },
): Promise<string> {
  const owner = await subscriberIdOf(db, phone);
  const processor = new SandboxProcessor(db, systemClock);
  // The sandbox refuses a past expiry; the token only needs a current one.
  const tokenised = await processor.tokenise({
    number: card.number,
    expMonth: 12,
    expYear: 2030,
    cvc: '123',
  });
  const id = `pm_e2e_${tokenised.token.slice(-8)}`;
  await db
    .insertInto('payment_methods')
    .values({
      id,
      subscriber_id: owner,
      token: tokenised.token,
      brand: tokenised.brand,
      last4: tokenised.last4,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      nickname: null,
      is_default: 0,
      created_at: systemClock.now(),
      deleted_at: null,
    })
    .execute();
  return id;
}

/** AutoPay on with that card, as the API would have stored it. */
async function autopayOn(db: Kysely<Database>, phone: string, paymentMethodId: string) {
  await db
    .insertInto('autopay_settings')
    .values({
      subscriber_id: await subscriberIdOf(db, phone),
      enabled: 1,
      payment_method_id: paymentMethodId,
      updated_at: systemClock.now(),
    })
    .execute();
}

async function autopayEnabled(db: Kysely<Database>, phone: string): Promise<boolean> {
  const row = await db
    .selectFrom('autopay_settings')
    .select('enabled')
    .where('subscriber_id', '=', await subscriberIdOf(db, phone))
    .executeTakeFirst();
  return row?.enabled === 1;
}

const heading = (page: Page, lang: Lang, key: string) =>
  page.getByRole('heading', { level: 1, name: t(lang, key), exact: true });

const button = (page: Page, key: string, lang: Lang = 'en') =>
  page.getByRole('button', { name: t(lang, key), exact: true });

test('from the dashboard: add a card, turn AutoPay on with its discount, next charge and estimate, then off after confirming', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  await giveDiscount(db, maria.phone, DISCOUNT_CENTS);
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);

  await button(page, 'autopay.balanceLink.off').click();
  await expect(heading(page, 'en', 'autopay.title')).toBeVisible();
  await expect(page.getByTestId('autopay-status')).toHaveText(t('en', 'autopay.off'));
  await expect(page.getByTestId('autopay-discount')).toHaveText(
    t('en', 'autopay.discountOffer', { amount: fmt.money(DISCOUNT_CENTS, 'USD', 'en') }),
  );
  await expect(page.getByTestId('autopay-last-run-none')).toHaveText(
    t('en', 'autopay.lastRun.none'),
  );

  // No saved card yet: the chooser says so and opens the card form at once.
  await button(page, 'autopay.turnOn').click();
  await expect(page.getByTestId('autopay-no-cards')).toHaveText(t('en', 'autopay.noCards'));
  await fillCard(page, '4242 4242 4242 4241');
  await button(page, 'autopay.saveCard').click();
  await expect(page.getByText(t('en', 'payments.card.numberInvalid'))).toBeVisible();
  await fillCard(page, '4242 4242 4242 4242');
  await button(page, 'autopay.saveCard').click();
  const visa = page.getByRole('radio', { name: /Visa ending in 4242/ });
  await expect(visa).toBeChecked();
  await desktop.screenshot('autopay-choose-card');

  await button(page, 'autopay.turnOn').click();
  const visaName = t('en', 'autopay.cardName', { brand: 'Visa', last4: '4242' });
  await expect(page.getByTestId('autopay-done')).toHaveText(
    t('en', 'autopay.done.on', { card: visaName }),
  );
  expect(await autopayEnabled(db, maria.phone)).toBe(true);

  const view = await autopayOf(db, maria.phone);
  const facts = await accountFacts(db, maria.phone);
  // The estimate is the renewal less the discount less the credit: what is due, $5 less.
  expect(view.nextChargeCents).toBe(Math.max(0, facts.amountDueCents - DISCOUNT_CENTS));
  await expect(page.getByTestId('autopay-status')).toHaveText(t('en', 'autopay.on'));
  await expect(page.getByTestId('autopay-card')).toHaveText(
    `${visaName} ${t('en', 'autopay.cardExpires', { expiry: '12/30' })}`,
  );
  await expect(page.getByTestId('autopay-discount')).toHaveText(
    t('en', 'autopay.discountValue', { amount: fmt.money(DISCOUNT_CENTS, 'USD', 'en') }),
  );
  await expect(page.getByTestId('autopay-next-charge')).toHaveText(
    fmt.day(view.nextChargeOn!, 'en', 'long'),
  );
  await expect(page.getByTestId('autopay-estimate')).toHaveText(
    fmt.money(view.nextChargeCents!, 'USD', 'en'),
  );
  await expect(page.getByTestId('autopay-renews-on')).toHaveText(
    fmt.day(facts.cycle.renewsOn, 'en', 'long'),
  );
  await expectNoAxeViolations(page, 'AutoPay (on)');
  await desktop.screenshot('autopay-on');

  // The dashboard knows: its link now says AutoPay is on.
  await page.getByRole('button', { name: t('en', 'security.backToAccount') }).click();
  await button(page, 'autopay.balanceLink.on').click();
  await expect(heading(page, 'en', 'autopay.title')).toBeVisible();

  // Turning off asks first; Cancel leaves it on.
  await button(page, 'autopay.turnOff').click();
  const dialog = page.getByRole('dialog', { name: t('en', 'autopay.confirmOffTitle') });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(
    t('en', 'autopay.confirmOffDiscount', { amount: fmt.money(DISCOUNT_CENTS, 'USD', 'en') }),
  );
  await expectNoAxeViolations(page, 'AutoPay, turn off?');
  await desktop.screenshot('autopay-confirm-off');
  await dialog.getByRole('button', { name: t('en', 'app.cancel') }).click();
  await expect(dialog).toBeHidden();
  expect(await autopayEnabled(db, maria.phone)).toBe(true);

  await button(page, 'autopay.turnOff').click();
  await dialog.getByRole('button', { name: t('en', 'autopay.turnOff') }).click();
  await expect(page.getByTestId('autopay-done')).toHaveText(t('en', 'autopay.done.off'));
  await expect(page.getByTestId('autopay-status')).toHaveText(t('en', 'autopay.off'));
  await expect(page.getByTestId('autopay-next-charge')).toHaveCount(0);
  expect(await autopayEnabled(db, maria.phone)).toBe(false);
  expect(errors).toEqual([]);
});

test('from Refill and pay: a card removed elsewhere and a card that has expired get their own clear errors', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  await button(page, 'dashboard.balance.refillOrPay').click();
  await expect(heading(page, 'en', 'payments.title')).toBeVisible();
  await button(page, 'autopay.paymentsCard.setUp').click();
  await expect(heading(page, 'en', 'autopay.title')).toBeVisible();

  await button(page, 'autopay.turnOn').click();
  await fillCard(page, '4242 4242 4242 4242');
  await button(page, 'autopay.saveCard').click();
  await expect(page.getByRole('radio', { name: /Visa ending in 4242/ })).toBeChecked();

  // Removed on another device while this screen was open.
  const owner = await subscriberIdOf(db, maria.phone);
  await db
    .updateTable('payment_methods')
    .set({ deleted_at: systemClock.now() })
    .where('subscriber_id', '=', owner)
    .execute();
  await button(page, 'autopay.turnOn').click();
  await expect(page.getByTestId('autopay-error')).toHaveText(t('en', 'autopay.errors.cardGone'));
  await expect(page.getByTestId('autopay-no-cards')).toHaveText(t('en', 'autopay.noCards'));

  await button(page, 'autopay.addCard').click();
  await fillCard(page, '5555 5555 5555 4444');
  await button(page, 'autopay.saveCard').click();
  const mastercard = page.getByRole('radio', { name: /Mastercard ending in 4444/ });
  await expect(mastercard).toBeChecked();

  // Its expiry passed while the screen was open: the API refuses it, and the list shows why.
  await db
    .updateTable('payment_methods')
    .set({ exp_month: 1, exp_year: 2024 })
    .where('subscriber_id', '=', owner)
    .where('last4', '=', '4444')
    .execute();
  await button(page, 'autopay.turnOn').click();
  await expect(page.getByTestId('autopay-error')).toHaveText(t('en', 'autopay.errors.cardExpired'));
  await expect(page.getByRole('group', { name: t('en', 'autopay.chooseLegend') })).toContainText(
    t('en', 'autopay.expiredTag'),
  );
  expect(await autopayEnabled(db, maria.phone)).toBe(false);
  await desktop.screenshot('autopay-card-expired');

  await page.getByRole('button', { name: t('en', 'autopay.backToPayments') }).click();
  await expect(heading(page, 'en', 'payments.title')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a failed AutoPay run shows on the dashboard with the reason, and leads to AutoPay or to paying now', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const card = await storeCard(db, maria.phone, {
    number: SANDBOX_TEST_CARDS.insufficientFunds,
    expMonth: 12,
    expYear: 2030,
  });
  await autopayOn(db, maria.phone, card);
  const before = await autopayOf(db, maria.phone);
  // The real job, at a moment inside the charge window (the 24 hours before the renewal).
  const outcome = await api.runAutopay(dayToMs(before.renewsOn) - 12 * HOUR_MS);
  expect(outcome).toMatchObject({ succeeded: 0, failed: 1, errors: 0 });
  const { lastRun } = await autopayOf(db, maria.phone);
  expect(lastRun).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds' });

  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const alert = page.getByTestId('autopay-failed-alert');
  await expect(alert.getByRole('alert')).toContainText(t('en', 'autopay.alert.failedTitle'));
  await expect(page.getByTestId('autopay-failed-detail')).toHaveText(
    `${t('en', 'autopay.alert.failedDetail', {
      amount: fmt.money(lastRun!.amountCents!, 'USD', 'en'),
      date: fmt.day(before.renewsOn, 'en', 'long'),
    })} ${t('en', 'cards.decline.insufficient_funds')}`,
  );
  await expect(alert).toContainText(t('en', 'autopay.alert.failedUnpaid'));
  await expectNoAxeViolations(page, 'dashboard with a failed AutoPay');
  await desktop.screenshot('autopay-dashboard-failed');

  await alert.getByRole('button', { name: t('en', 'autopay.alert.updateCard') }).click();
  await expect(heading(page, 'en', 'autopay.title')).toBeVisible();
  await expect(page.getByTestId('autopay-last-run-status')).toHaveText(
    t('en', 'autopay.lastRun.failed'),
  );
  await expect(page.getByTestId('autopay-last-run-reason')).toHaveText(
    t('en', 'cards.decline.insufficient_funds'),
  );
  await expect(page.getByTestId('autopay-last-run-amount')).toHaveText(
    fmt.money(lastRun!.amountCents!, 'USD', 'en'),
  );
  await expectNoAxeViolations(page, 'AutoPay with a failed run');
  await desktop.screenshot('autopay-failed-run');

  await page.getByRole('button', { name: t('en', 'security.backToAccount') }).click();
  await page
    .getByTestId('autopay-failed-alert')
    .getByRole('button', { name: t('en', 'autopay.payNow') })
    .click();
  await expect(heading(page, 'en', 'payments.title')).toBeVisible();
  expect(errors).toEqual([]);
});

test('an AutoPay card that will have expired by the next charge is flagged ahead of time, and choosing a current card clears it', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const today = new Date(systemClock.now());
  const year = today.getUTCFullYear();
  const month = today.getUTCMonth() + 1;
  let expiry: { expMonth: number; expYear: number };
  if (today.getUTCDate() >= 2) {
    // Renewing on the 2nd puts the next charge in next month, after a card of this month is done.
    await db
      .updateTable('subscribers')
      .set({ cycle_anchor_day: 2 })
      .where('phone', '=', maria.phone)
      .execute();
    expiry = { expMonth: month, expYear: year };
  } else {
    // On the 1st no card still good today runs out before a renewal; last month's card has.
    expiry =
      month === 1 ? { expMonth: 12, expYear: year - 1 } : { expMonth: month - 1, expYear: year };
  }
  const card = await storeCard(db, maria.phone, { number: SANDBOX_TEST_CARDS.approves, ...expiry });
  await autopayOn(db, maria.phone, card);
  const view = await autopayOf(db, maria.phone);
  expect(view.cardExpiresBeforeNextCharge).toBe(true);
  const shownExpiry = `${String(expiry.expMonth).padStart(2, '0')}/${String(expiry.expYear % 100).padStart(2, '0')}`;
  const warning = t('en', 'autopay.expiring', {
    card: t('en', 'autopay.cardName', { brand: 'Visa', last4: '4242' }),
    expiry: shownExpiry,
    date: fmt.day(view.nextChargeOn!, 'en', 'long'),
  });

  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const alert = page.getByTestId('autopay-expiring-alert');
  await expect(alert.getByRole('status')).toContainText(t('en', 'autopay.alert.expiringTitle'));
  await expect(alert.getByRole('status')).toContainText(warning);
  await expect(page.getByTestId('autopay-failed-alert')).toHaveCount(0);
  await expectNoAxeViolations(page, 'dashboard with an expiring AutoPay card');
  await desktop.screenshot('autopay-dashboard-expiring');

  await alert.getByRole('button', { name: t('en', 'autopay.alert.updateCard') }).click();
  await expect(heading(page, 'en', 'autopay.title')).toBeVisible();
  await expect(page.getByTestId('autopay-expiring')).toHaveText(warning);

  await button(page, 'autopay.changeCard').click();
  await button(page, 'autopay.addCard').click();
  await fillCard(page, '5555 5555 5555 4444');
  await button(page, 'autopay.saveCard').click();
  await expect(page.getByRole('radio', { name: /Mastercard ending in 4444/ })).toBeChecked();
  await button(page, 'autopay.useCard').click();
  await expect(page.getByTestId('autopay-done')).toHaveText(
    t('en', 'autopay.done.changed', {
      card: t('en', 'autopay.cardName', { brand: 'Mastercard', last4: '4444' }),
    }),
  );
  await expect(page.getByTestId('autopay-expiring')).toHaveCount(0);

  await page.getByRole('button', { name: t('en', 'security.backToAccount') }).click();
  await expect(page.getByTestId('balance')).toBeVisible();
  await expect(page.getByTestId('autopay-expiring-alert')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('the AutoPay screen in Spanish: status, card, discount, next charge and estimate', async ({
  launch,
  api,
}) => {
  const db = api.database.db;
  await giveDiscount(db, maria.phone, DISCOUNT_CENTS);
  const card = await storeCard(db, maria.phone, {
    number: SANDBOX_TEST_CARDS.approves,
    expMonth: 12,
    expYear: 2030,
  });
  await autopayOn(db, maria.phone, card);
  const view = await autopayOf(db, maria.phone);

  const desktop = await launch({ systemLanguage: 'es-US' });
  const page = desktop.page;
  await signIn(page, maria, { lang: 'es' });
  await waitForDashboard(page);
  await button(page, 'autopay.balanceLink.on', 'es').click();
  await expect(heading(page, 'es', 'autopay.title')).toBeVisible();
  await expect(page).toHaveTitle(t('es', 'app.titleSuffix', { screen: t('es', 'autopay.title') }));
  await expect(page.getByTestId('autopay-status')).toHaveText(t('es', 'autopay.on'));
  await expect(page.getByTestId('autopay-card')).toHaveText(
    `${t('es', 'autopay.cardName', { brand: 'Visa', last4: '4242' })} ${t('es', 'autopay.cardExpires', { expiry: '12/30' })}`,
  );
  await expect(page.getByTestId('autopay-discount')).toHaveText(
    t('es', 'autopay.discountValue', { amount: fmt.money(DISCOUNT_CENTS, 'USD', 'es') }),
  );
  await expect(page.getByTestId('autopay-next-charge')).toHaveText(
    fmt.day(view.nextChargeOn!, 'es', 'long'),
  );
  await expect(page.getByTestId('autopay-estimate')).toHaveText(
    fmt.money(view.nextChargeCents!, 'USD', 'es'),
  );
  await expect(page.getByTestId('autopay-last-run-none')).toHaveText(
    t('es', 'autopay.lastRun.none'),
  );
  await expectNoAxeViolations(page, 'AutoPay in Spanish');
  await desktop.screenshot('autopay-es');
});
