import { describe, expect, it } from 'vitest';
import {
  getKioskWindowOptions,
  getPrintWindowOptions,
  isStaffCombo,
  kioskPartition,
  shouldBlockInput,
  type KeyInput,
} from '../../../main/kiosk-window';
import { getMainWindowOptions } from '../../../main/window-options';

const ID = '3f2b8c1e-9d4a-4e7b-8c2f-1a6d5e9b0c47';

const key = (spec: string, type = 'keyDown'): KeyInput => {
  const parts = spec.split('+');
  const name = parts.pop()!;
  return {
    type,
    key: name,
    code: /^[a-z]$/i.test(name) ? `Key${name.toUpperCase()}` : name,
    control: parts.includes('Ctrl'),
    meta: parts.includes('Cmd'),
    alt: parts.includes('Alt'),
    shift: parts.includes('Shift'),
  };
};

describe('kiosk window options', () => {
  it('is a full-screen kiosk without menu or developer tools, in an in-memory partition', () => {
    const options = getKioskWindowOptions({
      preloadPath: '/app/preload.cjs',
      theme: 'dark',
      partition: kioskPartition(ID),
    });
    expect(options).toMatchObject({ kiosk: true, fullscreen: true, autoHideMenuBar: true });
    expect(options.webPreferences).toMatchObject({
      devTools: false,
      partition: `kiosk-${ID}`,
    });
    expect(options.webPreferences?.partition?.startsWith('persist:')).toBe(false);
  });

  it('keeps every security setting of the main window', () => {
    const main = getMainWindowOptions({
      preloadPath: '/app/preload.cjs',
      theme: 'light',
      bounds: null,
    });
    const kiosk = getKioskWindowOptions({
      preloadPath: '/app/preload.cjs',
      theme: 'light',
      partition: kioskPartition(ID),
    });
    expect(kiosk.webPreferences).toMatchObject(main.webPreferences!);
  });

  it('refuses a persistent partition', () => {
    expect(() =>
      getKioskWindowOptions({ preloadPath: '/p', theme: 'light', partition: 'persist:kiosk' }),
    ).toThrow();
    expect(() => getPrintWindowOptions('persist:print')).toThrow();
    expect(() => kioskPartition('not-a-uuid')).toThrow();
  });

  it('prints from a hidden window that runs no scripts', () => {
    expect(getPrintWindowOptions('kiosk-print-1')).toMatchObject({
      show: false,
      webPreferences: {
        javascript: false,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        devTools: false,
        disableBlinkFeatures: 'Auxclick',
      },
    });
  });
});

describe('shouldBlockInput', () => {
  it.each([
    'Ctrl+w',
    'Ctrl+q',
    'Ctrl+r',
    'Ctrl+Shift+R',
    'Ctrl+n',
    'Ctrl+t',
    'Ctrl+p',
    'Ctrl+o',
    'Ctrl+s',
    'Cmd+w',
    'Cmd+q',
    'Cmd+h',
    'Cmd+m',
    'F5',
    'F11',
    'F12',
    'Ctrl+Shift+I',
    'Ctrl+Shift+J',
    'Ctrl+Shift+C',
    'Cmd+Alt+Shift+I',
    'Alt+F4',
    'Ctrl+F4',
    'Ctrl+Tab',
    'Ctrl+Shift+Tab',
    'Alt+ArrowLeft',
    'Alt+ArrowRight',
    'BrowserBack',
  ])('blocks %s', (spec) => {
    expect(shouldBlockInput(key(spec))).toBe(true);
  });

  it.each([
    'a',
    'Enter',
    'Tab',
    'Shift+Tab',
    'Ctrl+c',
    'Ctrl+v',
    'Ctrl+x',
    'Ctrl+a',
    'Ctrl+z',
    'Cmd+c',
    'Ctrl+=',
    'Ctrl+-',
    'Escape',
    'ArrowLeft',
    'Backspace',
  ])('lets %s through', (spec) => {
    expect(shouldBlockInput(key(spec))).toBe(false);
  });

  it('judges an AZERTY key by its character, not its position', () => {
    // AZERTY's Z sits where QWERTY has W: Ctrl+Z is undo there, not "close".
    expect(shouldBlockInput({ ...key('Ctrl+z'), code: 'KeyW' })).toBe(false);
  });
});

describe('isStaffCombo', () => {
  it('is Ctrl+Alt+Shift+K (Cmd on macOS, where Alt changes the character)', () => {
    expect(isStaffCombo(key('Ctrl+Alt+Shift+K'))).toBe(true);
    expect(isStaffCombo({ ...key('Cmd+Alt+Shift+K'), key: '' })).toBe(true);
    expect(isStaffCombo(key('Ctrl+Shift+K'))).toBe(false);
    expect(isStaffCombo(key('Ctrl+Alt+Shift+K', 'keyUp'))).toBe(false);
    expect(shouldBlockInput(key('Ctrl+Alt+Shift+K'))).toBe(false);
  });
});
