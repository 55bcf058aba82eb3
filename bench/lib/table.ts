/** Plain-text tables: first column left-aligned, the rest right-aligned (they are figures). */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function integer(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number, digits = 1): string {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function percent(share: number, digits = 0): string {
  return `${fixed(share * 100, digits)} %`;
}

export function bytes(n: number): string {
  return n >= 1024 ** 3 ? `${fixed(n / 1024 ** 3, 2)} GiB` : `${fixed(n / 1024 ** 2, 1)} MiB`;
}
