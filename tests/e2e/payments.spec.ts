import type { Kysely } from 'kysely';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts } from './support/account-facts';
import { collectPageErrors, fillCard, fmt, openPayments, signIn, t } from './support/ui';
import { systemClock } from '../../server/src/clock';
import type { Database } from '../../server/src/db/schema';
import { loadRefillPinKey } from '../../server/src/secrets';
import { generatePins } from '../../server/src/billing/refill-pins';

const maria = DEMO_SUBSCRIBERS[0]!;

/** The subscriber's ledger, straight from the API's database: what the balance is the sum of. */
async function ledger(db: Kysely<Database>, phone: string) {
  const { id } = await db
    .selectFrom('subscribers')
    .select('id')
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
  const row = await db
    .selectFrom('ledger_entries')
    .select((eb) => [
      eb.fn.sum<number>('amount_cents').as('cents'),
      eb.fn.countAll<number>().as('n'),
    ])
    .where('subscriber_id', '=', id)
    .executeTakeFirstOrThrow();
  return { cents: Number(row.cents ?? 0), entries: Number(row.n) };
}

async function fillNewCard(page: Page, number: string) {
  await page.getByLabel(t('en', 'payments.pay.amountLabel')).fill('20');
  await page.getByRole('radio', { name: t('en', 'payments.pay.newCard') }).check();
  await fillCard(page, number);
}

async function backToDashboard(page: Page) {
  await page.getByRole('button', { name: t('en', 'payments.receipt.dashboard') }).click();
  await expect(page.getByTestId('balance')).toBeVisible();
}

test('a refill PIN adds its value: receipt, then a dashboard balance equal to the ledger', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const key = await loadRefillPinKey(db, systemClock);
  const [pin] = (await generatePins(db, systemClock, key, { count: 1, valueCents: 2500 })).pins;
  const before = await ledger(db, maria.phone);

  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await openPayments(page);

  const pinField = page.getByLabel(t('en', 'payments.refill.pinLabel'));
  // Too short: a clear message, and nothing is sent.
  await pinField.fill('1234 5678');
  await page.getByRole('button', { name: t('en', 'payments.refill.submit'), exact: true }).click();
  await expect(page.getByText(t('en', 'payments.refill.pinFormat'))).toBeVisible();
  expect(await ledger(db, maria.phone)).toEqual(before);

  // Pasted with dashes, shown in groups of four.
  const digits = pin!.replace(/\D/g, '');
  expect(digits).toHaveLength(16);
  await pinField.fill(digits.replace(/(\d{4})(?=\d)/g, '$1-'));
  await expect(pinField).toHaveValue(digits.replace(/(\d{4})(?=\d)/g, '$1 '));
  await desktop.screenshot('payments-refill');
  await page.getByRole('button', { name: t('en', 'payments.refill.submit'), exact: true }).click();

  const receipt = page.getByTestId('receipt');
  await expect(receipt).toBeVisible();
  const after = await ledger(db, maria.phone);
  expect(after.cents - before.cents).toBe(2500);
  await expect(page.getByTestId('receipt-amount')).toHaveText(fmt.money(2500, 'USD', 'en'));
  await expect(page.getByTestId('receipt-method')).toHaveText(
    t('en', 'payments.receipt.methodRefill'),
  );
  await expect(page.getByTestId('receipt-balance')).toHaveText(fmt.money(after.cents, 'USD', 'en'));
  await expect(page.getByTestId('receipt-number')).not.toBeEmpty();
  await desktop.screenshot('payments-refill-receipt');

  await backToDashboard(page);
  const facts = await accountFacts(db, maria.phone);
  expect(facts.balanceCents).toBe(after.cents);
  await expect(page.getByTestId('balance')).toHaveText(
    fmt.money(after.cents, facts.currency, 'en'),
  );
  expect(errors).toEqual([]);
});

test('paying $20 with the 4242 card: receipt, and the balance rises by $20', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const before = await ledger(db, maria.phone);
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await openPayments(page);

  await fillNewCard(page, '4242 4242 4242 4242');
  await desktop.screenshot('payments-pay');
  const pay = page.getByRole('button', { name: t('en', 'payments.pay.submit'), exact: true });
  // A double click still pays once: the button is disabled while the first is on its way.
  await pay.dblclick();

  await expect(page.getByTestId('receipt')).toBeVisible();
  const after = await ledger(db, maria.phone);
  expect(after.cents - before.cents).toBe(2000);
  expect(after.entries - before.entries).toBe(1);
  await expect(page.getByTestId('receipt-amount')).toHaveText(fmt.money(2000, 'USD', 'en'));
  await expect(page.getByTestId('receipt-method')).toHaveText(
    t('en', 'payments.receipt.methodCard', { brand: 'Visa', last4: '4242' }),
  );
  await expect(page.getByTestId('receipt-balance')).toHaveText(fmt.money(after.cents, 'USD', 'en'));
  await desktop.screenshot('payments-pay-receipt');

  await backToDashboard(page);
  await expect(page.getByTestId('balance')).toHaveText(fmt.money(after.cents, 'USD', 'en'));
  expect(errors).toEqual([]);
});

test('a declined card shows the decline and moves no money', async ({ launch, api, context }) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const before = await ledger(db, maria.phone);
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await openPayments(page);

  await fillNewCard(page, '4000 0000 0000 0002');
  await page.getByRole('button', { name: t('en', 'payments.pay.submit'), exact: true }).click();
  await expect(page.getByTestId('pay-error')).toHaveText(t('en', 'errors.card_declined'));
  await expect(page.getByTestId('receipt')).toHaveCount(0);
  await desktop.screenshot('payments-declined');
  expect(await ledger(db, maria.phone)).toEqual(before);
  expect(errors).toEqual([]);
});
