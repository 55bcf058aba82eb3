/**
 * One-time codes as people type or paste them: 6-digit codes (texted, e-mailed or from an
 * authenticator app), recovery codes (`xxxxx-xxxxx`), and the setup key of an authenticator app.
 * Pure, so the unit tests run under plain Node.
 */

export type CodeKind = 'digits' | 'recovery';

/** The most characters each kind of code field accepts once cleaned up. */
export const CODE_LENGTH: Record<CodeKind, number> = { digits: 6, recovery: 11 };

/**
 * What a code field keeps of what was typed or pasted: digits only for a 6-digit code (so
 * "123 456" and "123-456" paste cleanly), and lower-case hex digits with one dash for a recovery
 * code. Longer input is cut to the code's length.
 */
export function sanitizeCode(raw: string, kind: CodeKind): string {
  if (kind === 'digits') return raw.replace(/\D/g, '').slice(0, CODE_LENGTH.digits);
  const cleaned = raw.toLowerCase().replace(/[^0-9a-f-]/g, '');
  const chars = cleaned.replace(/-/g, '');
  // A dash is kept only where it belongs; typing one elsewhere (or pasting without one) is fine.
  const dashed = chars.length > 5 || (chars.length === 5 && cleaned.endsWith('-'));
  return (dashed ? `${chars.slice(0, 5)}-${chars.slice(5)}` : chars).slice(0, CODE_LENGTH.recovery);
}

/** True for a complete code of that kind. */
export function isCompleteCode(code: string, kind: CodeKind): boolean {
  return kind === 'digits' ? /^\d{6}$/.test(code) : /^[0-9a-f]{5}-[0-9a-f]{5}$/.test(code);
}

/** `JBSW Y3DP EHPK 3PXP`: an authenticator setup key in groups, easier to read and type. */
export function groupSecret(secret: string, size = 4): string {
  const compact = secret.replace(/\s+/g, '').toUpperCase();
  return (compact.match(new RegExp(`.{1,${size}}`, 'g')) ?? []).join(' ');
}

/** The recovery codes as a text file: a title, a note, then one code per line. */
export function recoveryCodesText(codes: readonly string[], title: string, note: string): string {
  return [title, note, '', ...codes, ''].join('\n');
}
