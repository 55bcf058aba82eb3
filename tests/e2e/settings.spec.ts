import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { DEFAULT_SETTINGS } from '../../contract/settings';
import { closedPortUrl, expectSignInScreen, signIn, t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: t('en', 'header.settings'), exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en', 'settings.heading'));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function settingsFile(settingsDir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(settingsDir, 'settings.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

test('Settings: the connection test reaches the real service, a bad address is refused inline, dark theme applies', async ({
  launch,
  api,
  profile,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  await openSettings(page);
  await expect(
    page.getByRole('button', { name: t('en', 'header.settings'), exact: true }),
  ).toHaveAttribute('aria-current', 'page');

  const address = page.getByLabel(t('en', 'settings.apiBaseUrl'), { exact: true });
  const result = page.getByTestId('connection-result');
  const testButton = page.getByRole('button', { name: t('en', 'settings.test'), exact: true });
  const saveButton = page.getByRole('button', { name: t('en', 'settings.save'), exact: true });
  await expect(address).toHaveValue(api.url);

  // "Test connection" against the running API.
  await testButton.click();
  const [before, after] = t('en', 'settings.connected', { ms: '%MS%' }).split('%MS%') as [
    string,
    string,
  ];
  await expect(result).toHaveText(new RegExp(`^✓ ${escape(before)}\\d+${escape(after)}$`));
  await desktop.screenshot('settings');

  // … and against an address where nothing listens.
  await address.fill(await closedPortUrl());
  await testButton.click();
  await expect(result).toHaveText(t('en', 'errors.network_unreachable'));

  // Addresses the contract refuses get an inline error on the field; nothing is saved.
  for (const [typed, key] of [
    ['http://accounts.example.com', 'validation.apiBaseUrl.loopbackOnly'],
    ['accounts dot example', 'validation.apiBaseUrl.full'],
    ['https://accounts.example.com/?x=1', 'validation.apiBaseUrl.query'],
  ] as const) {
    await address.fill(typed);
    await saveButton.click();
    await expect(page.getByTestId('api-url-error')).toHaveText(t('en', key));
    await expect(address).toHaveAttribute('aria-invalid', 'true');
    await expect(address).toHaveAccessibleDescription(new RegExp(escape(t('en', key))));
    await expect(address).toBeFocused();
  }
  expect(desktop.core.settings.get().apiBaseUrl).toBe(api.url);
  expect(desktop.core.session.isSignedIn()).toBe(true);
  // Editing clears the error.
  await address.fill(api.url);
  await expect(page.getByTestId('api-url-error')).toHaveCount(0);

  // Dark theme: applied at once, saved, and the dashboard follows.
  await page.getByLabel(t('en', 'settings.theme'), { exact: true }).selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(desktop.core.settings.get().theme).toBe('dark');
  expect(settingsFile(profile.settingsDir)['theme']).toBe('dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.getByRole('button', { name: t('en', 'settings.backToAccount') }).click();
  await waitForDashboard(page);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // A dark page: the body's background is dark.
  const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
  expect((r! + g! + b!) / 3).toBeLessThan(80);
  await desktop.screenshot('dashboard-dark');
});

test('"Forget this computer" signs out and puts every setting back to its default', async ({
  launch,
  profile,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  await openSettings(page);
  const deviceIdBefore = desktop.core.settings.get().deviceId;
  expect(deviceIdBefore).toMatch(/^[0-9a-f-]{36}$/);
  await page.getByLabel(t('en', 'settings.theme'), { exact: true }).selectOption('dark');
  expect(settingsFile(profile.settingsDir)).toMatchObject({
    theme: 'dark',
    lastPhone: maria.phone,
    apiBaseUrl: api.url,
  });

  await page.getByRole('button', { name: t('en', 'settings.forget'), exact: true }).click();
  const dialog = page.getByRole('dialog', { name: t('en', 'settings.forgetTitle') });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: t('en', 'app.cancel') })).toBeFocused();
  await dialog
    .getByRole('button', { name: t('en', 'settings.forgetConfirm'), exact: true })
    .click();

  await expectSignInScreen(page);
  await expect(page.getByTestId('sign-in-notice')).toHaveText(
    t('en', 'signIn.notice.device_forgotten'),
  );
  await expect(page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true })).toHaveValue('');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(desktop.core.session.isSignedIn()).toBe(false);
  // Everything is back to its default, except that this is now a different "device" to the
  // account service: the next sign-in here counts as a new computer.
  const { deviceId: deviceIdAfter, ...rest } = desktop.core.settings.get();
  expect(rest).toEqual({ ...DEFAULT_SETTINGS, deviceId: undefined });
  expect(deviceIdAfter).toMatch(/^[0-9a-f-]{36}$/);
  expect(deviceIdAfter).not.toBe(deviceIdBefore);
  const { __internal__: _conf, ...stored } = settingsFile(profile.settingsDir);
  expect(stored).toEqual({ ...DEFAULT_SETTINGS, deviceId: deviceIdAfter });
});

test('"Forget this computer" removes the saved sign-in from the keychain', async ({
  launch,
  profile,
}) => {
  test.skip(
    (await profile.vault()) === null,
    'No Secret Service on this machine, so there is no keychain entry to remove.',
  );
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria, { keepSignedIn: true });
  await waitForDashboard(page);
  // The saved sign-in, and the device cookie every sign-in leaves.
  expect((await profile.keychainEntries()).map((e) => e.account).sort()).toEqual(
    [maria.phone, `device-cookie:${maria.phone}`].sort(),
  );
  await openSettings(page);
  await page.getByRole('button', { name: t('en', 'settings.forget'), exact: true }).click();
  await page
    .getByRole('dialog', { name: t('en', 'settings.forgetTitle') })
    .getByRole('button', { name: t('en', 'settings.forgetConfirm'), exact: true })
    .click();
  await expectSignInScreen(page);
  expect(await profile.keychainEntries()).toEqual([]);
  await desktop.quit();

  const again = await launch();
  await expectSignInScreen(again.page);
  await expect(again.page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true })).toHaveValue(
    '',
  );
});
