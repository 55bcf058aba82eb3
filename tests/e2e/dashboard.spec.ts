import { lineItemText } from '../../contract/line-item-words';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, insightFacts, newestStatement } from './support/account-facts';
import {
  collectPageErrors,
  expectSignInScreen,
  fmt,
  signIn,
  squash,
  t,
  waitForDashboard,
} from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

test('after signing in, the dashboard shows the balance, amount due, plan and usage the database holds', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const desktop = await launch();
  const page = desktop.page;
  await expectSignInScreen(page);
  await signIn(page, maria);
  await waitForDashboard(page);
  const facts = await accountFacts(api.database.db, maria.phone);

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'dashboard.greeting', { name: 'Maria' }),
  );
  await expect(page.getByTestId('subscriber-name')).toHaveText(facts.name);
  await expect(page.getByTestId('subscriber-phone')).toHaveText(maria.display);

  // Balance and amount due: SUM(ledger) and renewal total − balance, as en-US currency.
  await expect(page.getByTestId('balance')).toHaveText(
    fmt.money(facts.balanceCents, facts.currency, 'en'),
  );
  await expect(page.getByTestId('amount-due')).toHaveText(
    fmt.money(facts.amountDueCents, facts.currency, 'en'),
  );
  const renewal = fmt.day(facts.cycle.renewsOn, 'en', 'long');
  await expect(page.getByTestId('due-date')).toHaveText(
    facts.amountDueCents > 0
      ? t('en', 'dashboard.balance.dueOn', { date: renewal })
      : t('en', 'dashboard.balance.nothingDue', { date: renewal }),
  );

  // Plan.
  await expect(page.getByTestId('plan-name')).toHaveText(facts.plan.name);
  await expect(page.getByTestId('plan-price')).toHaveText(
    t('en', 'dashboard.plan.perMonth', {
      price: fmt.money(facts.plan.priceCents, facts.currency, 'en'),
    }),
  );

  // Data used this cycle and days left.
  const used = fmt.gb(facts.dataUsedMb, 'en');
  await expect(page.getByTestId('usage-data')).toHaveText(
    facts.plan.dataMb === null
      ? t('en', 'dashboard.usage.usedUnlimited', { used })
      : t('en', 'dashboard.usage.ofAllowance', {
          used,
          allowance: fmt.gb(facts.plan.dataMb, 'en'),
        }),
  );
  await expect(page.getByTestId('days-left')).toHaveText(
    t('en', 'dashboard.usage.daysLeft', { count: facts.cycle.daysLeft }),
  );
  await expect(
    page.getByRole('region', { name: t('en', 'dashboard.usage.heading') }),
  ).toContainText(
    t('en', 'dashboard.usage.cycle', {
      range: fmt.dayRange(facts.cycle.start, facts.cycle.end, 'en'),
    }),
  );

  // The daily chart is a drawn canvas, described in words for screen readers …
  const chartCard = page.getByTestId('usage-chart');
  await expect(chartCard.locator('canvas')).toBeVisible();
  const peak = facts.days.reduce((best, d) => (d.dataMb > best.dataMb ? d : best));
  const label = await chartCard.getByRole('img').getAttribute('aria-label');
  expect(squash(label ?? '')).toBe(
    t('en', 'dashboard.chart.description', {
      start: fmt.day(facts.cycle.start, 'en', 'short'),
      end: fmt.day(facts.cycle.end, 'en', 'short'),
      total: fmt.gb(facts.dataUsedMb, 'en'),
      peakDay: fmt.day(peak.date, 'en', 'short'),
      peak: fmt.mb(peak.dataMb, 'en'),
    }),
  );
  await desktop.screenshot('dashboard-light');

  // … and its table alternative lists every day of the cycle so far with the database's figure.
  const table = chartCard.getByRole('table');
  await expect(table).toBeHidden();
  await chartCard.getByText(t('en', 'dashboard.chart.showTable'), { exact: true }).click();
  await expect(table).toBeVisible();
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(facts.days.length);
  const shown = await rows.evaluateAll((trs) =>
    trs.map((tr) =>
      [...tr.querySelectorAll('th, td')].map((c) =>
        (c.textContent ?? '').replace(/\s+/g, ' ').trim(),
      ),
    ),
  );
  expect(shown).toEqual(
    facts.days.map((d) => [fmt.day(d.date, 'en', 'medium'), fmt.mb(d.dataMb, 'en')]),
  );

  expect(errors).toEqual([]);
});

test('a statement shows the lines and total the database holds, and Back returns to the dashboard', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const facts = await accountFacts(api.database.db, maria.phone);
  const statement = await newestStatement(api.database.db, facts.subscriberId);
  const money = (cents: number) => fmt.money(cents, statement.currency, 'en');

  const row = page.getByTestId('statement-row').first();
  await expect(row).toContainText(fmt.month(statement.periodStart, 'en'));
  await expect(row).toContainText(money(statement.totalCents));
  await row.click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'statement.heading', { month: fmt.month(statement.periodStart, 'en') }),
  );
  const lines = page.getByTestId('statement-line');
  await expect(lines).toHaveCount(statement.lines.length);
  for (const [i, line] of statement.lines.entries()) {
    await expect(lines.nth(i).locator('td')).toHaveText([
      lineItemText(line.item, 'en'),
      money(line.amountCents),
    ]);
  }
  await expect(page.getByTestId('statement-total')).toHaveText(money(statement.totalCents));
  expect(statement.lines.reduce((sum, l) => sum + l.amountCents, 0)).toBe(statement.totalCents);
  await expect(page.getByText(statement.planName, { exact: true })).toBeVisible();
  await desktop.screenshot('statement-detail');

  await page.getByRole('button', { name: t('en', 'statement.backToAccount') }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'dashboard.greeting', { name: 'Maria' }),
  );
  await expect(page.getByTestId('balance')).toHaveText(money(facts.balanceCents));
});

test('the dashboard forecasts when the data runs out and names a cheaper plan, from the database', async ({
  launch,
  api,
}) => {
  const dana = DEMO_SUBSCRIBERS.find((d) => d.name === 'Dana Whitfield')!;
  // A cheaper plan than Dana's Starter 5 GB that covers more: the advisor should find it.
  const db = api.database.db;
  const starter = await db
    .selectFrom('plans')
    .selectAll()
    .where('id', '=', 'starter-5gb')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('plans')
    .values({
      ...starter,
      id: 'saver-6gb',
      name: 'Saver 6 GB',
      price_cents: 20_00,
      data_mb: 6 * 1024,
      taxes_included: 1,
      sort_order: 25,
    })
    .execute();
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, dana);
  await waitForDashboard(page);
  const facts = await insightFacts(api.database.db, dana.phone);

  // Dana is close to her cap: at the pace of her whole days so far, it runs out this cycle.
  expect(facts.forecast.status).toBe('runs_out');
  await expect(page.getByTestId('data-forecast-text')).toHaveText(
    t('en', 'dashboard.forecast.runsOut', {
      date: fmt.day(facts.forecast.runsOutOn!, 'en', 'long'),
    }),
  );

  const advisor = page.getByRole('region', { name: t('en', 'dashboard.advisor.heading') });
  const recommendation = facts.recommendation!;
  expect(recommendation.name).toBe('Saver 6 GB');
  const money = (cents: number) => fmt.money(cents, facts.currency, 'en');
  await expect(advisor.getByTestId('plan-advice')).toHaveText(
    t('en', 'dashboard.advisor.cheaper', {
      count: facts.cycles,
      plan: recommendation.name,
      savings: money(recommendation.savingsCents),
    }),
  );
  await expect(advisor).toContainText(
    t('en', 'dashboard.advisor.price', {
      plan: recommendation.name,
      price: money(recommendation.priceCents),
      cost: money(recommendation.cycleCostCents),
    }),
  );
  await desktop.screenshot('dashboard-insights');
});
