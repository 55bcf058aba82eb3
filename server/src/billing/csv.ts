/**
 * CSV as RFC 4180 describes it (CRLF line ends, fields quoted when they hold a comma, quote or
 * line break, quotes doubled), made safe to open in a spreadsheet.
 */

/** An amount in cents, written as decimal dollars (`-12.05`); never treated as text. */
export interface CsvAmount {
  cents: number;
}

export type CsvValue = string | null | CsvAmount;

/**
 * A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(…)`), so
 * text from the database that starts with one gets a leading `'`, which shows it as text.
 * Tab and carriage return are on the list because some spreadsheets skip them before a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function decimalAmount(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Not whole cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  // Amounts are produced here, digits only, so a minus sign is a number, not a formula.
  if (typeof value === 'object') return decimalAmount(value.cents);
  return quote(FORMULA_START.test(value) ? `'${value}` : value);
}

export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const lines = [header.map((h) => csvField(h)).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) throw new Error('A CSV row does not match its header.');
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
