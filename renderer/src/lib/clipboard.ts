/**
 * Copying text and saving it as a file, from the sandboxed page. Both run only in answer to a
 * click.
 */

/**
 * Puts text on the clipboard. The asynchronous Clipboard API needs a permission the app may deny
 * (it denies every permission it does not need), so the older copy command on a hidden text
 * field is the fallback. Resolves to whether either worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return copyWithCommand(text);
  }
}

function copyWithCommand(text: string): boolean {
  const field = document.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.className = 'visually-hidden';
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  document.body.append(field);
  field.select();
  let copied: boolean;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  field.remove();
  focused?.focus();
  return copied;
}

/** Offers text as a file to save (a Blob link: nothing leaves the computer). */
export function downloadText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.className = 'visually-hidden';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; give the browser a moment before letting go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
