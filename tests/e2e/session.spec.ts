import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, revokeAllSessions, sessionsOf } from './support/account-facts';
import { expectSignInScreen, signIn, t, waitForDashboard } from './support/ui';
import type { Page } from '@playwright/test';
import type { AirtimeApi } from '../../preload/bridge';

const maria = DEMO_SUBSCRIBERS[0]!;

/** What the renderer gets when it asks for the account summary through its bridge. */
function summaryFromPage(page: Page) {
  return page.evaluate(() =>
    (window as unknown as { airtime: AirtimeApi }).airtime.account.summary(),
  );
}

test('signing out returns to sign-in, revokes the session on the server and the account is no longer reachable', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const { subscriberId } = await accountFacts(api.database.db, maria.phone);
  const [live] = await sessionsOf(api.database.db, subscriberId);
  expect(live).toMatchObject({ revokedAt: null });

  await page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();
  await expectSignInScreen(page);
  await expect(page.getByTestId('sign-in-notice')).toHaveText(t('en', 'signIn.notice.signed_out'));
  await expect(page.getByTestId('balance')).toHaveCount(0);
  await expect(page.getByTestId('subscriber-name')).toHaveCount(0);
  // "Remember my phone number" is on by default: only the password is asked again.
  await expect(page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true })).toHaveValue(
    maria.display,
  );

  // The server ended that session (it was the only one) …
  await expect
    .poll(async () => sessionsOf(api.database.db, subscriberId))
    .toEqual([{ id: live!.id, revokedAt: expect.any(Number) }]);
  // … and the account channels answer "not signed in" instead of data.
  const result = await summaryFromPage(page);
  expect(result).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
  expect(desktop.core.session.isSignedIn()).toBe(false);
});

test('a session revoked on the server sends the app back to sign-in with a message when it next loads data', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const { subscriberId } = await accountFacts(api.database.db, maria.phone);

  expect(await revokeAllSessions(api.database.db, subscriberId)).toBe(1);
  // Opening a statement needs the server: the access token is refused, the refresh too.
  await page.getByTestId('statement-row').first().click();
  await expectSignInScreen(page);
  await expect(page.getByTestId('sign-in-notice')).toHaveText(
    t('en', 'signIn.notice.session_expired'),
  );
  await expect(page.getByTestId('subscriber-name')).toHaveCount(0);
  expect(desktop.core.session.isSignedIn()).toBe(false);
  expect(await summaryFromPage(page)).toMatchObject({
    ok: false,
    error: { code: 'not_signed_in' },
  });
});

test('a session ended on the server during a background refresh sends the app back to sign-in (session:expired)', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const { subscriberId } = await accountFacts(api.database.db, maria.phone);
  expect(await revokeAllSessions(api.database.db, subscriberId)).toBe(1);

  // Main talks to the server on its own (as its refresh timer does); the window only hears the
  // push event, while it shows the dashboard and asks for nothing.
  const error = await desktop.core.session.account.summary().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'session_expired' });
  await expectSignInScreen(page);
  await expect(page.getByTestId('sign-in-notice')).toHaveText(
    t('en', 'signIn.notice.session_expired'),
  );
  await expect(page.getByTestId('balance')).toHaveCount(0);

  // Signing in again works and starts a new session.
  await signIn(page, maria);
  await waitForDashboard(page);
  const sessions = await sessionsOf(api.database.db, subscriberId);
  expect(sessions.map((s) => s.revokedAt === null)).toEqual([false, true]);
});
