import type { Kysely } from 'kysely';
import type { Page } from '@playwright/test';
import type { Database } from '../../server/src/db/schema';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, addCredit } from './support/account-facts';
import { collectPageErrors, fmt, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

/** The subscriber's plan changes, newest first, straight from the database. */
async function planChanges(db: Kysely<Database>, subscriberId: string) {
  return db
    .selectFrom('plan_changes')
    .select(['id', 'to_plan_id', 'status', 'effective_on'])
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at', 'desc')
    .execute();
}

async function scheduleForRenewal(page: Page, planId: string, renewal: string) {
  await page.getByLabel(t('en', 'plans.nextRenewal', { date: renewal }), { exact: false }).check();
  await page.getByTestId(`plan-option-${planId}`).click();
  await expect(page.getByTestId('preview-charge')).toBeVisible();
  await page.getByRole('button', { name: t('en', 'plans.confirm') }).click();
  await expect(page.getByTestId('plan-changed')).toBeVisible();
}

test('a change scheduled for the renewal can be cancelled, on Change plan and on the dashboard, and the plan stays', async ({
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
  const before = await accountFacts(db, maria.phone);
  const renewal = fmt.day(before.cycle.renewsOn, 'en', 'long');
  const unlimited = await db
    .selectFrom('plans')
    .select('name')
    .where('id', '=', 'unlimited')
    .executeTakeFirstOrThrow();

  // Scheduled on Change plan: the screen says what is coming, and offers to cancel it.
  await page.getByTestId('change-plan').click();
  await expect(page.getByTestId('cancel-pending-change')).toHaveCount(0);
  await scheduleForRenewal(page, 'unlimited', renewal);
  const pendingText = t('en', 'plans.pending.text', {
    plan: unlimited.name,
    date: renewal,
    current: before.plan.name,
  });
  await expect(page.getByTestId('plans-pending')).toHaveText(pendingText);
  const [scheduled] = await planChanges(db, before.subscriberId);
  expect(scheduled).toMatchObject({
    to_plan_id: 'unlimited',
    status: 'pending',
    effective_on: before.cycle.renewsOn,
  });

  const cancel = page.getByRole('button', { name: t('en', 'plans.pending.cancel') });
  await cancel.click();
  const dialog = page.getByRole('dialog', {
    name: t('en', 'plans.pending.confirmTitle', { plan: unlimited.name }),
  });
  await expect(dialog).toContainText(
    t('en', 'plans.pending.confirmBody', {
      current: before.plan.name,
      date: renewal,
      plan: unlimited.name,
    }),
  );
  await desktop.screenshot('plans-cancel-pending-confirm');
  await dialog.getByRole('button', { name: t('en', 'plans.pending.confirm') }).click();
  await expect(page.getByTestId('pending-cancelled')).toHaveText(
    t('en', 'plans.pending.cancelled', { plan: unlimited.name, current: before.plan.name }),
  );
  await expect(page.getByTestId('plans-pending')).toHaveCount(0);
  // The "your plan changes on …" confirmation no longer holds either.
  await expect(page.getByTestId('plan-changed')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: t('en', 'plans.pending.heading') })).toBeFocused();
  await desktop.screenshot('plans-cancel-pending-done');

  let after = await accountFacts(db, maria.phone);
  expect(after.plan).toEqual(before.plan);
  expect(after.balanceCents).toBe(before.balanceCents);
  expect((await planChanges(db, before.subscriberId))[0]).toMatchObject({
    id: scheduled!.id,
    status: 'cancelled',
  });

  // Scheduled again, then cancelled from the dashboard's plan card; "Keep the change" first.
  await scheduleForRenewal(page, 'starter-5gb', renewal);
  await page.getByRole('button', { name: t('en', 'plans.back') }).click();
  await expect(page.getByTestId('plan-pending')).toBeVisible();
  const cardCancel = page.getByTestId('cancel-pending-change');
  await cardCancel.click();
  const cardDialog = page.getByRole('dialog');
  await cardDialog.getByRole('button', { name: t('en', 'plans.pending.keep') }).click();
  await expect(cardDialog).toBeHidden();
  await expect(page.getByTestId('plan-pending')).toBeVisible();
  const second = (await planChanges(db, before.subscriberId))[0]!;
  expect(second).toMatchObject({ to_plan_id: 'starter-5gb', status: 'pending' });

  await cardCancel.click();
  await cardDialog.getByRole('button', { name: t('en', 'plans.pending.confirm') }).click();
  await expect(page.getByTestId('plan-pending')).toHaveCount(0);
  await expect(page.getByTestId('plan-name')).toHaveText(before.plan.name);
  await expect(page.getByTestId('pending-cancelled')).toBeVisible();
  await desktop.screenshot('dashboard-cancel-pending-done');
  after = await accountFacts(db, maria.phone);
  expect(after.plan).toEqual(before.plan);
  expect(after.amountDueCents).toBe(before.amountDueCents);
  expect((await planChanges(db, before.subscriberId)).map((c) => c.status)).toEqual([
    'cancelled',
    'cancelled',
  ]);
  expect(errors).toEqual([]);
});

test('an international pass is bought like a data pass, once, and its minutes are shown', async ({
  launch,
  api,
  context,
}) => {
  const errors = collectPageErrors(context);
  const db = api.database.db;
  const facts = await accountFacts(db, maria.phone);
  await addCredit(db, maria.phone, 50_00);
  const pass = await db
    .selectFrom('add_ons')
    .selectAll()
    .where('kind', '=', 'international')
    .where('active', '=', 1)
    .orderBy('sort_order')
    .executeTakeFirstOrThrow();
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const before = await accountFacts(db, maria.phone);

  await page.getByTestId('change-plan').click();
  const section = page.getByRole('region', { name: t('en', 'addOns.intlHeading') });
  await expect(section.getByText(t('en', 'addOns.intlNoneActive'))).toBeVisible();
  const price = fmt.money(pass.price_cents, pass.currency, 'en');
  const buy = section.getByRole('button', {
    name: t('en', 'addOns.buyLabel', { name: pass.name, price }),
  });
  // A double click buys once: the button waits for the first purchase.
  await buy.dblclick();
  await expect(page.getByTestId('add-on-bought')).toHaveText(
    t('en', 'addOns.bought', { name: pass.name, price }),
  );
  await expect(buy).toBeEnabled();

  const bought = await db
    .selectFrom('subscriber_add_ons')
    .selectAll()
    .where('subscriber_id', '=', facts.subscriberId)
    .where('kind', '=', 'international')
    .execute();
  expect(bought).toHaveLength(1);
  expect(bought[0]!.intl_minutes).toBe(pass.intl_minutes);
  const after = await accountFacts(db, maria.phone);
  expect(before.balanceCents - after.balanceCents).toBe(pass.price_cents);

  const active = page.getByTestId('active-intl-pass');
  await expect(active).toHaveCount(1);
  await expect(active).toContainText(pass.name);
  const minutesLeft = (left: number) =>
    t('en', 'addOns.minutesLeft', {
      left: String(left),
      total: String(pass.intl_minutes),
      date: fmt.day(bought[0]!.expires_on, 'en', 'long'),
    });
  await expect(active).toContainText(minutesLeft(pass.intl_minutes));
  await expect(page.getByTestId('intl-minutes-total')).toHaveText(
    t('en', 'addOns.intlTotal', { count: pass.intl_minutes, n: String(pass.intl_minutes) }),
  );
  // Data passes are listed apart: buying minutes added no data.
  await expect(page.getByTestId('active-add-ons')).toHaveCount(0);

  // Calls abroad run the pass down: 23 minutes today leave the rest.
  const today = new Date().toISOString().slice(0, 10);
  const used = 23;
  await db
    .insertInto('usage_daily')
    .values({
      subscriber_id: facts.subscriberId,
      day: today,
      data_mb: 0,
      minutes: used,
      texts: 0,
      intl_minutes: used,
    })
    .onConflict((oc) => oc.columns(['subscriber_id', 'day']).doUpdateSet({ intl_minutes: used }))
    .execute();
  await page.getByRole('button', { name: t('en', 'plans.back') }).click();
  await page.getByTestId('change-plan').click();
  await expect(active).toContainText(minutesLeft(pass.intl_minutes - used));
  await expect(page.getByTestId('intl-minutes-total')).toHaveText(
    t('en', 'addOns.intlTotal', {
      count: pass.intl_minutes - used,
      n: String(pass.intl_minutes - used),
    }),
  );
  await desktop.screenshot('plans-international-pass');

  await page.getByRole('button', { name: t('en', 'plans.back') }).click();
  await expect(page.getByTestId('balance')).toHaveText(
    fmt.money(after.balanceCents, after.currency, 'en'),
  );
  expect(errors).toEqual([]);
});
