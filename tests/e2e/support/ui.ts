/**
 * Helpers for the end-to-end specs: the renderer's own message catalogue (so tests assert the
 * words a subscriber reads), Intl formatting with the renderer's rules, signing in, waiting for a
 * screen to be complete, and accessibility checks with axe.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { SignInResponse } from '../../../contract/http/auth';
import type { DemoSubscriber } from '../../../server/src/demo/seed-demo';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type Lang = 'en' | 'es';
/** The `Intl` locale of each language (renderer/src/i18n/i18n.svelte.ts, LOCALES). */
export const LOCALE: Record<Lang, string> = { en: 'en-US', es: 'es-US' };

type Catalogue = { [key: string]: string | Catalogue };
const catalogues: Record<Lang, Catalogue> = {
  en: JSON.parse(
    fs.readFileSync(path.join(root, 'renderer/src/i18n/en.json'), 'utf8'),
  ) as Catalogue,
  es: JSON.parse(
    fs.readFileSync(path.join(root, 'renderer/src/i18n/es.json'), 'utf8'),
  ) as Catalogue,
};

function lookup(lang: Lang, key: string): string | undefined {
  let node: string | Catalogue | undefined = catalogues[lang];
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/**
 * A catalogue entry with `{{values}}` filled in, as i18next renders it (`count` picks the
 * `_one`/`_other` form). Throws for a key the catalogue does not have, so a renamed key fails
 * loudly here rather than as a puzzling "element not found".
 */
export function t(lang: Lang, key: string, values: Record<string, string | number> = {}): string {
  let template: string | undefined;
  if (typeof values['count'] === 'number') {
    const form = new Intl.PluralRules(LOCALE[lang]).select(values['count']);
    template = lookup(lang, `${key}_${form}`) ?? lookup(lang, `${key}_other`);
  }
  template ??= lookup(lang, key);
  if (template === undefined) throw new Error(`No "${key}" in the ${lang} catalogue`);
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`"${key}" needs a value for {{${name}}}`);
    return String(value);
  });
}

/** Collapses every kind of space (Intl uses no-break and narrow no-break spaces) to one space. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Locator text, spaces squashed. */
export async function textOf(locator: Locator): Promise<string> {
  return squash(await locator.innerText());
}

// --- Intl, with the rules of renderer/src/lib/format.ts and contract/money.ts ------------------

export const fmt = {
  money: (cents: number, currency: string, lang: Lang) =>
    squash(
      new Intl.NumberFormat(LOCALE[lang], { style: 'currency', currency }).format(cents / 100),
    ),
  /** Days are formatted in UTC so they never shift with the time zone. */
  day: (iso: string, lang: Lang, style: 'long' | 'medium' | 'short' = 'medium') => {
    const options: Intl.DateTimeFormatOptions =
      style === 'short'
        ? { month: 'short', day: 'numeric' }
        : { year: 'numeric', month: style === 'long' ? 'long' : 'short', day: 'numeric' };
    return squash(
      new Intl.DateTimeFormat(LOCALE[lang], { ...options, timeZone: 'UTC' }).format(
        new Date(`${iso}T00:00:00Z`),
      ),
    );
  },
  dayRange: (start: string, end: string, lang: Lang) =>
    squash(
      new Intl.DateTimeFormat(LOCALE[lang], {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        timeZone: 'UTC',
      }).formatRange(new Date(`${start}T00:00:00Z`), new Date(`${end}T00:00:00Z`)),
    ),
  month: (iso: string, lang: Lang) => {
    const text = new Intl.DateTimeFormat(LOCALE[lang], {
      year: 'numeric',
      month: 'long',
      timeZone: 'UTC',
    }).format(new Date(`${iso}T00:00:00Z`));
    return squash(text.charAt(0).toLocaleUpperCase(LOCALE[lang]) + text.slice(1));
  },
  /** 1 GB = 1024 MB, one decimal. */
  gb: (mb: number, lang: Lang) =>
    squash(
      new Intl.NumberFormat(LOCALE[lang], {
        style: 'unit',
        unit: 'gigabyte',
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      }).format(mb / 1024),
    ),
  mb: (mb: number, lang: Lang) =>
    squash(
      new Intl.NumberFormat(LOCALE[lang], {
        style: 'unit',
        unit: 'megabyte',
        maximumFractionDigits: 0,
      }).format(mb),
    ),
};

// --- Screens ------------------------------------------------------------------------------------

/** Fills the sign-in form with the catalogue's labels and submits it. */
export async function signIn(
  page: Page,
  who: Pick<DemoSubscriber, 'display' | 'password'>,
  options: { keepSignedIn?: boolean; lang?: Lang; password?: string } = {},
): Promise<void> {
  const lang = options.lang ?? 'en';
  await page.getByLabel(t(lang, 'signIn.phoneLabel'), { exact: true }).fill(who.display);
  await page
    .getByLabel(t(lang, 'signIn.passwordLabel'), { exact: true })
    .fill(options.password ?? who.password);
  if (options.keepSignedIn)
    await page.getByLabel(t(lang, 'signIn.keepSignedIn'), { exact: true }).check();
  await page.getByRole('button', { name: t(lang, 'signIn.submit'), exact: true }).click();
}

/** The sign-in screen is showing (its heading, in `lang`). */
export async function expectSignInScreen(page: Page, lang: Lang = 'en'): Promise<void> {
  await expect(
    page.getByRole('heading', { level: 1, name: t(lang, 'signIn.heading') }),
  ).toBeVisible();
}

/**
 * The dashboard is complete: summary figures, every lower card loaded (nothing `aria-busy`), and
 * the daily-usage chart drawn on its canvas with its short animation finished.
 */
export async function waitForDashboard(page: Page): Promise<void> {
  await expect(page.getByTestId('balance')).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  await expect(page.getByTestId('statement-row').first()).toBeVisible();
  await expect(page.getByTestId('payment-row').first()).toBeVisible();
  const canvas = page.getByTestId('usage-chart').locator('canvas');
  await expect(canvas).toBeVisible();
  // Drawn (some opaque pixels), and no longer changing from one frame to the next.
  await expect
    .poll(
      async () => {
        const [a, inked] = await canvas.evaluate((c: HTMLCanvasElement) => {
          const ctx = c.getContext('2d');
          if (!ctx || c.width === 0 || c.height === 0) return ['', 0] as const;
          const { data } = ctx.getImageData(0, 0, c.width, c.height);
          let opaque = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) opaque++;
          return [c.toDataURL(), opaque] as const;
        });
        await page.waitForTimeout(150);
        const b = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
        return inked > 500 && a === b;
      },
      { message: 'the daily usage chart is drawn and settled' },
    )
    .toBe(true);
}

/** From the dashboard, once it is complete, to "Refill and pay" by the balance card's button. */
export async function openPayments(page: Page): Promise<void> {
  await waitForDashboard(page);
  await page.getByRole('button', { name: t('en', 'dashboard.balance.refillOrPay') }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'payments.title') }),
  ).toBeVisible();
}

/** Types a new card (number, expiry, a valid security code) into the card fields on screen. */
export async function fillCard(page: Page, number: string, expiry = '12/30'): Promise<void> {
  await page.getByLabel(t('en', 'payments.card.numberLabel')).fill(number);
  await page.getByLabel(t('en', 'payments.card.expiryLabel')).fill(expiry);
  await page.getByLabel(t('en', 'payments.card.cvcLabel')).fill('123');
}

/**
 * Signs in to the API directly, with a session of its own (not the app's), for a test's set-up
 * or to ask the API what it computes; gives the access token.
 */
export async function apiAccessToken(
  apiUrl: string,
  who: Pick<DemoSubscriber, 'phone' | 'password'>,
): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: who.phone, password: who.password }),
  });
  return SignInResponse.parse(await response.json()).accessToken;
}

/** From any signed-in screen to Security, via the header button. */
export async function openSecurity(page: Page): Promise<void> {
  await page.getByRole('button', { name: t('en', 'header.security'), exact: true }).click();
  await expect(
    page.getByRole('heading', { level: 1, name: t('en', 'security.heading'), exact: true }),
  ).toBeVisible();
}

/** On Security: "Turn on 2-step verification", pick a method, Continue. */
export async function startTwoFactorSetUp(page: Page, method: 'totp' | 'sms'): Promise<void> {
  await page
    .getByRole('button', { name: t('en', 'security.twoFactor.turnOn'), exact: true })
    .click();
  await page
    .getByLabel(
      t('en', method === 'totp' ? 'security.twoFactor.methodTotp' : 'security.twoFactor.methodSms'),
    )
    .check();
  await page
    .getByRole('button', { name: t('en', 'security.twoFactor.continue'), exact: true })
    .click();
}

/** The setup key as the authenticator-app screen shows it, without its label and spaces. */
export async function shownTotpSecret(page: Page): Promise<string> {
  const shown = (await page.getByTestId('totp-secret').textContent()) ?? '';
  return shown.split(':').at(-1)!.replace(/\s+/g, '');
}

/** Confirms 2-step set-up with `code`, ticks "I saved these codes", and returns the 10 codes. */
export async function confirmTwoFactor(page: Page, code: string): Promise<string[]> {
  await page.getByLabel(t('en', 'security.twoFactor.codeLabel'), { exact: true }).fill(code);
  await page
    .getByRole('button', { name: t('en', 'security.twoFactor.verify'), exact: true })
    .click();
  const codes = page.getByTestId('recovery-code');
  await expect(codes).toHaveCount(10);
  const values = (await codes.allTextContents()).map((c) => c.trim());
  await confirmTwoFactorCodesSaved(page);
  return values;
}

/** With the recovery codes on screen: "I saved these codes", Done, and 2-step shows On. */
export async function confirmTwoFactorCodesSaved(page: Page): Promise<void> {
  await page.getByLabel(t('en', 'security.twoFactor.savedCheck'), { exact: true }).check();
  await page.getByRole('button', { name: t('en', 'security.twoFactor.done'), exact: true }).click();
  await expect(page.getByTestId('two-factor-status')).toContainText(
    t('en', 'security.twoFactor.on'),
  );
}

/** `mm:ss` → seconds. */
export function countdownSeconds(text: string): number {
  const match = /^(\d{2,}):([0-5]\d)$/.exec(text.trim());
  if (!match) throw new Error(`Not a mm:ss countdown: "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

// --- Accessibility ------------------------------------------------------------------------------

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** axe-core on the whole page (WCAG 2.2 AA); violations are listed one per node, in words. */
export async function expectNoAxeViolations(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const readable = results.violations.flatMap((v) =>
    v.nodes.map(
      (n) =>
        `${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n    at ${n.target.join(' ')}\n    ${squash(n.failureSummary ?? '')}\n    ${v.helpUrl}`,
    ),
  );
  expect(
    readable,
    `axe found accessibility violations on "${screen}":\n${readable.join('\n')}`,
  ).toEqual([]);
}

// --- Machine ------------------------------------------------------------------------------------

/** An address on 127.0.0.1 where nothing listens (a port that was just opened and closed). */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Files under `dir` (recursively) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file).includes(needle)) found.push(file);
  }
  return found;
}

/** Uncaught errors and console errors of every page of the context (start listening before launch). */
export function collectPageErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(`uncaught: ${e.error().message}`));
  context.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
