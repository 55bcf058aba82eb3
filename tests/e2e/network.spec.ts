import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { closedPortUrl, expectSignInScreen, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

test('with the service unreachable, sign-in says it cannot reach it and Retry works once it is back', async ({
  launch,
  api,
}) => {
  const desktop = await launch({ apiUrl: await closedPortUrl() });
  const page = desktop.page;
  await expectSignInScreen(page);
  await signIn(page, maria);

  const error = page.getByTestId('sign-in-error');
  await expect(error.getByRole('alert')).toHaveText(t('en', 'errors.network_unreachable'));
  const retry = error.getByRole('button', { name: t('en', 'app.retry'), exact: true });
  await expect(retry).toBeVisible();
  await expect(retry).toBeFocused();
  await expectSignInScreen(page);
  await desktop.screenshot('network-error');

  // The service comes back (here: the app is pointed at one that listens), and Retry signs in.
  desktop.core.settings.update({ apiBaseUrl: api.url });
  await retry.click();
  await waitForDashboard(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'dashboard.greeting', { name: 'Maria' }),
  );
  await expect(page.getByTestId('sign-in-error')).toHaveCount(0);
});

test('a saved sign-in that cannot be resumed offline shows the "can\'t reach" screen, and Retry resumes it', async ({
  launch,
  profile,
  api,
}) => {
  test.skip(
    (await profile.vault()) === null,
    'No Secret Service on this machine, so no sign-in can be saved to resume.',
  );
  const first = await launch();
  await signIn(first.page, maria, { keepSignedIn: true });
  await waitForDashboard(first.page);
  await first.quit();

  const desktop = await launch({ apiUrl: await closedPortUrl() });
  const page = desktop.page;
  const start = page.getByTestId('start-error');
  await expect(start.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'start.unreachableTitle'),
  );
  await expect(start).toContainText(t('en', 'start.unreachableBody'));
  const retry = start.getByRole('button', { name: t('en', 'app.retry'), exact: true });
  await expect(retry).toBeFocused();
  await desktop.screenshot('network-error-start');
  // Being offline is not a reason to forget the saved sign-in (nor the sign-in's device cookie).
  const kept = [maria.phone, `device-cookie:${maria.phone}`].sort();
  expect((await profile.keychainEntries()).map((e) => e.account).sort()).toEqual(kept);

  desktop.core.settings.update({ apiBaseUrl: api.url });
  await retry.click();
  await waitForDashboard(page);
  await expect(page.getByTestId('subscriber-name')).toHaveText(maria.name);
  expect((await profile.keychainEntries()).map((e) => e.account).sort()).toEqual(kept);
});
