import type { BrowserWindowConstructorOptions } from 'electron';
import { BACKGROUND, getMainWindowOptions, SECURE_WEB_PREFERENCES } from './window-options';

/**
 * The kiosk's windows and keyboard rules, as pure functions so each is unit-tested without
 * Electron. main/kiosk-electron.ts applies them.
 */

/**
 * A customer's partition: `kiosk-<uuid>`, never `persist:`, so Electron keeps its storage and
 * cache in memory only, and a new one per customer shares nothing with the last.
 */
export function kioskPartition(id: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error('kioskPartition: expected a uuid');
  return `kiosk-${id}`;
}

export interface KioskWindowInput {
  preloadPath: string;
  theme: 'light' | 'dark';
  /** From {@link kioskPartition}. */
  partition: string;
  title?: string;
}

/**
 * The kiosk window: full screen in the OS's kiosk mode, no menu bar, no developer tools, and the
 * same isolated, sandboxed renderer as the main window, in the customer's in-memory partition.
 */
export function getKioskWindowOptions(input: KioskWindowInput): BrowserWindowConstructorOptions {
  if (input.partition.startsWith('persist:')) {
    throw new Error('getKioskWindowOptions: a kiosk partition must never persist');
  }
  const base = getMainWindowOptions({
    preloadPath: input.preloadPath,
    theme: input.theme,
    bounds: null,
    ...(input.title ? { title: input.title } : {}),
  });
  return {
    ...base,
    kiosk: true,
    fullscreen: true,
    fullscreenable: true,
    frame: false,
    autoHideMenuBar: true,
    minimizable: false,
    maximizable: false,
    resizable: false,
    movable: false,
    closable: false,
    skipTaskbar: true,
    backgroundColor: BACKGROUND[input.theme],
    webPreferences: {
      ...base.webPreferences,
      devTools: false,
      partition: input.partition,
    },
  };
}

/**
 * The hidden window a receipt is printed from: its own in-memory partition, no preload, no
 * scripts, never shown.
 */
export function getPrintWindowOptions(partition: string): BrowserWindowConstructorOptions {
  if (partition.startsWith('persist:')) {
    throw new Error('getPrintWindowOptions: a print partition must never persist');
  }
  return {
    show: false,
    width: 400,
    height: 800,
    webPreferences: {
      ...SECURE_WEB_PREFERENCES,
      partition,
      javascript: false,
      devTools: false,
    },
  };
}

/** The fields of Electron's `before-input-event` input the rules read. */
export interface KeyInput {
  type: string;
  key: string;
  code?: string;
  control: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/**
 * The letter a key stands for: its character when that is a letter (so AZERTY's Ctrl+Z is undo,
 * not Ctrl+W), else its physical key, because Alt changes the character on macOS (Alt+K is `˚`).
 */
function letterOf(input: KeyInput): string {
  if (/^[a-z]$/i.test(input.key)) return input.key.toLowerCase();
  return input.code?.startsWith('Key') ? input.code.slice(3).toLowerCase() : '';
}

/** Ctrl/Cmd + these: close, quit, reload, new window or tab, print, open, save. */
const COMMAND_LETTERS = new Set(['w', 'q', 'r', 'n', 't', 'p', 'o', 's', 'h', 'm']);
/** Ctrl/Cmd + Shift (+ Alt on macOS) + these: developer tools and element inspection. */
const DEVTOOLS_LETTERS = new Set(['i', 'j', 'c']);
const FUNCTION_KEYS = new Set(['F5', 'F11', 'F12']);
const HISTORY_KEYS = new Set(['BrowserBack', 'BrowserForward', 'BrowserRefresh', 'BrowserHome']);

/**
 * True for the shortcuts that would leave the app, open another window, reload it (and so lose
 * the kiosk's state), or open developer tools. Editing shortcuts (copy, paste, select all, undo)
 * and zoom stay: customers need them. The OS's own shortcuts (Ctrl+Alt+Del, the Windows key) never
 * reach the app; the kiosk's OS account must lock those down.
 */
export function shouldBlockInput(input: KeyInput): boolean {
  if (input.type !== 'keyDown' && input.type !== 'keyUp' && input.type !== 'rawKeyDown') {
    return false;
  }
  const command = input.control || input.meta;
  const letter = letterOf(input);
  if (FUNCTION_KEYS.has(input.key) || HISTORY_KEYS.has(input.key)) return true;
  if (input.alt && input.key === 'F4') return true;
  if (command && input.key === 'F4') return true;
  if (input.alt && (input.key === 'ArrowLeft' || input.key === 'ArrowRight')) return true;
  if (command && (input.key === 'Tab' || input.key === '[' || input.key === ']')) return true;
  if (command && input.shift && DEVTOOLS_LETTERS.has(letter)) return true;
  if (command && COMMAND_LETTERS.has(letter)) return true;
  return false;
}

/** Ctrl+Alt+Shift+K (Cmd+Alt+Shift+K on macOS): staff want to leave kiosk mode. */
export function isStaffCombo(input: KeyInput): boolean {
  return (
    input.type === 'keyDown' &&
    (input.control || input.meta) &&
    input.alt &&
    input.shift &&
    letterOf(input) === 'k'
  );
}
