import keytar from 'keytar';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, revokeAllSessions } from './support/account-facts';
import { expectSignInScreen, filesContaining, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;
/**
 * Every sign-in leaves the API's device cookie in the keychain, signed out or not: it is what
 * lets this computer back in while strangers guess the number ("Forget this computer" removes it).
 */
const cookieEntry = { account: `device-cookie:${maria.phone}` };
const byAccount = (entries: { account: string }[]) =>
  [...entries].sort((a, b) => a.account.localeCompare(b.account));
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
    expect(byAccount(await profile.keychainEntries())).toEqual(
      byAccount([{ account: maria.phone }, cookieEntry]),
    );
    const token = await savedToken();
    expect(token).toEqual(expect.any(String));
    expect(filesContaining(profile.settingsDir, token!)).toEqual([]);
    await first.quit();

    // Restart: straight to the dashboard, no sign-in screen in between.
    const second = await launch();
    await waitForDashboard(second.page);
    await expect(second.page.getByTestId('subscriber-name')).toHaveText(maria.name);
    // Resuming rotated the refresh token; still one entry for it, still in no file.
    expect(byAccount(await profile.keychainEntries())).toEqual(
      byAccount([{ account: maria.phone }, cookieEntry]),
    );
    const rotated = await savedToken();
    expect(rotated).not.toBe(token);
    expect(filesContaining(profile.settingsDir, rotated!)).toEqual([]);

    await second.page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();
    await expectSignInScreen(second.page);
    expect(await profile.keychainEntries()).toEqual([cookieEntry]);
    await second.quit();

    // The cookie alone is no saved sign-in: the next launch asks for the password.
    const third = await launch();
    await expectSignInScreen(third.page);
    await expect(third.page.getByTestId('sign-in-notice')).toHaveCount(0);
    expect(await profile.keychainEntries()).toEqual([cookieEntry]);
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
    expect(await profile.keychainEntries()).toEqual([cookieEntry]);
  });
});

test('without "Keep me signed in", a restart lands on sign-in and the keychain holds only the device cookie', async ({
  launch,
  profile,
}) => {
  const first = await launch();
  await signIn(first.page, maria);
  await waitForDashboard(first.page);
  const noSignInSaved = (await profile.vault()) === null ? [] : [cookieEntry];
  expect(await profile.keychainEntries()).toEqual(noSignInSaved);
  expect(first.core.session.info()).toMatchObject({ persisted: false });
  await first.quit();

  const second = await launch();
  await expectSignInScreen(second.page);
  expect(await profile.keychainEntries()).toEqual(noSignInSaved);
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
