import fs from 'node:fs';
import path from 'node:path';
import axios from 'axios';
import type { Page } from '@playwright/test';
import { test as base, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts } from './support/account-facts';
import {
  KioskDesktop,
  KioskMachine,
  ManualTime,
  launchKioskBrowser,
  type KioskBrowser,
} from './support/kiosk-harness';
import {
  enrollKiosk,
  writeKioskPolicy,
  writeMalformedPolicy,
  type KioskSetUp,
} from './support/kiosk-policy';
import { expectNoAxeViolations, expectSignInScreen, fmt, t, waitForDashboard } from './support/ui';
import { loadPolicy, type PolicyOutcome } from '../../main/services/policy';
import type { AirtimeApi } from '../../preload/bridge';
import type { DemoSubscriber } from '../../server/src/demo/seed-demo';
import { systemClock } from '../../server/src/clock';
import { loadRefillPinKey } from '../../server/src/secrets';
import { generatePins } from '../../server/src/billing/refill-pins';
import type { KioskService } from '../../server/src/kiosk/kiosk-service';

declare global {
  interface Window {
    airtime: AirtimeApi;
  }
}

/** The shortest idle times the policy allows: "Still there?" after 10 s, wiped 20 s later. */
const IDLE_WARNING_S = 10;
const IDLE_WIPE_S = 30;

interface KioskFixtures {
  machine: KioskMachine;
  kioskBrowser: KioskBrowser;
  time: ManualTime;
  /** The kiosk enrolled on the test's API, its policy file written (short idle times). */
  store: KioskSetUp & { service: KioskService };
  /**
   * Starts the kiosk app on `machine` with the store's policy (or another outcome of
   * `loadPolicy`). Every access and refresh token the core receives is kept in `tokens`.
   */
  launchKiosk(policy?: PolicyOutcome): Promise<KioskDesktop>;
  tokens: string[];
}

const test = base.extend<KioskFixtures>({
  machine: async ({}, use) => {
    const machine = new KioskMachine();
    await use(machine);
    await machine.destroy();
  },
  kioskBrowser: async ({}, use) => {
    const browser = await launchKioskBrowser();
    await use(browser);
    await browser.close();
  },
  time: async ({}, use) => use(new ManualTime()),
  store: async ({ api }, use) => {
    const { kiosk, service } = await enrollKiosk(api.database.db);
    const setUp = await writeKioskPolicy(api.url, kiosk, {
      idleWarningSeconds: IDLE_WARNING_S,
      idleWipeSeconds: IDLE_WIPE_S,
    });
    await use({ ...setUp, service });
    setUp.remove();
  },
  tokens: async ({}, use) => use([]),
  launchKiosk: async ({ kioskBrowser, renderer, machine, time, store, tokens }, use) => {
    const launched: KioskDesktop[] = [];
    await use(async (policy) => {
      // The core's own HTTP client, with one addition: it notes every token the API hands out,
      // so the residue scan can look for the exact strings.
      const http = axios.create();
      http.interceptors.response.use((response) => {
        // The client asks for text and parses it itself (with the contract).
        let body: unknown = response.data;
        if (typeof body === 'string') {
          try {
            body = JSON.parse(body);
          } catch {
            body = null;
          }
        }
        for (const key of ['accessToken', 'refreshToken'] as const) {
          const value =
            body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
          if (typeof value === 'string') tokens.push(value);
        }
        return response;
      });
      const desktop = await KioskDesktop.launch({
        browser: kioskBrowser.browser,
        rendererOrigin: renderer.origin,
        machine,
        policy:
          policy ??
          loadPolicy({
            explicitPath: store.policyPath,
            platform: process.platform,
            env: process.env,
          }),
        time,
        apiOptions: { axiosInstance: http },
      });
      launched.push(desktop);
      return desktop;
    });
    for (const desktop of launched) await desktop.quit();
  },
});

const [maria, dana, luis] = DEMO_SUBSCRIBERS as [
  DemoSubscriber,
  DemoSubscriber,
  DemoSubscriber,
  ...DemoSubscriber[],
];

// --- Screens --------------------------------------------------------------------------------------

function startButton(page: Page) {
  return page.getByRole('button', { name: t('en', 'kiosk.welcome.start'), exact: true });
}

async function expectWelcome(page: Page): Promise<void> {
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'kiosk.welcome.heading') }),
  ).toBeVisible();
  await expect(startButton(page)).toBeVisible();
}

function phoneField(page: Page) {
  return page.getByLabel(t('en', 'signIn.phoneLabel'), { exact: true });
}

function passwordField(page: Page) {
  return page.getByLabel(t('en', 'signIn.passwordLabel'), { exact: true });
}

function keypad(page: Page) {
  return page.getByRole('group', {
    name: t('en', 'kiosk.keypad.for', { field: t('en', 'signIn.phoneLabel') }),
  });
}

function keyboard(page: Page) {
  return page.getByRole('group', {
    name: t('en', 'kiosk.keyboard.for', { field: t('en', 'signIn.passwordLabel') }),
  });
}

/** Taps the phone number's digits on the on-screen keypad. */
async function tapPhone(page: Page, who: DemoSubscriber): Promise<void> {
  const digits = who.display.replace(/\D/g, '');
  for (const digit of digits) await keypad(page).getByTestId(`keypad-${digit}`).click();
  await expect(phoneField(page)).toHaveValue(who.display);
  // The field whose keys are tapped is the one in use.
  await expect(phoneField(page)).toBeFocused();
}

/**
 * Taps `text` on the on-screen keyboard (Shift before each capital, as a person would); the
 * password field then holds `expected`.
 */
async function tapPassword(page: Page, text: string, expected = text): Promise<void> {
  const keys = keyboard(page);
  for (const ch of text) {
    if (/[A-Z~!@#$%^&*()_+{}|:"<>?]/.test(ch)) {
      await keys.locator('[data-skbtn="{shift}"]').click();
    }
    await keys.locator(`[data-skbtn=${JSON.stringify(ch)}]`).click();
  }
  await expect(passwordField(page)).toHaveValue(expected);
  // Focus followed the taps from the phone field to the password.
  await expect(passwordField(page)).toBeFocused();
}

type Typing = 'on-screen' | 'physical';

/** "Tap to start", then the keypad for the phone and a keyboard for the password. */
async function signInAtKiosk(page: Page, who: DemoSubscriber, typing: Typing): Promise<void> {
  await startButton(page).click();
  await expectSignInScreen(page);
  await tapPhone(page, who);
  if (typing === 'on-screen') {
    await tapPassword(page, who.password);
  } else {
    await passwordField(page).click();
    await page.keyboard.type(who.password);
  }
  await page.getByRole('button', { name: t('en', 'signIn.submit'), exact: true }).click();
  await waitForDashboard(page);
  await expect(page.getByTestId('subscriber-name')).toHaveText(who.name);
}

async function viewStatements(page: Page): Promise<void> {
  await page
    .getByRole('button', { name: t('en', 'dashboard.statements.search'), exact: true })
    .click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'statements.heading') }),
  ).toBeVisible();
  await expect(page.getByTestId('search-statement-row').first()).toBeVisible();
  // A kiosk offers no files: nothing to export onto a shared machine.
  await expect(
    page.getByRole('button', { name: t('en', 'dashboard.statements.exportCsv') }),
  ).toHaveCount(0);
  await page.getByRole('button', { name: t('en', 'statement.backToAccount'), exact: true }).click();
  await waitForDashboard(page);
}

/** Redeems a fresh $25 refill PIN; answers the balance the receipt shows. */
async function refill(page: Page, pin: string): Promise<string> {
  await page.getByRole('button', { name: t('en', 'dashboard.balance.refillOrPay') }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'payments.title') }),
  ).toBeVisible();
  await page.getByLabel(t('en', 'payments.refill.pinLabel')).fill(pin);
  await page.getByRole('button', { name: t('en', 'payments.refill.submit'), exact: true }).click();
  await expect(page.getByTestId('receipt')).toBeVisible();
  await expect(page.getByTestId('receipt-amount')).toHaveText(fmt.money(2500, 'USD', 'en'));
  return (await page.getByTestId('receipt-balance').innerText()).trim();
}

// --- Residue ----------------------------------------------------------------------------------------

/** Files under `dir` whose bytes contain any of `needles`; files that vanish mid-scan are skipped. */
function residue(dir: string, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      continue; // Chromium rotates its own files while it runs.
    }
    for (const needle of needles) {
      if (bytes.includes(needle) || bytes.includes(Buffer.from(needle, 'utf16le'))) {
        found.push(`${path.relative(dir, file)} contains ${JSON.stringify(needle)}`);
      }
    }
  }
  return found;
}

/** Everything a page could have kept: web storage, IndexedDB, Cache Storage, cookies. */
async function pageStorage(page: Page) {
  const inPage = await page.evaluate(async () => ({
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
    history: history.length,
  }));
  return { ...inPage, cookies: (await page.context().cookies()).length };
}

interface Visitor {
  who: DemoSubscriber;
  /** The balance strings the customer saw (before and after the refill). */
  balances: string[];
}

/**
 * After a customer left: the old window is gone, the new one is the welcome screen with nothing
 * stored, and no file of the app or the browser, and no keychain entry, holds anything of theirs.
 */
async function expectNoTrace(
  desktop: KioskDesktop,
  visitor: Visitor,
  ctx: { machine: KioskMachine; kioskBrowser: KioskBrowser; tokens: readonly string[] },
  oldPage: Page,
): Promise<void> {
  expect(oldPage.isClosed(), 'the customer window was closed').toBe(true);
  const page = desktop.page;
  expect(page).not.toBe(oldPage);
  await expectWelcome(page);
  expect(ctx.kioskBrowser.browser.contexts(), 'only the welcome window is open').toHaveLength(1);
  expect(await pageStorage(page)).toEqual({
    localStorage: 0,
    sessionStorage: 0,
    indexedDB: 0,
    caches: 0,
    history: 1,
    cookies: 0,
  });
  // Back goes nowhere: there is no previous screen in this window.
  await page.goBack().catch(() => null);
  await expectWelcome(page);
  await expect(page.getByText(visitor.who.name)).toHaveCount(0);

  const { who } = visitor;
  expect(ctx.tokens.length, 'the visit received tokens to look for').toBeGreaterThan(0);
  const needles = [
    who.phone,
    who.display,
    who.display.replace(/\D/g, ''),
    who.name,
    who.email,
    who.password,
    ...visitor.balances,
    ...ctx.tokens,
  ];
  expect(residue(ctx.machine.dataDir, needles), 'the app data folder').toEqual([]);
  expect(residue(ctx.kioskBrowser.profileDir, needles), "Chromium's profile").toEqual([]);
  expect(await ctx.machine.keychainEntries()).toEqual([]);
}

/** On the next customer's sign-in screen: an empty phone field that offers no autofill. */
async function expectCleanSignIn(page: Page): Promise<void> {
  await startButton(page).click();
  await expectSignInScreen(page);
  await expect(phoneField(page)).toHaveValue('');
  await expect(phoneField(page)).toHaveAttribute('autocomplete', 'off');
  await expect(passwordField(page)).toHaveValue('');
  await expect(passwordField(page)).toHaveAttribute('autocomplete', 'off');
  await expect(
    page.getByLabel(t('en', 'signIn.keepSignedIn'), { exact: true }),
    'a kiosk never offers to keep anyone signed in',
  ).toHaveCount(0);
  await page.getByRole('button', { name: t('en', 'kiosk.endSession'), exact: true }).click();
}

async function newRefillPin(api: { database: { db: Parameters<typeof loadRefillPinKey>[0] } }) {
  const db = api.database.db;
  const key = await loadRefillPinKey(db, systemClock);
  const [pin] = (await generatePins(db, systemClock, key, { count: 1, valueCents: 2500 })).pins;
  return pin!.replace(/\D/g, '');
}

// --- Tests ------------------------------------------------------------------------------------------

test('three customers in a row leave no trace: sign out, walking away, End session', async ({
  api,
  launchKiosk,
  machine,
  kioskBrowser,
  tokens,
  time,
}) => {
  test.setTimeout(180_000);
  const ctx = { machine, kioskBrowser, tokens };
  const desktop = await launchKiosk();
  await expectWelcome(desktop.page);
  await expect(desktop.page.getByTestId('kiosk-store-name')).toHaveText('Main St. #42');
  expect(await pageStorage(desktop.page)).toMatchObject({ history: 1 });
  await desktop.screenshot('kiosk-welcome');
  await expectNoAxeViolations(desktop.page, 'kiosk welcome');

  // 1. Maria: on-screen keypad and keyboard, statements, a refill, then "Sign out".
  {
    const page = desktop.page;
    const before = fmt.money(
      (await accountFacts(api.database.db, maria.phone)).balanceCents,
      'USD',
      'en',
    );
    await startButton(page).click();
    await expectSignInScreen(page);
    await tapPhone(page, maria);
    // Half the password typed: the keypad and the keyboard as a customer sees them.
    await tapPassword(page, maria.password.slice(0, 6), maria.password.slice(0, 6));
    await desktop.screenshot('kiosk-keypad');
    await expectNoAxeViolations(page, 'kiosk sign-in with keypad and keyboard');
    await tapPassword(page, maria.password.slice(6), maria.password);
    await page.getByRole('button', { name: t('en', 'signIn.submit'), exact: true }).click();
    await waitForDashboard(page);
    await viewStatements(page);
    const after = await refill(page, await newRefillPin(api));
    // The kiosk's header offers "End session" in place of "Sign out"; what a sign-out sends
    // (auth:sign-out, as when the account side ends the session) must wipe just the same.
    // The window is destroyed before the answer could come back.
    void page.evaluate(() => window.airtime.auth.signOut()).catch(() => {});
    await desktop.waitForWindow(2);
    await expectNoTrace(desktop, { who: maria, balances: [before, after] }, ctx, page);
    await expectCleanSignIn(desktop.page);
  }

  // 2. Dana: a physical keyboard for the password; then walks away mid-visit.
  {
    await desktop.waitForWindow(3);
    const page = desktop.page;
    const before = fmt.money(
      (await accountFacts(api.database.db, dana.phone)).balanceCents,
      'USD',
      'en',
    );
    await signInAtKiosk(page, dana, 'physical');
    await viewStatements(page);
    const after = await refill(page, await newRefillPin(api));

    const overlay = page.getByRole('dialog', { name: t('en', 'kiosk.idle.title') });
    time.advance(IDLE_WARNING_S * 1000);
    await expect(overlay).toBeVisible();
    // The countdown starts from the policy's 20 seconds (the page ticks it down between pushes).
    const secondsLeft = Number(await overlay.getByTestId('kiosk-idle-seconds').innerText());
    expect(secondsLeft).toBeGreaterThan(0);
    expect(secondsLeft).toBeLessThanOrEqual(IDLE_WIPE_S - IDLE_WARNING_S);
    await desktop.screenshot('kiosk-idle-overlay');
    await expectNoAxeViolations(page, 'kiosk idle warning');
    // One key and the visit goes on, where it was.
    const heardBefore = desktop.pushed.filter((e) => e === 'kiosk:idle-cleared').length;
    await page.keyboard.press('Shift');
    await expect(overlay).toBeHidden();
    await expect(page.getByTestId('receipt')).toBeVisible();
    // The page hides the warning at once; wait until main has heard the key too, so the idle
    // clock restarts before time is moved on again.
    await expect
      .poll(() => desktop.pushed.filter((e) => e === 'kiosk:idle-cleared').length)
      .toBeGreaterThan(heardBefore);

    // Then Dana walks away: the warning comes back, counts down, and the session is wiped.
    time.advance(IDLE_WARNING_S * 1000);
    await expect(overlay).toBeVisible();
    time.advance((IDLE_WIPE_S - IDLE_WARNING_S) * 1000);
    await desktop.waitForWindow(4);
    await expectNoTrace(desktop, { who: dana, balances: [before, after] }, ctx, page);
    await expect(desktop.page.getByTestId('kiosk-wiped-note')).toHaveText(
      t('en', 'kiosk.welcome.idleWiped'),
    );
    await expectCleanSignIn(desktop.page);
  }

  // 3. Luis: on-screen keyboard again, then "End session".
  {
    await desktop.waitForWindow(5);
    const page = desktop.page;
    const before = fmt.money(
      (await accountFacts(api.database.db, luis.phone)).balanceCents,
      'USD',
      'en',
    );
    await signInAtKiosk(page, luis, 'on-screen');
    await viewStatements(page);
    const after = await refill(page, await newRefillPin(api));
    // No printer in this store's policy: the receipt goes by e-mail, to the address on file.
    await expect(page.getByRole('button', { name: t('en', 'kiosk.receipt.print') })).toHaveCount(0);
    await page.getByRole('button', { name: t('en', 'kiosk.receipt.email'), exact: true }).click();
    const status = page.getByTestId('receipt-actions-status');
    await expect(status).toContainText(t('en', 'kiosk.receipt.sentTo', { address: '' }).trim());
    // Masked: the whole address is never on a shared screen.
    await expect(status).toContainText(`@${luis.email.split('@')[1]}`);
    await expect(status).not.toContainText(luis.email);
    await expect.poll(() => api.mailsTo(luis.email).length).toBe(1);
    await page.getByRole('button', { name: t('en', 'kiosk.endSession'), exact: true }).click();
    await desktop.waitForWindow(6);
    await expectNoTrace(desktop, { who: luis, balances: [before, after] }, ctx, page);
  }

  // Every wipe cleared the clipboard, and no session opened here is still live on the server.
  expect(desktop.clipboardClears).toBeGreaterThanOrEqual(5);
  const live = await api.database.db
    .selectFrom('sessions')
    .select('id')
    .where(
      'kiosk_id',
      '=',
      (await api.database.db.selectFrom('kiosks').select('id').executeTakeFirstOrThrow()).id,
    )
    .where('revoked_at', 'is', null)
    .execute();
  expect(live).toEqual([]);
});

test('a revoked kiosk credential shows the "not enrolled" screen', async ({
  launchKiosk,
  store,
}) => {
  const desktop = await launchKiosk();
  const page = desktop.page;
  await startButton(page).click();
  await expectSignInScreen(page);
  await store.service.revoke(store.kiosk.id);

  await tapPhone(page, maria);
  await passwordField(page).fill(maria.password);
  await page.getByRole('button', { name: t('en', 'signIn.submit'), exact: true }).click();
  await desktop.waitForWindow(2);
  const blocked = desktop.page;
  await expect(
    blocked.getByRole('heading', { level: 1, name: t('en', 'kiosk.blocked.heading') }),
  ).toBeVisible();
  await expect(blocked.getByTestId('kiosk-blocked-message')).toHaveText(
    t('en', 'kiosk.blocked.notEnrolled'),
  );
  expect(page.isClosed()).toBe(true);
  await expect(startButton(blocked)).toHaveCount(0);
  await desktop.screenshot('kiosk-not-enrolled');
});

test('a malformed policy file shows the blocked screen, never a normal sign-in', async ({
  launchKiosk,
}) => {
  const malformed = writeMalformedPolicy();
  try {
    const outcome = loadPolicy({
      explicitPath: malformed.policyPath,
      platform: process.platform,
      env: process.env,
    });
    expect(outcome).toMatchObject({ mode: 'blocked', code: 'policy_malformed' });
    const desktop = await launchKiosk(outcome);
    const page = desktop.page;
    await expect(
      page.getByRole('heading', { level: 1, name: t('en', 'kiosk.blocked.heading') }),
    ).toBeVisible();
    await expect(page.getByTestId('kiosk-blocked-message')).toContainText(malformed.policyPath);
    await expect(
      page.getByText(t('en', 'kiosk.blocked.code', { code: 'policy_malformed' })),
    ).toBeVisible();
    await expect(phoneField(page)).toHaveCount(0);
    // The page cannot get around it: every channel but the state answers "forbidden".
    const answer = await page.evaluate(() => window.airtime.auth.resume());
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  } finally {
    malformed.remove();
  }
});
