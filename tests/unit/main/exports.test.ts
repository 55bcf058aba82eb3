import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppCore, type AppCoreDeps } from '../../../main/app-core';
import { AppError } from '../../../main/errors';
import { EXPORT_MESSAGES } from '../../../main/services/exports';
import { TEST_APP_INFO, baseCoreDeps } from './support/app-core';
import { FakeDownloads, PAYMENTS_CSV, STATEMENTS_CSV, fakeSaveDialog } from './support/downloads';
import { FakeApi, ManualTime, PASSWORD, memoryLog } from './support/fakes';

const APP_URL = 'app://airtime/index.html';
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((clean) => clean()));

function setup(overrides: Partial<AppCoreDeps> = {}) {
  const api = new FakeApi();
  const downloads = new FakeDownloads(api);
  const files = fakeSaveDialog();
  cleanups.push(files.cleanup);
  const time = new ManualTime();
  const log = memoryLog();
  const core = createAppCore({
    ...baseCoreDeps(time),
    isTrustedSender: (url) => url === APP_URL,
    logger: log,
    api,
    downloads,
    saveFile: files.saveFile,
    openPath: files.openPath,
    tempDir: files.tempDir,
    ...overrides,
  });
  cleanups.push(() => core.dispose());
  const call = (channel: string, payload?: unknown) =>
    core.router.dispatch(channel, APP_URL, payload);
  const signIn = async () => {
    const result = await call('auth:sign-in', {
      phone: '(206) 555-0100',
      password: PASSWORD,
      keepSignedIn: false,
    });
    expect(result).toMatchObject({ ok: true, value: { status: 'signed-in' } });
  };
  return { api, downloads, files, log, call, signIn };
}

describe('statements:save-pdf', () => {
  it('saves the PDF where the person chose and answers only the file name', async () => {
    const { call, signIn, files, downloads } = setup();
    await signIn();
    const result = await call('statements:save-pdf', { id: 'st-1' });
    expect(result).toEqual({
      ok: true,
      value: { saved: true, fileName: 'airtime-statement-2026-10.pdf' },
    });
    expect(JSON.stringify(result)).not.toContain(files.dir);
    expect(files.requests).toHaveLength(1);
    expect(files.requests[0]).toMatchObject({
      defaultName: 'airtime-statement-2026-10.pdf',
      filters: [{ extensions: ['pdf'] }],
    });
    const written = fs.readFileSync(path.join(files.dir, 'airtime-statement-2026-10.pdf'));
    expect(written.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(downloads.calls).toEqual([
      expect.objectContaining({ method: 'statementPdf', args: ['st-1'] }),
    ]);
  });

  it('writes nothing when the person cancels the dialog', async () => {
    const { call, signIn, files } = setup();
    await signIn();
    files.state.cancel = true;
    const result = await call('statements:save-pdf', { id: 'st-1' });
    expect(result).toEqual({ ok: true, value: { saved: false } });
    expect(files.requests).toHaveLength(1);
    expect(files.files()).toEqual([]);
  });

  it('suggests a name of its own when the API does not send a usable one', async () => {
    const { call, signIn, files, downloads } = setup();
    await signIn();
    downloads.pdf = { ...downloads.pdf, fileName: null };
    const result = await call('statements:save-pdf', { id: 'st-1' });
    expect(result).toEqual({
      ok: true,
      value: { saved: true, fileName: 'airtime-statement-st-1.pdf' },
    });
    expect(files.requests[0]?.defaultName).toBe('airtime-statement-st-1.pdf');
  });

  it('refreshes an expired access token once and retries the download', async () => {
    const { call, signIn, api, downloads } = setup();
    await signIn();
    api.validAccess.clear();
    const result = await call('statements:save-pdf', { id: 'st-1' });
    expect(result).toMatchObject({ ok: true, value: { saved: true } });
    expect(downloads.calls.map((c) => c.method)).toEqual(['statementPdf', 'statementPdf']);
  });

  it('asks nothing when signed out, or when the statement or the download fails', async () => {
    const { call, signIn, files, downloads } = setup();
    expect(await call('statements:save-pdf', { id: 'st-1' })).toMatchObject({
      ok: false,
      error: { code: 'not_signed_in' },
    });
    await signIn();
    expect(await call('statements:save-pdf', { id: 'st-missing' })).toMatchObject({
      ok: false,
      error: { code: 'statement_not_found' },
    });
    downloads.failure = new AppError('invalid_response', 'Not a PDF.');
    expect(await call('statements:save-pdf', { id: 'st-1' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_response' },
    });
    expect(files.requests).toEqual([]);
    expect(files.files()).toEqual([]);
  });

  it('answers a clear error when writing the file fails, without the path', async () => {
    const { call, signIn, files, log } = setup();
    await signIn();
    files.state.fail = new Error(`EACCES: permission denied, open '${files.dir}/x.pdf'`);
    const result = await call('statements:save-pdf', { id: 'st-1' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'internal_error', message: EXPORT_MESSAGES.writeFailed },
    });
    expect(log.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('refuses an id that is not a statement id before anything runs', async () => {
    const { call, signIn, downloads } = setup();
    await signIn();
    for (const id of ['../etc/passwd', '', 'a b']) {
      expect(await call('statements:save-pdf', { id })).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    expect(downloads.calls).toEqual([]);
  });

  it('says saving is not available where the host gives no save dialog', async () => {
    const { call, signIn } = setup({ saveFile: undefined });
    await signIn();
    expect(await call('statements:save-pdf', { id: 'st-1' })).toEqual({
      ok: false,
      error: { code: 'internal_error', message: EXPORT_MESSAGES.unsupported },
    });
  });
});

describe('statements:open-pdf', () => {
  it('writes the PDF to the app temp folder and opens that file', async () => {
    const { call, signIn, files } = setup();
    await signIn();
    const result = await call('statements:open-pdf', { id: 'st-1' });
    expect(result).toEqual({ ok: true, value: { fileName: 'airtime-statement-2026-10.pdf' } });
    const expected = path.join(files.tempDir(), 'statements', 'airtime-statement-2026-10.pdf');
    expect(files.opened).toEqual([expected]);
    expect(fs.readFileSync(expected).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(files.requests).toEqual([]);
  });

  it('answers openFailed when no app opens the file', async () => {
    const { call, signIn } = setup({
      openPath: () => Promise.reject(new Error('No application is associated')),
    });
    await signIn();
    expect(await call('statements:open-pdf', { id: 'st-1' })).toEqual({
      ok: false,
      error: { code: 'internal_error', message: EXPORT_MESSAGES.openFailed },
    });
  });
});

describe('CSV exports', () => {
  it('exports statements with the filters as given and saves airtime-statements.csv', async () => {
    const { call, signIn, files, downloads } = setup();
    await signIn();
    const filters = { month: '2026-10', minAmountCents: 1000, maxAmountCents: 5000 };
    const result = await call('statements:export-csv', { filters });
    expect(result).toEqual({
      ok: true,
      value: { saved: true, fileName: 'airtime-statements.csv' },
    });
    expect(downloads.calls).toEqual([
      expect.objectContaining({ method: 'statementsCsv', args: [filters] }),
    ]);
    expect(files.requests[0]).toMatchObject({ filters: [{ extensions: ['csv'] }] });
    expect(fs.readFileSync(path.join(files.dir, 'airtime-statements.csv'), 'utf8')).toBe(
      STATEMENTS_CSV,
    );
  });

  it('exports every statement without filters, and payments as airtime-payments.csv', async () => {
    const { call, signIn, files, downloads } = setup();
    await signIn();
    expect(await call('statements:export-csv')).toMatchObject({ ok: true });
    expect(await call('payments:export-csv')).toEqual({
      ok: true,
      value: { saved: true, fileName: 'airtime-payments.csv' },
    });
    expect(downloads.calls.map((c) => [c.method, c.args])).toEqual([
      ['statementsCsv', [undefined]],
      ['paymentsCsv', [undefined]],
    ]);
    expect(fs.readFileSync(path.join(files.dir, 'airtime-payments.csv'), 'utf8')).toBe(
      PAYMENTS_CSV,
    );
  });

  it('writes nothing when the export dialog is cancelled', async () => {
    const { call, signIn, files } = setup();
    await signIn();
    files.state.cancel = true;
    expect(await call('statements:export-csv')).toEqual({ ok: true, value: { saved: false } });
    expect(await call('payments:export-csv')).toEqual({ ok: true, value: { saved: false } });
    expect(files.files()).toEqual([]);
  });

  it('refuses malformed filters before calling the API', async () => {
    const { call, signIn, downloads } = setup();
    await signIn();
    for (const filters of [
      { month: '2026-13' },
      { minAmountCents: -1 },
      { minAmountCents: 12.5 },
      { month: '2026-10', extra: true },
    ]) {
      expect(
        await call('statements:export-csv', { filters }),
        JSON.stringify(filters),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(downloads.calls).toEqual([]);
  });
});

describe('the language of downloaded files', () => {
  it('is the one the app is shown in: the computer’s, or the one chosen in Settings', async () => {
    const { call, signIn, downloads } = setup({
      appInfo: { ...TEST_APP_INFO, systemLanguage: 'es-MX' },
    });
    await signIn();
    expect(await call('statements:save-pdf', { id: 'st-1' })).toMatchObject({ ok: true });
    expect(await call('statements:export-csv')).toMatchObject({ ok: true });
    expect(await call('payments:export-csv')).toMatchObject({ ok: true });
    expect(downloads.calls.map((c) => [c.method, c.language])).toEqual([
      ['statementPdf', 'es'],
      ['statementsCsv', 'es'],
      ['paymentsCsv', 'es'],
    ]);

    expect(await call('settings:set', { language: 'en' })).toMatchObject({ ok: true });
    expect(await call('statements:open-pdf', { id: 'st-1' })).toMatchObject({ ok: true });
    expect(downloads.calls.at(-1)).toMatchObject({ method: 'statementPdf', language: 'en' });
  });
});

describe('account:statements filters', () => {
  it('passes month and amount filters to the API next to the page', async () => {
    const { call, signIn, api } = setup();
    await signIn();
    const query = { limit: 10, month: '2026-10', minAmountCents: 0, maxAmountCents: 9900 };
    expect(await call('account:statements', query)).toMatchObject({ ok: true });
    expect(api.calls.filter((c) => c.method === 'statements').at(-1)).toMatchObject({
      args: [query],
    });
    expect(await call('account:statements', { from: '2026-01', to: 'soon' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });
});
