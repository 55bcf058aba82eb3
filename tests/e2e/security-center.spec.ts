import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { DesktopProfile } from './support/harness';
import { accountFacts, sessionsOf } from './support/account-facts';
import { expectSignInScreen, openSecurity, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;
const ana = DEMO_SUBSCRIBERS[3]!;

test('security center: another computer signed in to the account is listed and signed out from here, and it lands on sign-in', async ({
  launch,
  api,
}) => {
  const otherComputer = new DesktopProfile();
  try {
    const here = await launch();
    const there = await launch({ profile: otherComputer });
    await signIn(there.page, maria);
    await waitForDashboard(there.page);
    await signIn(here.page, maria);
    await waitForDashboard(here.page);

    await openSecurity(here.page);
    const rows = here.page.getByTestId('session-row');
    await expect(rows).toHaveCount(2);
    const current = rows.filter({ has: here.page.getByTestId('this-computer') });
    await expect(current).toHaveCount(1);
    await expect(current).toContainText(
      t('en', 'security.sessions.appVersion', { version: '0.1.0' }),
    );
    await expect(here.page.getByTestId('history-row').first()).toBeVisible();
    await here.screenshot('security-sessions');

    // Sign out the other one: a confirmation first, then it is gone from the list.
    const other = rows.filter({ hasNot: here.page.getByTestId('this-computer') });
    await other
      .getByRole('button', { name: new RegExp(`^${t('en', 'security.sessions.signOut')}`) })
      .click();
    const dialog = here.page.getByRole('dialog');
    await expect(dialog).toBeVisible();
    await dialog
      .getByRole('button', { name: t('en', 'security.sessions.signOut'), exact: true })
      .click();
    await expect(rows).toHaveCount(1);
    await expect(here.page.getByTestId('sessions-done')).not.toBeEmpty();

    // On the server only this computer's session is alive …
    const { subscriberId } = await accountFacts(api.database.db, maria.phone);
    const live = (await sessionsOf(api.database.db, subscriberId)).filter(
      (s) => s.revokedAt === null,
    );
    expect(live).toHaveLength(1);
    // … and the other computer is sent to sign-in the next time it needs the service.
    await there.page.getByTestId('statement-row').first().click();
    await expectSignInScreen(there.page);
    // The history lists the sign-ins and the sign-out.
    await here.page.reload();
    await openSecurity(here.page);
    await expect(
      here.page.getByTestId('history-row').filter({
        hasText: t('en', 'security.history.events.session_signed_out'),
      }),
    ).toHaveCount(1);
  } finally {
    await otherComputer.destroy();
  }
});

test('security center: changing the password signs out everywhere else and e-mails a notice', async ({
  launch,
  api,
}) => {
  const otherComputer = new DesktopProfile();
  try {
    const here = await launch();
    const there = await launch({ profile: otherComputer });
    await signIn(there.page, ana);
    await waitForDashboard(there.page);
    await signIn(here.page, ana);
    await waitForDashboard(here.page);
    await openSecurity(here.page);

    const page = here.page;
    await page
      .getByLabel(t('en', 'security.password.currentLabel'), { exact: true })
      .fill('Not-My-Password-1');
    await page
      .getByLabel(t('en', 'security.password.newLabel'), { exact: true })
      .fill('Granite-Meadow-Falcon-27');
    await page
      .getByLabel(t('en', 'security.password.confirmLabel'), { exact: true })
      .fill('Granite-Meadow-Falcon-27');
    await page
      .getByRole('button', { name: t('en', 'security.password.submit'), exact: true })
      .click();
    await expect(page.getByText(t('en', 'errors.wrong_password'))).toBeVisible();

    await page
      .getByLabel(t('en', 'security.password.currentLabel'), { exact: true })
      .fill(ana.password);
    await page
      .getByRole('button', { name: t('en', 'security.password.submit'), exact: true })
      .click();
    await expect(page.getByText(t('en', 'security.password.changed', { count: 1 }))).toBeVisible();
    await here.screenshot('security-password-changed');

    await expect.poll(() => api.mailsTo(ana.email).some((m) => /password/i.test(m))).toBe(true);
    await there.page.getByTestId('statement-row').first().click();
    await expectSignInScreen(there.page);
    // This computer stays signed in.
    await page
      .getByRole('button', { name: t('en', 'security.backToAccount'), exact: true })
      .click();
    await waitForDashboard(page);
  } finally {
    await otherComputer.destroy();
  }
});

test('security center: a new e-mail address needs the password, and the old address is told', async ({
  launch,
  api,
}) => {
  const luis = DEMO_SUBSCRIBERS[2]!;
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, luis);
  await waitForDashboard(page);
  await openSecurity(page);
  await expect(page.getByTestId('contact-email')).toHaveText(luis.email);

  await page.getByRole('button', { name: t('en', 'security.contact.edit'), exact: true }).click();
  await page
    .getByLabel(t('en', 'security.contact.emailLabel'), { exact: true })
    .fill('luis.new@example.com');
  const password = page.locator('#contact-password');
  await password.fill('Not-My-Password-1');
  await page.getByRole('button', { name: t('en', 'security.contact.save'), exact: true }).click();
  await expect(page.getByText(t('en', 'errors.wrong_password'))).toBeVisible();
  await desktop.screenshot('security-contact');
  await password.fill(luis.password);
  await page.getByRole('button', { name: t('en', 'security.contact.save'), exact: true }).click();
  await expect(page.getByTestId('contact-saved')).toHaveText(
    t('en', 'security.contact.savedEmail'),
  );
  await expect(page.getByTestId('contact-email')).toHaveText('luis.new@example.com');

  // The notice went to the address the account had before, not to the new one.
  await expect.poll(() => api.mailsTo(luis.email).length).toBeGreaterThan(0);
  expect(api.mailsTo('luis.new@example.com')).toEqual([]);
  const row = await api.database.db
    .selectFrom('subscribers')
    .select('email')
    .where('phone', '=', luis.phone)
    .executeTakeFirstOrThrow();
  expect(row.email).toBe('luis.new@example.com');
});
