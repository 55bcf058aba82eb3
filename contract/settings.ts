import { z } from 'zod';
import { E164Phone } from './phone';
import { issue, says } from './validation';

export const ThemePreference = z.enum(['system', 'light', 'dark']);
export type ThemePreference = z.infer<typeof ThemePreference>;

export const SUPPORTED_LANGUAGES = ['en', 'es'] as const;
export const Language = z.enum(SUPPORTED_LANGUAGES);
export type Language = z.infer<typeof Language>;
export const LanguagePreference = z.enum(['system', ...SUPPORTED_LANGUAGES]);
export type LanguagePreference = z.infer<typeof LanguagePreference>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for `localhost`, `[::1]` and anything in 127.0.0.0/8. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

export const DEFAULT_API_BASE_URL = 'http://127.0.0.1:8787';

/**
 * The account API's address. `https:` always; plain `http:` only to this computer (loopback), so
 * tokens never cross a network unencrypted. Normalised to origin + path without a trailing slash.
 */
export const ApiBaseUrl = z
  .string(says('apiBaseUrl.empty'))
  .trim()
  .min(1, says('apiBaseUrl.empty'))
  .max(2048, says('apiBaseUrl.tooLong'))
  .transform((value, ctx) => {
    // The contract has no DOM or Node types, so no URL class: zod checks it parses as a URL,
    // and this pattern splits what is left (scheme, authority, path).
    if (!z.url().safeParse(value).success) {
      ctx.addIssue({ code: 'custom', ...issue('apiBaseUrl.full') });
      return z.NEVER;
    }
    const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)([?#].*)?$/i.exec(value);
    const scheme = match?.[1]?.toLowerCase();
    if (!match || (scheme !== 'https' && scheme !== 'http')) {
      ctx.addIssue({ code: 'custom', ...issue('apiBaseUrl.https') });
      return z.NEVER;
    }
    const authority = (match[2] ?? '').toLowerCase();
    if (authority.includes('@')) {
      ctx.addIssue({ code: 'custom', ...issue('apiBaseUrl.credentials') });
      return z.NEVER;
    }
    if (match[4]) {
      ctx.addIssue({ code: 'custom', ...issue('apiBaseUrl.query') });
      return z.NEVER;
    }
    const hostname = authority.startsWith('[')
      ? authority.slice(0, authority.indexOf(']') + 1)
      : (authority.split(':')[0] ?? '');
    if (hostname === '') {
      ctx.addIssue({ code: 'custom', ...issue('apiBaseUrl.full') });
      return z.NEVER;
    }
    if (scheme === 'http' && !isLoopbackHost(hostname)) {
      ctx.addIssue({ code: 'custom', ...issue('apiBaseUrl.loopbackOnly') });
      return z.NEVER;
    }
    return `${scheme}://${authority}${(match[3] ?? '').replace(/\/+$/, '')}`;
  });

export const WindowBounds = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(320).max(10_000),
  height: z.number().int().min(320).max(10_000),
});
export type WindowBounds = z.infer<typeof WindowBounds>;

/** Everything the desktop app keeps in its settings file. Nothing here is a secret. */
export const Settings = z.object({
  apiBaseUrl: ApiBaseUrl,
  language: LanguagePreference,
  theme: ThemePreference,
  rememberPhone: z.boolean(),
  /** The last phone number signed in with; kept only while `rememberPhone` is on. */
  lastPhone: E164Phone.nullable(),
  windowBounds: WindowBounds.nullable(),
  /**
   * This installation's random id, sent with sign-ins so the account's sessions list and sign-in
   * history can tell one computer from another. Not a secret. `null` only until the app first
   * loads its settings, which generates one (and a new one after a reset).
   */
  deviceId: z.uuid().nullable(),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  apiBaseUrl: DEFAULT_API_BASE_URL,
  language: 'system',
  theme: 'system',
  rememberPhone: true,
  lastPhone: null,
  windowBounds: null,
  deviceId: null,
};

/** What a person can change from the settings screen. */
export const SettingsPatch = z
  .strictObject({
    apiBaseUrl: ApiBaseUrl,
    language: LanguagePreference,
    theme: ThemePreference,
    rememberPhone: z.boolean(),
  })
  .partial();
export type SettingsPatch = z.input<typeof SettingsPatch>;

/** Settings as the renderer sees them: window placement and the device id are main's business. */
export const SettingsView = Settings.omit({ windowBounds: true, deviceId: true });
export type SettingsView = z.infer<typeof SettingsView>;
