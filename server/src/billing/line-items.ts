import { LineItem } from '../../../contract/line-items';

/*
 * Line items are kept as JSON text (`item` of ledger_entries, payments and statement_lines), the
 * same on SQLite and PostgreSQL. Checked on the way in and on the way out: a line that is not one
 * of the contract's kinds is a bug to hear about, not a statement to send.
 */

/** A line item as its column stores it. */
export function storedLineItem(item: LineItem): string {
  return JSON.stringify(LineItem.parse(item));
}

/** A line item from its column. */
export function readLineItem(stored: string): LineItem {
  return LineItem.parse(JSON.parse(stored));
}
