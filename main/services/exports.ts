import fs from 'node:fs/promises';
import path from 'node:path';
import type { SaveOutcome } from '../../contract/ipc';
import type { Language } from '../../contract/settings';
import { AppError } from '../errors';
import type { ApiDownloads, ApiFile, ExportFilterParams } from './api-client';
import type { Log } from './logger';

/** A file type offered in the save dialog (`{ name: 'PDF document', extensions: ['pdf'] }`). */
export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface SaveFileRequest {
  /** The name the dialog suggests. */
  defaultName: string;
  filters: FileFilter[];
  bytes: Buffer;
}

/**
 * Asks where to save and writes the bytes there (Electron: `dialog.showSaveDialog` and
 * `fs.writeFile`). Resolves `{ saved: false }` when the person cancels; nothing is written then.
 */
export type SaveFile = (
  request: SaveFileRequest,
) => Promise<{ saved: true; path: string } | { saved: false }>;

export interface ExportDeps {
  api: ApiDownloads;
  session: { withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> };
  /** Absent where the host has no way to ask (the answer is then a clear error). */
  saveFile?: SaveFile | undefined;
  /** Opens a file with the OS's default app (`shell.openPath`); rejects when it cannot. */
  openPath?: ((filePath: string) => Promise<void>) | undefined;
  /** The app's own temporary folder, where a PDF opened for viewing is written. */
  tempDir?: (() => string) | undefined;
  /**
   * The language the app is shown in, read at each download: the API writes the files' texts
   * (a statement's lines, a payment's description) in it. The API's default when absent.
   */
  language?: (() => Language) | undefined;
  log: Log;
}

export const EXPORT_MESSAGES = {
  unsupported: 'Saving files is not available in this version of Airtime.',
  writeFailed: 'Airtime could not save the file. Check that the folder can be written to.',
  openFailed: 'Airtime saved the statement but could not open it. No app for PDF files was found.',
} as const;

const PDF_FILTERS: FileFilter[] = [{ name: 'PDF document', extensions: ['pdf'] }];
const CSV_FILTERS: FileFilter[] = [{ name: 'CSV spreadsheet', extensions: ['csv'] }];

export const STATEMENTS_CSV_NAME = 'airtime-statements.csv';
export const PAYMENTS_CSV_NAME = 'airtime-payments.csv';

/**
 * Statement PDFs and CSV exports. The bytes stay in main: the renderer asks for a file and hears
 * back only whether it was saved and under which name, never the folder.
 */
export class ExportService {
  readonly #deps: ExportDeps;

  constructor(deps: ExportDeps) {
    this.#deps = deps;
  }

  async savePdf(id: string): Promise<SaveOutcome> {
    const lang = this.#deps.language?.();
    const file = await this.#deps.session.withAccess((t) =>
      this.#deps.api.statementPdf(t, id, lang),
    );
    return this.#save(file, pdfName(file, id), PDF_FILTERS);
  }

  /** Writes the PDF to the temp folder and opens it with the person's PDF viewer. */
  async openPdf(id: string): Promise<{ fileName: string }> {
    const { openPath, tempDir } = this.#deps;
    if (!openPath || !tempDir) throw new AppError('internal_error', EXPORT_MESSAGES.unsupported);
    const lang = this.#deps.language?.();
    const file = await this.#deps.session.withAccess((t) =>
      this.#deps.api.statementPdf(t, id, lang),
    );
    const fileName = pdfName(file, id);
    const folder = path.join(tempDir(), 'statements');
    const target = path.join(folder, fileName);
    try {
      await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      await fs.writeFile(target, file.bytes, { mode: 0o600 });
    } catch (error) {
      this.#deps.log.error({ err: error }, 'exports: writing the PDF to the temp folder failed');
      throw new AppError('internal_error', EXPORT_MESSAGES.writeFailed);
    }
    try {
      await openPath(target);
    } catch (error) {
      this.#deps.log.warn({ err: error }, 'exports: no app opened the PDF');
      throw new AppError('internal_error', EXPORT_MESSAGES.openFailed);
    }
    return { fileName };
  }

  async statementsCsv(filters?: ExportFilterParams): Promise<SaveOutcome> {
    const lang = this.#deps.language?.();
    const file = await this.#deps.session.withAccess((t) =>
      this.#deps.api.statementsCsv(t, filters, lang),
    );
    return this.#save(file, STATEMENTS_CSV_NAME, CSV_FILTERS);
  }

  async paymentsCsv(): Promise<SaveOutcome> {
    const lang = this.#deps.language?.();
    const file = await this.#deps.session.withAccess((t) =>
      this.#deps.api.paymentsCsv(t, undefined, lang),
    );
    return this.#save(file, PAYMENTS_CSV_NAME, CSV_FILTERS);
  }

  async #save(file: ApiFile, defaultName: string, filters: FileFilter[]): Promise<SaveOutcome> {
    const { saveFile } = this.#deps;
    if (!saveFile) throw new AppError('internal_error', EXPORT_MESSAGES.unsupported);
    let outcome: Awaited<ReturnType<SaveFile>>;
    try {
      outcome = await saveFile({ defaultName, filters, bytes: file.bytes });
    } catch (error) {
      this.#deps.log.error({ err: error }, 'exports: saving a file failed');
      throw new AppError('internal_error', EXPORT_MESSAGES.writeFailed);
    }
    return outcome.saved
      ? { saved: true, fileName: path.basename(outcome.path) }
      : { saved: false };
  }
}

/** The API's name (`airtime-statement-2026-04.pdf`) when it sent a safe one. */
function pdfName(file: ApiFile, id: string): string {
  if (file.fileName?.toLowerCase().endsWith('.pdf')) return file.fileName;
  return `airtime-statement-${id}.pdf`;
}
