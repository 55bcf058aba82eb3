import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { formatMoney } from '../../../contract/money';

/** What the statement tests read back: the text of a statement PDF, and amounts as printed. */

const require = createRequire(import.meta.url);
/** pdf.js reads the metrics of the 14 standard fonts (Helvetica) from these files. */
const STANDARD_FONTS = `${path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/** Every non-blank text run of every page of a PDF, in reading order, one run per line. */
export async function pdfText(bytes: Buffer): Promise<string> {
  const doc = await getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl: STANDARD_FONTS,
    isEvalSupported: false,
  }).promise;
  const runs: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) {
      if ('str' in item && item.str.trim() !== '') runs.push(item.str);
    }
  }
  await doc.destroy();
  return runs.join('\n');
}

/** An amount as the statement prints it: `$28.56`. */
export const usd = (amountCents: number) => formatMoney({ amountCents, currency: 'USD' });

/** An amount (or any text with `$` and `.`) made safe to put in a regular expression. */
export const escapeMoney = (text: string) => text.replace(/[$.]/g, (c) => `\\${c}`);
