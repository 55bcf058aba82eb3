import { describe, expect, it, vi } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  restrictPermissions,
  hardenWebContents,
  isAppUrl,
  type HardenableContents,
  type HardenableSession,
} from '../../../main/security';

function fakeContents() {
  const listeners = new Map<string, (...args: never[]) => void>();
  let windowOpen: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: HardenableContents = {
    on: ((event: string, listener: (...args: never[]) => void) => {
      listeners.set(event, listener);
      return contents;
    }) as HardenableContents['on'],
    setWindowOpenHandler: (handler) => {
      windowOpen = handler;
    },
  };
  const navigate = (event: string, url: string) => {
    const preventDefault = vi.fn();
    (listeners.get(event) as (e: { preventDefault(): void }, url: string) => void)(
      { preventDefault },
      url,
    );
    return preventDefault.mock.calls.length > 0;
  };
  return { contents, navigate, listeners, openWindow: (url: string) => windowOpen!({ url }) };
}

describe('isAppUrl', () => {
  it('accepts only the app origin', () => {
    expect(isAppUrl('app://airtime/index.html')).toBe(true);
    expect(isAppUrl('app://airtime/assets/x.js')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('https://airtime/index.html')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('hardenWebContents', () => {
  it('blocks navigation and redirects away from the app, allows in-app navigation', () => {
    const f = fakeContents();
    hardenWebContents(f.contents, { appOrigin: APP_ORIGIN, openExternal: vi.fn() });
    expect(f.navigate('will-navigate', 'https://evil.example.com/')).toBe(true);
    expect(f.navigate('will-redirect', 'http://127.0.0.1:9/')).toBe(true);
    expect(f.navigate('will-navigate', 'app://airtime/index.html')).toBe(false);
  });

  it('denies every new window and hands the link to the allowlisted opener', () => {
    const f = fakeContents();
    const openExternal = vi.fn();
    hardenWebContents(f.contents, { appOrigin: APP_ORIGIN, openExternal });
    expect(f.openWindow('https://github.com/airtime')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/airtime');
  });

  it('refuses to attach webviews', () => {
    const f = fakeContents();
    hardenWebContents(f.contents, { appOrigin: APP_ORIGIN, openExternal: vi.fn() });
    const preventDefault = vi.fn();
    (f.listeners.get('will-attach-webview') as (e: { preventDefault(): void }) => void)({
      preventDefault,
    });
    expect(preventDefault).toHaveBeenCalled();
  });
});

describe('restrictPermissions', () => {
  it('grants writing to the clipboard and answers no to every other request and check', () => {
    let request: Parameters<HardenableSession['setPermissionRequestHandler']>[0] = null;
    let check: Parameters<HardenableSession['setPermissionCheckHandler']>[0] = null;
    restrictPermissions({
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
    });
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
    ]) {
      const callback = vi.fn();
      request!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(check!({}, 'clipboard-read', 'app://airtime', {})).toBe(false);
    expect(check!({}, 'media', 'app://airtime', {})).toBe(false);
    const copy = vi.fn();
    request!({}, 'clipboard-sanitized-write', copy);
    expect(copy).toHaveBeenCalledWith(true);
    expect(check!({}, 'clipboard-sanitized-write', 'app://airtime', {})).toBe(true);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  it('allows scripts from the app only and no network from the page', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });
});
