/**
 * The Electron security checklist, as functions over small interfaces so each rule is tested
 * under Node without Electron.
 */

/** The renderer's privileged origin: a secure context with a single origin for sender checks. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'airtime';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Sent with every renderer file. Scripts only from the app itself; no network from the page at
 * all (main owns every request); no frames, no plugins, no form posts.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** True when a URL belongs to the renderer's own origin (scheme and host compared exactly). */
export function isAppUrl(url: string, appOrigin: string = APP_ORIGIN): boolean {
  try {
    const u = new URL(url);
    const allowed = new URL(appOrigin);
    return u.protocol === allowed.protocol && u.host === allowed.host;
  } catch {
    return false;
  }
}

/** Only `https:` links to these hosts may leave the app (help pages, the carrier's site). */
export const EXTERNAL_LINK_ALLOWLIST: readonly string[] = ['github.com', 'www.fcc.gov'];

interface NavigationEvent {
  preventDefault(): void;
}

/** The parts of `WebContents` the hardening touches. */
export interface HardenableContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: NavigationEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: NavigationEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** The parts of `Session` the hardening touches. */
export interface HardenableSession {
  setPermissionRequestHandler(
    handler:
      | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void)
      | null,
  ): void;
  setPermissionCheckHandler(handler: ((...args: unknown[]) => boolean) | null): void;
}

export interface HardeningOptions {
  appOrigin: string;
  /** Opens an allowed link in the system browser; anything else is dropped. */
  openExternal(url: string): void;
}

/**
 * Navigation away from the app and new windows are denied (an allowed https link opens in the
 * system browser instead); `<webview>` is refused.
 */
export function hardenWebContents(contents: HardenableContents, options: HardeningOptions): void {
  const stayInApp = (event: NavigationEvent, url: string) => {
    if (!isAppUrl(url, options.appOrigin)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    options.openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * The one permission the page gets: writing text to the clipboard, for the "Copy" buttons beside
 * the 2-step setup key and the recovery codes. Reading the clipboard, camera, microphone,
 * location, notifications and everything else are denied.
 */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function restrictPermissions(session: HardenableSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(GRANTED_PERMISSIONS.has(permission)),
  );
  session.setPermissionCheckHandler((...args: unknown[]) => {
    const permission = args[1];
    return typeof permission === 'string' && GRANTED_PERMISSIONS.has(permission);
  });
}
