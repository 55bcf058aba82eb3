import { PlanChangePreview } from '../../contract/http/plans';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, addCredit } from './support/account-facts';
import { apiAccessToken, collectPageErrors, fmt, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

/** What the API itself computes for a change, asked directly (its own session, not the app's). */
async function apiPreview(apiUrl: string, planId: string, when: 'now' | 'next_renewal') {
  const accessToken = await apiAccessToken(apiUrl, maria);
  const response = await fetch(`${apiUrl}/v1/account/plan/preview`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${accessToken}`,
    },
    body: JSON.stringify({ planId, when }),
  });
  return PlanChangePreview.parse(await response.json());
}

test('changing plan shows the API’s preview, charges what it said, and the dashboard follows', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  await addCredit(api.database.db, maria.phone, 100_00);
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const before = await accountFacts(api.database.db, maria.phone);

  await page.getByTestId('change-plan').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en', 'plans.title'));
  const renewal = fmt.day(before.cycle.renewsOn, 'en', 'long');
  await expect(
    page.getByLabel(t('en', 'plans.nextRenewal', { date: renewal }), { exact: false }),
  ).toBeVisible();

  await page.getByTestId('plan-option-unlimited').click();
  await expect(page.getByTestId('preview-balance-after')).toBeVisible();
  const expected = await apiPreview(api.url, 'unlimited', 'now');
  const money = (cents: number) => fmt.money(cents, expected.currency, 'en');
  await expect(page.getByTestId('preview-charge')).toHaveText(money(expected.chargeNowCents));
  await expect(page.getByTestId('preview-credit')).toHaveText(money(expected.creditCents));
  await expect(page.getByTestId('preview-net')).toHaveText(
    money(Math.abs(expected.netChargeCents)),
  );
  await expect(page.getByTestId('preview-balance-after')).toHaveText(
    money(expected.balanceAfterCents),
  );
  await expect(page.getByTestId('preview-effective')).toHaveText(
    fmt.day(expected.effectiveOn, 'en', 'long'),
  );
  await expect(page.getByTestId('preview-explanation').locator('li')).toHaveText(
    expected.explanation,
  );
  expect(expected.balanceCents).toBe(before.balanceCents);
  await desktop.screenshot('plans-preview');

  const confirm = page.getByRole('button', { name: t('en', 'plans.confirm') });
  await confirm.click();
  await expect(page.getByTestId('plan-changed')).toHaveText(
    t('en', 'plans.changedNow', { plan: expected.newPlan.name }),
  );
  await expect(confirm).toBeHidden();

  // The ledger moved by exactly the previewed net charge, and the plan is the new one.
  const after = await accountFacts(api.database.db, maria.phone);
  expect(after.balanceCents).toBe(expected.balanceAfterCents);
  expect(before.balanceCents - after.balanceCents).toBe(expected.netChargeCents);
  expect(after.plan.name).toBe(expected.newPlan.name);

  // A second change, at the renewal: nothing is charged now, and the plan card says what is coming.
  await page.getByLabel(t('en', 'plans.nextRenewal', { date: renewal }), { exact: false }).check();
  await page.getByTestId('plan-option-value-15gb').click();
  await expect(page.getByTestId('preview-charge')).toHaveText(money(0));
  await page.getByRole('button', { name: t('en', 'plans.confirm') }).click();
  await expect(page.getByTestId('plan-changed')).toBeVisible();
  expect((await accountFacts(api.database.db, maria.phone)).balanceCents).toBe(after.balanceCents);

  await page.getByRole('button', { name: t('en', 'plans.back') }).click();
  await expect(page.getByTestId('plan-name')).toHaveText(expected.newPlan.name);
  await expect(page.getByTestId('balance')).toHaveText(money(after.balanceCents));
  await expect(page.getByTestId('plan-pending')).toHaveText(
    t('en', 'dashboard.plan.pending', { plan: expected.currentPlan.name, date: renewal }),
  );
  await desktop.screenshot('plans-changed');
  expect(errors).toEqual([]);
});

test('buying a data pass takes its price from the balance and grows the data allowance', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  await addCredit(api.database.db, maria.phone, 50_00);
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const before = await accountFacts(api.database.db, maria.phone);
  const pass = await api.database.db
    .selectFrom('add_ons')
    .selectAll()
    .where('kind', '=', 'data')
    .where('active', '=', 1)
    .orderBy('sort_order')
    .executeTakeFirstOrThrow();
  const used = fmt.gb(before.dataUsedMb, 'en');
  const allowance = before.plan.dataMb!;
  await expect(page.getByTestId('usage-data')).toContainText(
    t('en', 'dashboard.usage.ofAllowance', { used, allowance: fmt.gb(allowance, 'en') }),
  );

  await page.getByTestId('change-plan').click();
  const price = fmt.money(pass.price_cents, pass.currency, 'en');
  const buy = page.getByRole('button', {
    name: t('en', 'addOns.buyLabel', { name: pass.name, price }),
  });
  await buy.click();
  await expect(page.getByTestId('add-on-bought')).toHaveText(
    t('en', 'addOns.bought', { name: pass.name, price }),
  );
  await expect(buy).toBeEnabled();
  await expect(page.getByTestId('active-add-ons')).toContainText(pass.name);
  await desktop.screenshot('add-ons');

  const after = await accountFacts(api.database.db, maria.phone);
  expect(before.balanceCents - after.balanceCents).toBe(pass.price_cents);

  await page.getByRole('button', { name: t('en', 'plans.back') }).click();
  await expect(page.getByTestId('balance')).toHaveText(
    fmt.money(after.balanceCents, after.currency, 'en'),
  );
  await expect(page.getByTestId('usage-data')).toContainText(
    t('en', 'dashboard.usage.ofAllowance', {
      used,
      allowance: fmt.gb(allowance + pass.data_mb, 'en'),
    }),
  );
  await expect(page.getByTestId('usage-add-on-data')).toHaveText(
    t('en', 'dashboard.usage.addOnData', { amount: fmt.gb(pass.data_mb, 'en') }),
  );
  expect(errors).toEqual([]);
});
