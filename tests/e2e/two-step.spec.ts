import type { Page } from '@playwright/test';
import { generate } from 'otplib';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import {
  confirmTwoFactor,
  confirmTwoFactorCodesSaved,
  expectSignInScreen,
  openSecurity,
  shownTotpSecret,
  signIn,
  startTwoFactorSetUp,
  t,
  waitForDashboard,
} from './support/ui';

const luis = DEMO_SUBSCRIBERS[2]!;
const ana = DEMO_SUBSCRIBERS[3]!;

/** The authenticator app's current code for a secret, `stepsAhead` 30-second steps from now. */
const totp = (secret: string, stepsAhead = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 }) as Promise<string>;

const heading = (page: Page, key: string, level = 1) =>
  page.getByRole('heading', { level, name: t('en', key), exact: true });

test('2-step verification with an authenticator app: set up from a locally drawn QR code, then sign-in asks for the code, and a remembered computer skips it', async ({
  launch,
  api,
  profile,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, luis, { keepSignedIn: true });
  await waitForDashboard(page);
  await openSecurity(page);
  await expect(page.getByTestId('two-factor-status')).toContainText(
    t('en', 'security.twoFactor.off'),
  );
  await desktop.screenshot('security-center');

  await startTwoFactorSetUp(page, 'totp');
  await expect(heading(page, 'security.twoFactor.totpHeading', 3)).toBeVisible();
  // The QR code is drawn in the page (no request leaves for an image service) …
  const qr = page.getByRole('img', { name: t('en', 'security.twoFactor.qrLabel') });
  await expect(qr).toBeVisible();
  // … and the setup key is shown for typing by hand.
  const secret = await shownTotpSecret(page);
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await desktop.screenshot('security-two-factor-setup');

  await page
    .getByLabel(t('en', 'security.twoFactor.codeLabel'), { exact: true })
    .fill(await totp(secret));
  await page
    .getByRole('button', { name: t('en', 'security.twoFactor.verify'), exact: true })
    .click();
  await expect(page.getByTestId('recovery-code')).toHaveCount(10);
  await desktop.screenshot('security-recovery-codes');
  await confirmTwoFactorCodesSaved(page);
  // A notice went to Luis's e-mail about the change.
  await expect.poll(() => api.mailsTo(luis.email).length).toBeGreaterThan(0);

  // Signing in again now needs the code.
  await page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();
  await expectSignInScreen(page);
  await signIn(page, luis, { keepSignedIn: true });
  await expect(heading(page, 'secondFactor.heading')).toBeVisible();
  await expect(page.getByText(t('en', 'secondFactor.totpIntro'))).toBeVisible();
  await desktop.screenshot('second-factor-totp');

  // The enrolment used this 30-second step's code; the app accepts the next one.
  await page
    .getByLabel(t('en', 'secondFactor.codeLabel'), { exact: true })
    .fill(await totp(secret, 1));
  await page.getByLabel(t('en', 'secondFactor.rememberDevice'), { exact: true }).check();
  await page.getByRole('button', { name: t('en', 'secondFactor.submit'), exact: true }).click();
  await waitForDashboard(page);
  // The remembered computer's token sits in the OS keychain beside the saved sign-in and the
  // device cookie the second step answered with.
  expect((await profile.keychainEntries()).map((e) => e.account).sort()).toEqual(
    [`device:${luis.phone}`, `device-cookie:${luis.phone}`, luis.phone].sort(),
  );

  // Next time on this computer: password only.
  await page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();
  await expectSignInScreen(page);
  await signIn(page, luis);
  await waitForDashboard(page);
});

test('with 2-step on, a recovery code signs in once, and a wrong code is counted in words', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, ana);
  await waitForDashboard(page);
  await openSecurity(page);
  await startTwoFactorSetUp(page, 'totp');
  const secret = await shownTotpSecret(page);
  const [recoveryCode] = await confirmTwoFactor(page, await totp(secret));
  await page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();

  await signIn(page, ana);
  await expect(heading(page, 'secondFactor.heading')).toBeVisible();
  const code = page.getByLabel(t('en', 'secondFactor.codeLabel'), { exact: true });
  await code.fill('000000');
  await page.getByRole('button', { name: t('en', 'secondFactor.submit'), exact: true }).click();
  await expect(page.getByText(t('en', 'errors.attemptsLeft', { count: 4 }))).toBeVisible();

  await page.getByText(t('en', 'secondFactor.useRecoveryCode'), { exact: true }).click();
  await page
    .getByLabel(t('en', 'secondFactor.recoveryCodeLabel'), { exact: true })
    .fill(recoveryCode!);
  await page.getByRole('button', { name: t('en', 'secondFactor.submit'), exact: true }).click();
  await waitForDashboard(page);
  const used = await api.database.db
    .selectFrom('recovery_codes as r')
    .innerJoin('subscribers as s', 's.id', 'r.subscriber_id')
    .select('r.used_at')
    .where('s.phone', '=', ana.phone)
    .where('r.used_at', 'is not', null)
    .execute();
  expect(used).toHaveLength(1);
});

test('2-step verification by text message: the line is confirmed with a texted code, and sign-in asks for the next one', async ({
  launch,
  api,
}) => {
  const dana = DEMO_SUBSCRIBERS[1]!;
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, dana);
  await waitForDashboard(page);
  await openSecurity(page);
  await startTwoFactorSetUp(page, 'sms');
  await expect(heading(page, 'security.twoFactor.smsHeading', 3)).toBeVisible();
  await expect.poll(() => api.textsTo(dana.phone).length).toBe(1);
  await desktop.screenshot('security-two-factor-sms');
  await confirmTwoFactor(page, api.lastTextedCode(dana.phone)!);

  await page.getByRole('button', { name: t('en', 'header.signOut'), exact: true }).click();
  await expectSignInScreen(page);
  await signIn(page, dana);
  await expect(heading(page, 'secondFactor.heading')).toBeVisible();
  // A second text went to the line with the sign-in code; the screen names the masked number.
  await expect.poll(() => api.textsTo(dana.phone).length).toBe(2);
  await expect(page.getByText(/•••/)).toBeVisible();
  await expect(
    page.getByRole('button', { name: t('en', 'secondFactor.resend'), exact: true }),
  ).toBeVisible();
  await desktop.screenshot('second-factor-sms');
  await page
    .getByLabel(t('en', 'secondFactor.codeLabel'), { exact: true })
    .fill(api.lastTextedCode(dana.phone)!);
  await page.getByRole('button', { name: t('en', 'secondFactor.submit'), exact: true }).click();
  await waitForDashboard(page);
});
