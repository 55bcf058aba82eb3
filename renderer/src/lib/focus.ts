import { tick } from 'svelte';

/**
 * Moves focus into a part of the page that has just changed (a new screen, or the next step of
 * one): to its preferred field (`data-autofocus`), else the first of `headings` it has, so a
 * screen reader announces where the person now is. Waits for Svelte to update the DOM first.
 */
export async function focusStart(
  root: HTMLElement | undefined,
  headings: readonly string[] = ['h1'],
): Promise<void> {
  await tick();
  if (!root) return;
  let target = root.querySelector<HTMLElement>('[data-autofocus]');
  for (const selector of headings) target ??= root.querySelector<HTMLElement>(selector);
  target?.focus();
}

/**
 * Focuses an element by id once the DOM is up to date: a card's heading, when what had focus
 * (the button that opened a dialog, say) is gone after the change it made.
 */
export async function focusId(id: string): Promise<void> {
  await tick();
  document.getElementById(id)?.focus();
}
