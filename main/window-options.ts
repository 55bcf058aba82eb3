import type { BrowserWindowConstructorOptions } from 'electron';
import type { WindowBounds } from '../contract/settings';

/** Window background per theme: painted before the renderer, so there is no white flash in dark mode. */
export const BACKGROUND = { light: '#f5f7fb', dark: '#0f1420' } as const;

/**
 * What every Airtime window's page runs under, whatever it shows: isolated and sandboxed, no Node,
 * web security on, no webviews, and no middle-click `auxclick` (a middle click must not open or
 * navigate anything behind the navigation rules' back).
 */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  disableBlinkFeatures: 'Auxclick',
} as const satisfies NonNullable<BrowserWindowConstructorOptions['webPreferences']>;

export interface MainWindowInput {
  preloadPath: string;
  theme: 'light' | 'dark';
  bounds: WindowBounds | null;
  title?: string;
}

/**
 * The main window's options. Pure, so every security setting is unit-tested: the renderer is
 * isolated and sandboxed, has no Node, and keeps web security on.
 */
export function getMainWindowOptions(input: MainWindowInput): BrowserWindowConstructorOptions {
  return {
    title: input.title ?? 'Airtime',
    width: input.bounds?.width ?? 1120,
    height: input.bounds?.height ?? 760,
    ...(input.bounds ? { x: input.bounds.x, y: input.bounds.y } : {}),
    minWidth: 720,
    minHeight: 560,
    // Shown on 'ready-to-show' so the first thing a person sees is a painted screen.
    show: false,
    backgroundColor: BACKGROUND[input.theme],
    autoHideMenuBar: true,
    webPreferences: {
      ...SECURE_WEB_PREFERENCES,
      preload: input.preloadPath,
      safeDialogs: true,
    },
  };
}
