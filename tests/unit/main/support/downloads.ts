import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Language } from '../../../../contract/settings';
import { AppError } from '../../../../main/errors';
import type {
  ApiDownloads,
  ApiFile,
  ExportFilterParams,
} from '../../../../main/services/api-client';
import type { SaveFile, SaveFileRequest } from '../../../../main/services/exports';
import type { FakeApi } from './fakes';

export const PDF_BYTES = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n', 'latin1');
export const STATEMENTS_CSV = 'id,period_start,total\r\nst-1,2026-10-01,45.00\r\n';
export const PAYMENTS_CSV = 'id,created_at,amount\r\npay-1,2026-10-02T10:00:00Z,45.00\r\n';

/**
 * The API's file downloads in memory, honouring the fake API's access tokens so a 401 and the
 * refresh that follows behave as with the real client.
 */
export class FakeDownloads implements ApiDownloads {
  /** Each download asked for; `language` is the language the file was asked in, if any. */
  readonly calls: Array<{
    method: string;
    token: string;
    args: unknown[];
    language: Language | undefined;
  }> = [];
  pdf: ApiFile = { bytes: PDF_BYTES, fileName: 'airtime-statement-2026-10.pdf' };
  failure: AppError | null = null;

  constructor(readonly api: FakeApi) {}

  async #file(
    method: string,
    token: string,
    file: ApiFile,
    args: unknown[],
    language: Language | undefined,
  ): Promise<ApiFile> {
    this.calls.push({ method, token, args, language });
    if (this.failure) throw this.failure;
    if (!this.api.validAccess.has(token)) {
      throw new AppError('token_expired', 'Your session needs refreshing.', { status: 401 });
    }
    return { bytes: Buffer.from(file.bytes), fileName: file.fileName };
  }

  statementPdf = (t: string, id: string, language?: Language) =>
    id === 'st-missing'
      ? Promise.reject(new AppError('statement_not_found', 'No such statement.', { status: 404 }))
      : this.#file('statementPdf', t, this.pdf, [id], language);
  statementsCsv = (t: string, filters?: ExportFilterParams, language?: Language) =>
    this.#file(
      'statementsCsv',
      t,
      { bytes: Buffer.from(STATEMENTS_CSV), fileName: 'airtime-statements.csv' },
      [filters],
      language,
    );
  paymentsCsv = (t: string, filters?: ExportFilterParams, language?: Language) =>
    this.#file(
      'paymentsCsv',
      t,
      { bytes: Buffer.from(PAYMENTS_CSV), fileName: 'airtime-payments.csv' },
      [filters],
      language,
    );
}

/**
 * A save dialog the test answers: writes into a temp folder under the suggested name, or is
 * cancelled. Every request is recorded; `dir` is removed by `cleanup()`.
 */
export function fakeSaveDialog() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-unit-save-'));
  const requests: SaveFileRequest[] = [];
  const state = { cancel: false, fail: null as Error | null };
  const saveFile: SaveFile = async (request) => {
    requests.push(request);
    if (state.fail) throw state.fail;
    if (state.cancel) return { saved: false };
    const target = path.join(dir, request.defaultName);
    fs.writeFileSync(target, request.bytes);
    return { saved: true, path: target };
  };
  const opened: string[] = [];
  const openPath = async (filePath: string) => void opened.push(filePath);
  return {
    dir,
    requests,
    state,
    saveFile,
    opened,
    openPath,
    tempDir: () => path.join(dir, 'temp'),
    files: () => fs.readdirSync(dir).filter((name) => name !== 'temp'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
