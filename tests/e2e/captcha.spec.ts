import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { signIn, t, waitForDashboard } from './support/ui';

const ana = DEMO_SUBSCRIBERS[3]!;

test('after 3 failed sign-ins the service asks for a proof of work, which the app solves by itself, so the right password still gets in', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  const db = api.database.db;
  const spent = async () =>
    (await db.selectFrom('spent_captchas').select('signature').execute()).length;
  const spentBefore = await spent();

  for (let attempt = 1; attempt <= 3; attempt++) {
    await signIn(page, ana, { password: `Wrong-Guess-${attempt}` });
    await expect(page.getByTestId('sign-in-error').getByRole('alert')).toContainText(
      t('en', 'errors.invalid_credentials'),
    );
  }

  // From now on the service will not look at a password without a solved challenge …
  const bare = await fetch(`${api.url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: ana.phone, password: ana.password }),
  });
  expect(bare.status).toBe(428);
  const body = (await bare.json()) as { error: { code: string; captcha?: { challenge: string } } };
  expect(body.error.code).toBe('captcha_required');
  expect(body.error.captcha?.challenge).toMatch(/^[0-9a-f]{64}$/);

  // … and the app meets it: no puzzle on screen, the right password signs in.
  await signIn(page, ana);
  await waitForDashboard(page);
  // The challenge the app solved was spent (replay protection), exactly once more than before.
  expect(await spent()).toBe(spentBefore + 1);
});
