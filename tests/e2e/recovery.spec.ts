import type { Page } from '@playwright/test';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { clientLockout, failedEarlier } from './support/lockout';
import { t, waitForDashboard } from './support/ui';

const maria = DEMO_SUBSCRIBERS[0]!;
const dana = DEMO_SUBSCRIBERS[1]!;
const NEW_PASSWORD = 'Harbor-Quartz-Lantern-58';

/** Asks the account API directly whether a password signs in (200) or not (401). */
async function signInStatus(apiUrl: string, phone: string, password: string): Promise<number> {
  const res = await fetch(`${apiUrl}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, password }),
  });
  return res.status;
}

const heading = (page: Page, key: string) =>
  page.getByRole('heading', { level: 1, name: t('en', key), exact: true });

/** From the sign-in screen to "Forgot your password?" with the number typed on sign-in. */
async function openForgotPassword(page: Page, display: string): Promise<void> {
  await page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true }).fill(display);
  await page.getByText(t('en', 'signIn.forgotPassword'), { exact: true }).click();
  await expect(heading(page, 'recovery.chooseHeading')).toBeVisible();
}

async function chooseNewPassword(page: Page): Promise<void> {
  await expect(heading(page, 'recovery.passwordHeading')).toBeVisible();
  const field = page.getByLabel(t('en', 'recovery.newPasswordLabel'), { exact: true });
  const submit = page.getByRole('button', { name: t('en', 'recovery.submit'), exact: true });
  // A weak password is judged live and cannot be submitted …
  await field.fill('password1');
  await expect(
    page.getByText(
      t('en', 'password.levelSentence', { level: t('en', 'password.level.veryWeak') }),
    ),
  ).toBeVisible();
  await expect(submit).toBeDisabled();
  // … a strong one can.
  await field.fill(NEW_PASSWORD);
  await expect(page.getByText(t('en', 'password.goodEnough'))).toBeVisible();
  await expect(submit).toBeEnabled();
}

test('forgot password by text message: the code texted to the line, a new password, and straight to the dashboard', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await openForgotPassword(page, maria.display);
  await expect(page.getByLabel(t('en', 'recovery.phoneLabel'), { exact: true })).not.toHaveValue(
    '',
  );
  await desktop.screenshot('recovery-choose');

  await page.getByLabel(t('en', 'recovery.channelSms')).check();
  await page.getByRole('button', { name: t('en', 'recovery.send'), exact: true }).click();
  await expect(heading(page, 'recovery.codeHeading')).toBeVisible();
  await expect(page.getByText(t('en', 'recovery.codeSentSms'))).toBeVisible();
  // The SMS gateway received the code for Maria's line, and nothing went by e-mail.
  await expect.poll(() => api.lastTextedCode(maria.phone)).not.toBeNull();
  const code = api.lastTextedCode(maria.phone)!;
  expect(api.mailsTo(maria.email)).toEqual([]);
  await desktop.screenshot('recovery-code');

  // A wrong code is refused in words and the screen stays put.
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const codeField = page.getByLabel(t('en', 'recovery.codeLabel'), { exact: true });
  await codeField.fill(wrong);
  await page.getByRole('button', { name: t('en', 'recovery.verify'), exact: true }).click();
  await expect(page.getByText(t('en', 'errors.attemptsLeft', { count: 4 }))).toBeVisible();
  await expect(heading(page, 'recovery.codeHeading')).toBeVisible();

  await codeField.fill(code);
  await page.getByRole('button', { name: t('en', 'recovery.verify'), exact: true }).click();
  await expect(page.getByText(/•••/)).toBeVisible();
  await chooseNewPassword(page);
  await desktop.screenshot('recovery-new-password');
  await page.getByRole('button', { name: t('en', 'recovery.submit'), exact: true }).click();
  await waitForDashboard(page);

  expect(await signInStatus(api.url, maria.phone, maria.password)).toBe(401);
  expect(await signInStatus(api.url, maria.phone, NEW_PASSWORD)).toBe(200);
});

test('forgot password by e-mail: the code from the SMTP server, for a subscriber whose account was locked', async ({
  launch,
  api,
}) => {
  // Dana locked herself out earlier; the lock message offers the way back in.
  await failedEarlier(api, dana.phone, 5, 15 * 60_000);
  const desktop = await launch();
  const page = desktop.page;
  await page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true }).fill(dana.display);
  await page.getByLabel(t('en', 'signIn.passwordLabel'), { exact: true }).fill(dana.password);
  await page.getByRole('button', { name: t('en', 'signIn.submit'), exact: true }).click();
  await expect(page.getByTestId('sign-in-error').getByRole('alert')).toContainText(
    t('en', 'errors.account_locked'),
  );
  await page.getByText(t('en', 'signIn.unlockWithCode'), { exact: true }).click();
  await expect(heading(page, 'recovery.chooseHeading')).toBeVisible();

  await page.getByLabel(t('en', 'recovery.channelEmail')).check();
  await page.getByRole('button', { name: t('en', 'recovery.send'), exact: true }).click();
  await expect(page.getByText(t('en', 'recovery.codeSentEmail'))).toBeVisible();
  await expect.poll(() => api.lastMailedCode(dana.email)).not.toBeNull();
  expect(api.textsTo(dana.phone)).toEqual([]);

  await page
    .getByLabel(t('en', 'recovery.codeLabel'), { exact: true })
    .fill(api.lastMailedCode(dana.email)!);
  await page.getByRole('button', { name: t('en', 'recovery.verify'), exact: true }).click();
  await chooseNewPassword(page);
  await page.getByRole('button', { name: t('en', 'recovery.submit'), exact: true }).click();
  await waitForDashboard(page);

  // The lock is gone with the old password.
  expect(await clientLockout(api.database.db, dana.phone)).toEqual({
    failed_attempts: 0,
    locked_until: null,
  });
  expect(await signInStatus(api.url, dana.phone, NEW_PASSWORD)).toBe(200);
});
