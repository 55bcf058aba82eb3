import fs from 'node:fs';
import path from 'node:path';
import { lineItemText } from '../../contract/line-item-words';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, newestStatement } from './support/account-facts';
import { expectSignInScreen, fmt, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

test('on a Spanish system, sign-in, its errors and the dashboard are in Spanish with Spanish money and dates', async ({
  launch,
  api,
}) => {
  const desktop = await launch({ systemLanguage: 'es-US' });
  const page = desktop.page;
  await expectSignInScreen(page, 'es');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page).toHaveTitle(t('es', 'app.titleSuffix', { screen: t('es', 'signIn.title') }));
  await expect(page.getByLabel(t('es', 'signIn.keepSignedIn'), { exact: true })).toBeVisible();
  await expect(page.getByText(t('es', 'signIn.phoneHint'), { exact: true })).toBeVisible();

  await signIn(page, maria, { lang: 'es', password: 'Contrasena-Equivocada-1' });
  await expect(page.getByTestId('sign-in-error').getByRole('alert')).toHaveText(
    t('es', 'errors.invalid_credentials'),
  );

  await signIn(page, maria, { lang: 'es' });
  await waitForDashboard(page);
  const facts = await accountFacts(api.database.db, maria.phone);
  const money = (cents: number) => fmt.money(cents, facts.currency, 'es');

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('es', 'dashboard.greeting', { name: 'Maria' }),
  );
  await expect(page).toHaveTitle(
    t('es', 'app.titleSuffix', { screen: t('es', 'dashboard.title') }),
  );
  await expect(
    page.getByRole('region', { name: t('es', 'dashboard.balance.heading') }),
  ).toBeVisible();
  await expect(page.getByTestId('balance')).toHaveText(money(facts.balanceCents));
  await expect(page.getByTestId('amount-due')).toHaveText(money(facts.amountDueCents));
  await expect(page.getByTestId('due-date')).toHaveText(
    t('es', 'dashboard.balance.dueOn', { date: fmt.day(facts.cycle.renewsOn, 'es', 'long') }),
  );
  await expect(page.getByTestId('plan-price')).toHaveText(
    t('es', 'dashboard.plan.perMonth', { price: money(facts.plan.priceCents) }),
  );
  await expect(page.getByTestId('usage-data')).toHaveText(
    t('es', 'dashboard.usage.ofAllowance', {
      used: fmt.gb(facts.dataUsedMb, 'es'),
      allowance: fmt.gb(facts.plan.dataMb!, 'es'),
    }),
  );
  await expect(page.getByTestId('days-left')).toHaveText(
    t('es', 'dashboard.usage.daysLeft', { count: facts.cycle.daysLeft }),
  );
  await expect(
    page.getByRole('region', { name: t('es', 'dashboard.usage.heading') }),
  ).toContainText(
    t('es', 'dashboard.usage.cycle', {
      range: fmt.dayRange(facts.cycle.start, facts.cycle.end, 'es'),
    }),
  );
  const statement = await newestStatement(api.database.db, facts.subscriberId);
  await expect(page.getByTestId('statement-row').first()).toContainText(
    fmt.month(statement.periodStart, 'es'),
  );
  await expect(page.getByTestId('statement-status').first()).toHaveText(
    t('es', 'statement.badge.paid'),
  );
  await expect(
    page.getByRole('button', { name: t('es', 'header.signOut'), exact: true }),
  ).toBeVisible();
  await desktop.screenshot('dashboard-es');

  // The statement's lines are in Spanish too: the app words them from their kinds.
  await page.getByTestId('statement-row').first().click();
  const lines = page.getByTestId('statement-line');
  await expect(lines).toHaveCount(statement.lines.length);
  for (const [i, line] of statement.lines.entries()) {
    await expect(lines.nth(i).locator('td').first()).toHaveText(lineItemText(line.item, 'es'));
  }
  await expect(lines.first()).toContainText(`Plan ${statement.planName}, mensual`);
});

test('switching the language in Settings re-renders at once and is remembered after a restart', async ({
  launch,
  profile,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await expectSignInScreen(page, 'en');
  await page.getByRole('button', { name: t('en', 'signIn.settingsLink'), exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en', 'settings.heading'));

  await page.getByLabel(t('en', 'settings.language'), { exact: true }).selectOption('es');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('es', 'settings.heading'));
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByLabel(t('es', 'settings.language'), { exact: true })).toHaveValue('es');
  expect(desktop.core.settings.get().language).toBe('es');
  const file = JSON.parse(
    fs.readFileSync(path.join(profile.settingsDir, 'settings.json'), 'utf8'),
  ) as { language?: string };
  expect(file.language).toBe('es');

  await page.getByRole('button', { name: t('es', 'settings.backToSignIn') }).click();
  await expectSignInScreen(page, 'es');
  await signIn(page, maria, { lang: 'es', password: 'Contrasena-Equivocada-1' });
  await expect(page.getByTestId('sign-in-error').getByRole('alert')).toHaveText(
    t('es', 'errors.invalid_credentials'),
  );
  await desktop.quit();

  // An English system, but the person chose Spanish: Spanish it stays.
  const again = await launch({ systemLanguage: 'en-US' });
  await expectSignInScreen(again.page, 'es');
  await expect(again.page.locator('html')).toHaveAttribute('lang', 'es');
});
