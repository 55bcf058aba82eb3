import keytar from 'keytar';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, revokeAllSessions } from './support/account-facts';
import { expectSignInScreen, filesContaining, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;
const NO_KEYCHAIN =
  'No Secret Service on this machine (run inside dbus-run-session with gnome-keyring-daemon).';

test.describe('with the OS keychain', () => {
  test.beforeEach(async ({ profile }) => {
    test.skip((await profile.vault()) === null, NO_KEYCHAIN);
  });

  test('"Keep me signed in" survives a restart, keeps the token only in the keychain, and sign-out removes it', async ({
    launch,
    profile,
  }) => {
    const savedToken = () => keytar.getPassword(profile.keychainService, maria.phone);

    const first = await launch();
    await signIn(first.page, maria, { keepSignedIn: true });
    await waitForDashboard(first.page);
    expect(await profile.keychainEntries()).toEqual([{ account: maria.phone }]);
    const token = await savedToken();
    expect(token).toEqual(expect.any(String));
    expect(filesContaining(profile.settingsDir, token!)).toEqual([]);
    await first.quit();

    // Restart: straight to the dashboard, no sign-in screen in between.
    const second = await launch();
    await waitForDashboard(second.page);
    await expect(second.page.getByTestId('subscriber-name')).toHaveText(maria.name);
    // Resuming rotated the refresh token; still one entry, still in no file.
    expect(await profile.keychainEntries()).toEqual([{ account: maria.phone }]);
    const rotated = await savedToken();
    expect(rotated).not.toBe(token);
    expect(filesContaining(profile.settingsDir, rotated!)).toEqual([]);

    await second.page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();
    await expectSignInScreen(second.page);
    expect(await profile.keychainEntries()).toEqual([]);
    await second.quit();

    const third = await launch();
    await expectSignInScreen(third.page);
    await expect(third.page.getByTestId('sign-in-notice')).toHaveCount(0);
    expect(await profile.keychainEntries()).toEqual([]);
  });

  test('a saved sign-in the server has ended lands on sign-in with a message, and the entry is deleted', async ({
    launch,
    profile,
    api,
  }) => {
    const first = await launch();
    await signIn(first.page, maria, { keepSignedIn: true });
    await waitForDashboard(first.page);
    await first.quit();
    await revokeAllSessions(
      api.database.db,
      (await accountFacts(api.database.db, maria.phone)).subscriberId,
    );

    const second = await launch();
    await expectSignInScreen(second.page);
    await expect(second.page.getByTestId('sign-in-notice')).toHaveText(
      t('en', 'signIn.notice.session_expired'),
    );
    expect(await profile.keychainEntries()).toEqual([]);
  });
});

test('without "Keep me signed in", a restart lands on sign-in and the keychain stays empty', async ({
  launch,
  profile,
}) => {
  const first = await launch();
  await signIn(first.page, maria);
  await waitForDashboard(first.page);
  expect(await profile.keychainEntries()).toEqual([]);
  expect(first.core.session.info()).toMatchObject({ persisted: false });
  await first.quit();

  const second = await launch();
  await expectSignInScreen(second.page);
  expect(await profile.keychainEntries()).toEqual([]);
  // The phone number is remembered (a setting, not a secret); the password is asked for.
  await expect(second.page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true })).toHaveValue(
    maria.display,
  );
});

test('without a keychain, the sign-in screen says so and "Keep me signed in" lasts only until the app closes', async ({
  launch,
  profile,
}) => {
  test.skip(
    (await profile.vault()) !== null,
    'This machine has a keychain; this case is for machines without one.',
  );
  const first = await launch();
  const keep = first.page.getByLabel(t('en', 'signIn.keepSignedIn'), { exact: true });
  await expect(keep).toHaveAccessibleDescription(t('en', 'signIn.noKeychain'));
  await signIn(first.page, maria, { keepSignedIn: true });
  await waitForDashboard(first.page);
  expect(first.core.session.info()).toMatchObject({ persisted: false });
  await first.quit();

  const second = await launch();
  await expectSignInScreen(second.page);
});
