import { create } from 'qrcode';

/** A QR code as one SVG path over a `size`×`size` grid of modules (quiet zone not included). */
export interface QrPath {
  size: number;
  d: string;
}

/**
 * Encodes text (an `otpauth://` URI) as a QR code, drawn here on the computer: the secret never
 * goes to a QR-code service. Dark modules become one path of horizontal runs, which an `<svg>`
 * draws crisply at any size without inline styles or images.
 */
export function qrPath(text: string): QrPath {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = modules;
  let d = '';
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (!data[y * size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && data[y * size + x]) x++;
      d += `M${start} ${y}h${x - start}v1h${start - x}z`;
    }
  }
  return { size, d };
}
