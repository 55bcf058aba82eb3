import { SUPPORTED_LANGUAGES, type Language } from '../../../contract/settings';
import { AppError } from '../../errors';
import { isAllowedExternalUrl } from '../../services/external-links';
import type { Log } from '../../services/logger';
import type { HandlersFor } from '../router';

/** Facts about the running app that only the host (Electron, or a test harness) knows. */
export interface AppInfoSource {
  version: string;
  /** `process.platform` in Electron. */
  platform: string;
  /** The OS language as a BCP 47 tag (`app.getLocale()`: `es-MX`); reduced to a supported one. */
  systemLanguage: string | (() => string);
  /** `nativeTheme.shouldUseDarkColors ? 'dark' : 'light'`, read on every `app:info`. */
  systemTheme: () => 'light' | 'dark';
}

/** `es-MX` → `es`; anything unsupported → `en`. */
export function toSupportedLanguage(tag: string): Language {
  const primary = tag.toLowerCase().split(/[-_]/)[0] ?? '';
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(primary)
    ? (primary as Language)
    : 'en';
}

/** The OS language as the app speaks it, read anew each time (the host may report a change). */
export function systemLanguage(info: AppInfoSource): Language {
  return toSupportedLanguage(
    typeof info.systemLanguage === 'function' ? info.systemLanguage() : info.systemLanguage,
  );
}

export interface AppHandlerDeps {
  appInfo: AppInfoSource;
  keychainAvailable: boolean;
  /** Hands a URL to the OS browser; only called for allowlisted https URLs. */
  openExternal(url: string): Promise<void> | void;
  externalLinkAllowlist: readonly string[];
  log: Log;
}

export function appHandlers(deps: AppHandlerDeps): HandlersFor<'app'> {
  return {
    'app:info': async () => ({
      version: deps.appInfo.version,
      platform: deps.appInfo.platform,
      keychainAvailable: deps.keychainAvailable,
      systemLanguage: systemLanguage(deps.appInfo),
      systemTheme: deps.appInfo.systemTheme(),
    }),
    'app:open-external': async ({ url }) => {
      if (!isAllowedExternalUrl(url, deps.externalLinkAllowlist)) {
        deps.log.warn({ url }, 'open-external: refused a link that is not on the allowlist');
        throw new AppError('forbidden', 'Airtime only opens links to its own trusted pages.');
      }
      await deps.openExternal(new URL(url).href);
      return null;
    },
  };
}
