import { describe, expect, it } from 'vitest';
import { BACKGROUND, getMainWindowOptions } from '../../../main/window-options';

describe('getMainWindowOptions', () => {
  const options = getMainWindowOptions({
    preloadPath: '/app/out/preload/index.cjs',
    theme: 'dark',
    bounds: null,
  });
  const web = options.webPreferences!;

  it('isolates and sandboxes the renderer with no Node access', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and refuses insecure content, webviews and experimental features', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
  });

  it('turns off middle-click auxclick, which could open links behind the navigation rules', () => {
    expect(web.disableBlinkFeatures).toBe('Auxclick');
  });

  it('loads the bundled preload', () => {
    expect(web.preload).toBe('/app/out/preload/index.cjs');
  });

  it('stays hidden until ready-to-show, painted in the theme colour', () => {
    expect(options.show).toBe(false);
    expect(options.backgroundColor).toBe(BACKGROUND.dark);
    expect(
      getMainWindowOptions({ preloadPath: 'p', theme: 'light', bounds: null }).backgroundColor,
    ).toBe(BACKGROUND.light);
  });

  it('restores saved window bounds', () => {
    const restored = getMainWindowOptions({
      preloadPath: 'p',
      theme: 'light',
      bounds: { x: 10, y: 20, width: 900, height: 700 },
    });
    expect(restored).toMatchObject({ x: 10, y: 20, width: 900, height: 700 });
  });
});
