import type { Kysely } from 'kysely';
import type { Page } from '@playwright/test';
import { SavedCard } from '../../contract/http/payments';
import { lineItemText } from '../../contract/line-item-words';
import { LineItem } from '../../contract/line-items';
import { systemClock } from '../../server/src/clock';
import type { Database } from '../../server/src/db/schema';
import { loadRefillPinKey } from '../../server/src/secrets';
import { toReceipt } from '../../server/src/billing/payment-service';
import { generatePins } from '../../server/src/billing/refill-pins';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts } from './support/account-facts';
import {
  LOCALE,
  apiAccessToken,
  closedPortUrl,
  collectPageErrors,
  expectNoAxeViolations,
  fmt,
  openPayments,
  signIn,
  squash,
  t,
  waitForDashboard,
  type Lang,
} from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

/** Maria's payments straight from the API's database, in the order the history lists them. */
async function paymentRows(db: Kysely<Database>, phone: string) {
  const { id } = await db
    .selectFrom('subscribers')
    .select('id')
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  return db
    .selectFrom('payments')
    .selectAll()
    .where('subscriber_id', '=', id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
type PaymentRow = Awaited<ReturnType<typeof paymentRows>>[number];

/** How the history names a payment's method, from its row. */
function methodText(row: PaymentRow, lang: Lang): string {
  const brand = t(lang, `cards.brand.${row.card_brand ?? 'unknown'}`);
  if (row.method === 'refill_pin') return t(lang, 'paymentHistory.method.refill_pin');
  if (row.method === 'cash') return t(lang, 'paymentHistory.method.cash');
  if (row.method === 'autopay') {
    return row.card_last4
      ? t(lang, 'paymentHistory.method.autopayCard', { brand, last4: row.card_last4 })
      : t(lang, 'paymentHistory.method.autopay');
  }
  return t(lang, 'paymentHistory.method.card', { brand, last4: row.card_last4! });
}

/** A moment as the receipt shows it (the browser runs in this machine's time zone too). */
const moment = (ms: number, lang: Lang) =>
  squash(
    new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(ms),
    ),
  );

/** The local calendar day of a moment, as the history's rows show it. */
const localDay = (ms: number, lang: Lang) =>
  squash(
    new Intl.DateTimeFormat(LOCALE[lang], {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
    }).format(new Date(ms)),
  );

/** Checks the open receipt against the payment's row, in `lang`. */
async function expectReceipt(page: Page, row: PaymentRow, lang: Lang) {
  const expected = toReceipt(row);
  const money = (cents: number) => fmt.money(cents, row.currency, lang);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t(lang, 'paymentHistory.receiptTitle'),
  );
  await expect(page.getByTestId('history-receipt-number')).toHaveText(expected.receiptNumber);
  if (row.receipt_number) expect(expected.receiptNumber).toBe(row.receipt_number);
  await expect(page.getByTestId('history-receipt-amount')).toHaveText(money(row.amount_cents));
  await expect(page.getByTestId('history-receipt-total')).toHaveText(money(row.amount_cents));
  await expect(page.getByTestId('history-receipt-method')).toHaveText(methodText(row, lang));
  await expect(page.getByTestId('history-receipt-date')).toHaveText(moment(row.created_at, lang));
  await expect(page.getByTestId('history-receipt-status')).toContainText(
    t(lang, `paymentHistory.statuses.${row.status}`),
  );
  await expect(page.getByTestId('history-receipt-balance')).toHaveText(
    row.balance_after_cents !== null
      ? money(row.balance_after_cents)
      : row.status === 'failed'
        ? t(lang, 'paymentHistory.noBalanceChange')
        : t(lang, 'paymentHistory.balanceNotKept'),
  );
  const items = page.getByTestId('history-receipt-item');
  await expect(items).toHaveCount(1);
  await expect(items.locator('td').first()).toHaveText(
    lineItemText(LineItem.parse(JSON.parse(row.item)), lang),
  );
  await expect(items.locator('td').last()).toHaveText(money(row.amount_cents));
}

test('pay by card and refill with a PIN: the history lists both, and each receipt matches the database', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const db = api.database.db;
  const key = await loadRefillPinKey(db, systemClock);
  const [pin] = (await generatePins(db, systemClock, key, { count: 1, valueCents: 2500 })).pins;
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await openPayments(page);

  // A refill, a card payment, and a declined card: three new rows, newest first.
  await page.getByLabel(t('en', 'payments.refill.pinLabel')).fill(pin!);
  await page.getByRole('button', { name: t('en', 'payments.refill.submit'), exact: true }).click();
  await expect(page.getByTestId('receipt')).toBeVisible();
  await page.getByRole('button', { name: t('en', 'payments.receipt.done') }).click();
  const payByCard = async (number: string, amount: string) => {
    await page.getByLabel(t('en', 'payments.pay.amountLabel')).fill(amount);
    await page.getByRole('radio', { name: t('en', 'payments.pay.newCard') }).check();
    await page.getByLabel(t('en', 'payments.card.numberLabel')).fill(number);
    await page.getByLabel(t('en', 'payments.card.expiryLabel')).fill('12/30');
    await page.getByLabel(t('en', 'payments.card.cvcLabel')).fill('123');
    await page.getByRole('button', { name: t('en', 'payments.pay.submit'), exact: true }).click();
  };
  await payByCard('4242 4242 4242 4242', '20');
  await expect(page.getByTestId('receipt')).toBeVisible();
  await page.getByRole('button', { name: t('en', 'payments.receipt.done') }).click();
  await payByCard('4000 0000 0000 0002', '15');
  await expect(page.getByTestId('pay-error')).toHaveText(t('en', 'errors.card_declined'));

  await page.getByRole('button', { name: t('en', 'payments.history') }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'paymentHistory.title') }),
  ).toBeFocused();
  const rows = await paymentRows(db, maria.phone);
  const [declined, card, refill] = rows;
  expect([declined!.status, declined!.decline_code, declined!.amount_cents]).toEqual([
    'failed',
    'card_declined',
    15_00,
  ]);
  expect([card!.method, card!.amount_cents, card!.status]).toEqual(['card', 20_00, 'succeeded']);
  expect([refill!.method, refill!.amount_cents]).toEqual(['refill_pin', 25_00]);

  // Every payment on the account, in the database's order (they fit on the first page).
  expect(rows.length).toBeLessThanOrEqual(20);
  const listed = page.getByTestId('history-row');
  await expect(listed).toHaveCount(rows.length);
  expect(
    await listed.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-payment-id'))),
  ).toEqual(rows.map((r) => r.id));
  await expect(page.getByRole('button', { name: t('en', 'paymentHistory.more') })).toHaveCount(0);
  for (const row of rows.slice(0, 3)) {
    const tr = page.locator(`[data-payment-id="${row.id}"]`);
    await expect(tr.getByTestId('history-method')).toHaveText(methodText(row, 'en'));
    await expect(tr.getByTestId('history-amount')).toHaveText(
      fmt.money(row.amount_cents, row.currency, 'en'),
    );
    await expect(tr.getByTestId('history-status')).toContainText(
      t('en', `paymentHistory.statuses.${row.status}`),
    );
  }
  await expect(
    page.locator(`[data-payment-id="${declined!.id}"]`).getByTestId('history-reason'),
  ).toHaveText(t('en', 'cards.decline.card_declined'));
  await expect(page.getByTestId('history-reason')).toHaveCount(1);
  await expectNoAxeViolations(page, 'payment history');
  await desktop.screenshot('payment-history');

  // Each new payment's receipt, against its row.
  const balance = (await accountFacts(db, maria.phone)).balanceCents;
  for (const row of [refill!, card!, declined!]) {
    const open = page.locator(`[data-payment-id="${row.id}"]`).getByRole('button', {
      name: t('en', 'paymentHistory.openReceiptLabel', {
        amount: fmt.money(row.amount_cents, row.currency, 'en'),
        date: localDay(row.created_at, 'en'),
      }),
    });
    await open.click();
    await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
    await expectReceipt(page, row, 'en');
    if (row === card) {
      // Nothing moved money after it (the decline did not): its balance is the balance now.
      expect(row.balance_after_cents).toBe(balance);
      await expectNoAxeViolations(page, 'payment receipt');
      await desktop.screenshot('payment-receipt');
      await page
        .getByRole('button', {
          name: t('en', 'paymentHistory.copyNumberLabel', { number: row.receipt_number! }),
        })
        .click();
      await expect(page.getByTestId('history-receipt-copied')).toHaveText(
        t('en', 'clipboard.copied'),
      );
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(row.receipt_number);
    }
    if (row === declined) {
      await expect(page.getByTestId('history-receipt-status')).toContainText(
        t('en', 'cards.decline.card_declined'),
      );
      await desktop.screenshot('payment-receipt-declined');
    }
    await page.getByRole('button', { name: t('en', 'paymentHistory.backToList') }).click();
    // Back on the row it was opened from.
    await expect(open).toBeFocused();
  }

  // Opened from Refill and pay, Back returns there.
  await page.getByRole('button', { name: t('en', 'paymentHistory.backToPayments') }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'payments.title') }),
  ).toBeVisible();
  expect(errors).toEqual([]);
});

test('in Spanish, the history opened from the dashboard lists every payment and its receipt in Spanish', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const desktop = await launch({ systemLanguage: 'es-US' });
  const page = desktop.page;
  await signIn(page, maria, { lang: 'es' });
  await waitForDashboard(page);
  await page.getByRole('button', { name: t('es', 'dashboard.payments.all'), exact: true }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('es', 'paymentHistory.title') }),
  ).toBeVisible();
  await expect(page).toHaveTitle(
    t('es', 'app.titleSuffix', { screen: t('es', 'paymentHistory.title') }),
  );

  const rows = await paymentRows(api.database.db, maria.phone);
  const listed = page.getByTestId('history-row');
  await expect(listed).toHaveCount(rows.length);
  for (const [index, row] of rows.entries()) {
    const tr = listed.nth(index);
    await expect(tr.getByTestId('history-method')).toHaveText(methodText(row, 'es'));
    await expect(tr.getByTestId('history-amount')).toHaveText(
      fmt.money(row.amount_cents, row.currency, 'es'),
    );
    await expect(tr.getByTestId('history-status')).toHaveText(
      t('es', `paymentHistory.statuses.${row.status}`),
    );
  }
  await expect(
    page.getByRole('columnheader', { name: t('es', 'paymentHistory.methodHeading') }),
  ).toBeVisible();
  await expectNoAxeViolations(page, 'payment history (es)');
  await desktop.screenshot('payment-history-es');

  await listed.first().getByRole('button').click();
  await expectReceipt(page, rows[0]!, 'es');
  await expectNoAxeViolations(page, 'payment receipt (es)');
  await desktop.screenshot('payment-receipt-es');
  await page.getByRole('button', { name: t('es', 'paymentHistory.backToList') }).click();
  await page.getByRole('button', { name: t('es', 'paymentHistory.backToDashboard') }).click();
  await expect(page.getByTestId('balance')).toBeVisible();
  expect(errors).toEqual([]);
});

test('with no payments the history says so, and when the service is unreachable it offers Retry', async ({
  launch,
  api,
}) => {
  const db = api.database.db;
  const facts = await accountFacts(db, maria.phone);
  // A new account's history: nothing paid yet.
  await db.deleteFrom('autopay_runs').where('subscriber_id', '=', facts.subscriberId).execute();
  await db.deleteFrom('payments').where('subscriber_id', '=', facts.subscriberId).execute();
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await expect(page.getByTestId('balance')).toBeVisible();
  await page.getByTestId('all-payments').click();
  await expect(page.getByText(t('en', 'paymentHistory.empty'), { exact: true })).toBeVisible();
  await expect(page.getByTestId('history-row')).toHaveCount(0);
  await desktop.screenshot('payment-history-empty');

  await page.getByRole('button', { name: t('en', 'paymentHistory.backToDashboard') }).click();
  await expect(page.getByTestId('balance')).toBeVisible();
  desktop.core.settings.update({ apiBaseUrl: await closedPortUrl() });
  await page.getByTestId('all-payments').click();
  const retry = page.getByRole('button', { name: t('en', 'app.retry'), exact: true });
  await expect(retry).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(t('en', 'errors.network_unreachable'))).toBeVisible();
  await desktop.screenshot('payment-history-error');

  desktop.core.settings.update({ apiBaseUrl: api.url });
  await retry.click();
  await expect(page.getByText(t('en', 'paymentHistory.empty'), { exact: true })).toBeVisible();
});

/** Signs in to the API directly (its own session, not the app's) for test set-up. */
async function apiCall(apiUrl: string) {
  const accessToken = await apiAccessToken(apiUrl, maria);
  return async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${accessToken}`,
      },
      body: JSON.stringify(body),
    });
    expect(res.ok, `${method} ${path}: ${res.status}`).toBe(true);
    return res.json() as Promise<unknown>;
  };
}

test('removing a saved card asks first, and warns when AutoPay charges it', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const call = await apiCall(api.url);
  const card = (number: string) => ({ number, expMonth: 12, expYear: 2030, cvc: '123' });
  const visa = SavedCard.parse(
    await call('POST', '/v1/account/payment-methods', card('4242 4242 4242 4242')),
  );
  const mastercard = SavedCard.parse(
    await call('POST', '/v1/account/payment-methods', card('5555 5555 5555 4444')),
  );
  await call('PUT', '/v1/account/autopay', { enabled: true, paymentMethodId: visa.id });
  const deletedAt = async (id: string) =>
    (
      await api.database.db
        .selectFrom('payment_methods')
        .select('deleted_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).deleted_at;

  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await openPayments(page);
  const saved = page.getByTestId('saved-cards');
  const name = (brand: string, last4: string) =>
    t('en', 'payments.pay.savedCard', { brand, last4 });
  const removeButton = (cardName: string) =>
    page.getByRole('button', { name: t('en', 'payments.cards.removeLabel', { card: cardName }) });
  const dialog = page.getByRole('dialog', { name: t('en', 'payments.cards.confirmTitle') });

  // The AutoPay card: the question, and the warning. Cancel keeps it.
  await removeButton(name('Visa', '4242')).click();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('remove-card-question')).toHaveText(
    t('en', 'payments.cards.confirmBody', { card: name('Visa', '4242') }),
  );
  await expect(dialog.getByTestId('remove-card-autopay')).toHaveText(
    t('en', 'payments.cards.autopayWarning'),
  );
  await expect(dialog.getByRole('button', { name: t('en', 'app.cancel') })).toBeFocused();
  await desktop.screenshot('remove-card-autopay');
  await dialog.getByRole('button', { name: t('en', 'app.cancel') }).click();
  await expect(dialog).toBeHidden();
  await expect(saved).toContainText(name('Visa', '4242'));
  expect(await deletedAt(visa.id)).toBeNull();

  // Another card: asked too, without the AutoPay warning; confirming removes it.
  await removeButton(name('Mastercard', '4444')).click();
  await expect(dialog.getByTestId('remove-card-autopay')).toHaveCount(0);
  await dialog.getByRole('button', { name: t('en', 'payments.cards.confirmRemove') }).click();
  await expect(dialog).toBeHidden();
  await expect(saved).not.toContainText(name('Mastercard', '4444'));
  await expect(saved).toContainText(name('Visa', '4242'));
  expect(await deletedAt(mastercard.id)).not.toBeNull();
  expect(await deletedAt(visa.id)).toBeNull();
  expect(errors).toEqual([]);
});
