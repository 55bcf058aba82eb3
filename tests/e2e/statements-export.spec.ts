import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { test, expect, DEMO_SUBSCRIBERS } from './support/fixtures';
import { accountFacts, newestStatement } from './support/account-facts';
import { fmt, signIn, squash, t, waitForDashboard } from './support/ui';
import type { Page } from '@playwright/test';

const maria = DEMO_SUBSCRIBERS[0]!;

const require = createRequire(import.meta.url);
/** pdf.js reads the metrics of the standard fonts (Helvetica) from these files. */
const STANDARD_FONTS = `${path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/** All the text of a PDF, runs joined by spaces. */
async function pdfText(bytes: Buffer): Promise<string> {
  const doc = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: STANDARD_FONTS,
    isEvalSupported: false,
  }).promise;
  const runs: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    for (const item of (await (await doc.getPage(n)).getTextContent()).items) {
      if ('str' in item) runs.push(item.str);
    }
  }
  await doc.destroy();
  return squash(runs.join(' '));
}

/** RFC 4180 records (CRLF, quoted fields with `""`), as the API writes them. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

test('a statement PDF is saved where the dialog says, shows the total on screen, and opens', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const facts = await accountFacts(api.database.db, maria.phone);
  const statement = await newestStatement(api.database.db, facts.subscriberId);
  const fileName = `airtime-statement-${statement.periodStart.slice(0, 7)}.pdf`;

  await page.getByTestId('statement-row').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'statement.heading', { month: fmt.month(statement.periodStart, 'en') }),
  );
  const shownTotal = squash((await page.getByTestId('statement-total').textContent()) ?? '');
  expect(shownTotal).toBe(squash(fmt.money(statement.totalCents, statement.currency, 'en')));

  // Cancelled first: nothing written, and the status line says so.
  desktop.files.cancelSaves = true;
  await button(page, t('en', 'statement.download')).click();
  const status = page.getByTestId('statement-pdf-status');
  await expect(status).toHaveText(t('en', 'files.cancelled'));
  expect(fs.readdirSync(desktop.files.downloadsDir)).toEqual([]);

  desktop.files.cancelSaves = false;
  await button(page, t('en', 'statement.download')).click();
  await expect(status).toHaveText(t('en', 'files.saved', { fileName }));
  await desktop.screenshot('statement-pdf-saved');
  const saved = path.join(desktop.files.downloadsDir, fileName);
  expect(desktop.files.saved).toEqual([saved]);
  const bytes = fs.readFileSync(saved);
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const text = await pdfText(bytes);
  expect(text).toContain(shownTotal);
  expect(text).toContain(statement.planName);

  // Open PDF: written to the app's temp folder and handed to the OS, not to Downloads.
  await button(page, t('en', 'statement.openPdf')).click();
  await expect(status).toHaveText(t('en', 'files.opened', { fileName }));
  expect(desktop.files.opened).toHaveLength(1);
  const opened = desktop.files.opened[0]!;
  expect(path.basename(opened)).toBe(fileName);
  expect(opened.startsWith(desktop.files.downloadsDir)).toBe(false);
  expect(fs.readFileSync(opened).equals(bytes)).toBe(true);
  expect(fs.readdirSync(desktop.files.downloadsDir)).toEqual([fileName]);
});

test('statement search by month lists that month only, and its CSV has exactly those rows', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const facts = await accountFacts(api.database.db, maria.phone);
  const db = api.database.db;
  const all = await db
    .selectFrom('statements')
    .select(['id', 'period_start', 'total_cents', 'currency'])
    .where('subscriber_id', '=', facts.subscriberId)
    .orderBy('period_start', 'desc')
    .orderBy('id', 'desc')
    .execute();
  expect(all.length).toBeGreaterThan(1);
  // An older month, so the filter visibly leaves the newest statement out.
  const month = all[1]!.period_start.slice(0, 7);
  const inMonth = all.filter((s) => s.period_start.startsWith(month));

  const statements = page.getByRole('region', { name: t('en', 'dashboard.statements.heading') });
  await statements.getByRole('button', { name: t('en', 'dashboard.statements.search') }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en', 'statements.heading'));
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  const rows = page.getByTestId('search-statement-row');
  await expect(rows).toHaveCount(Math.min(all.length, 10));

  // A wrong amount is named next to its field, and focus goes there.
  await page.getByLabel(t('en', 'statements.minAmount')).fill('ten');
  await button(page, t('en', 'statements.search')).click();
  await expect(page.getByText(t('en', 'statements.invalid.amount'))).toBeVisible();
  await expect(page.getByLabel(t('en', 'statements.minAmount'))).toBeFocused();
  await page.getByLabel(t('en', 'statements.minAmount')).fill('');

  await page.getByLabel(t('en', 'statements.month')).fill(month);
  await button(page, t('en', 'statements.search')).click();
  await expect(rows).toHaveCount(inMonth.length);
  for (const [i, s] of inMonth.entries()) {
    await expect(rows.nth(i)).toContainText(fmt.month(s.period_start, 'en'));
    await expect(rows.nth(i)).toContainText(fmt.money(s.total_cents, s.currency, 'en'));
  }
  await desktop.screenshot('statements-search');

  await page
    .getByRole('button', {
      name: `${t('en', 'statements.exportCsv')} ${t('en', 'statements.exportCsvOf')}`,
    })
    .click();
  await expect(page.getByTestId('statements-export-status')).toHaveText(
    t('en', 'files.saved', { fileName: 'airtime-statements.csv' }),
  );
  const csv = parseCsv(
    fs.readFileSync(path.join(desktop.files.downloadsDir, 'airtime-statements.csv'), 'utf8'),
  );
  expect(csv[0]).toEqual([
    'statement_id',
    'period_start',
    'period_end',
    'issue_date',
    'due_date',
    'plan',
    'total',
    'paid',
    'amount_due',
    'currency',
    'status',
  ]);
  expect(csv.slice(1).map((r) => [r[0], r[1]])).toEqual(inMonth.map((s) => [s.id, s.period_start]));

  // Back from a statement opened here returns to the search with its month still applied.
  await rows.first().click();
  await page.getByRole('button', { name: t('en', 'statement.backToAccount') }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en', 'statements.heading'));
  await expect(page.getByLabel(t('en', 'statements.month'))).toHaveValue(month);
  await expect(rows).toHaveCount(inMonth.length);
});

test('payments export from the dashboard saves every payment the database holds', async ({
  launch,
  api,
}) => {
  const desktop = await launch();
  const page = desktop.page;
  await signIn(page, maria);
  await waitForDashboard(page);
  const facts = await accountFacts(api.database.db, maria.phone);
  const payments = await api.database.db
    .selectFrom('payments')
    .select(['id'])
    .where('subscriber_id', '=', facts.subscriberId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();

  const card = page.getByRole('region', { name: t('en', 'dashboard.payments.heading') });
  await card
    .getByRole('button', {
      name: `${t('en', 'dashboard.payments.exportCsv')} ${t('en', 'dashboard.payments.exportCsvOf')}`,
    })
    .click();
  await expect(page.getByTestId('payments-export-status')).toHaveText(
    t('en', 'files.saved', { fileName: 'airtime-payments.csv' }),
  );
  const csv = parseCsv(
    fs.readFileSync(path.join(desktop.files.downloadsDir, 'airtime-payments.csv'), 'utf8'),
  );
  expect(csv[0]?.[0]).toBe('payment_id');
  expect(csv.slice(1).map((r) => r[0])).toEqual(payments.map((p) => p.id));
  await desktop.screenshot('dashboard-exports');
});
