import type { Language, LanguagePreference, ThemePreference } from '../../../contract/settings';

export type Theme = 'light' | 'dark';

/** The theme to paint: the person's choice, or the operating system's when they chose "System". */
export function resolveTheme(preference: ThemePreference, system: Theme): Theme {
  return preference === 'system' ? system : preference;
}

/** The language to show: the person's choice, or the operating system's for "System". */
export function resolveLanguage(preference: LanguagePreference, system: Language): Language {
  return preference === 'system' ? system : preference;
}

/** Best guess before main has answered: Spanish for any `es-*` browser language, else English. */
export function languageFromTag(tag: string | undefined): Language {
  return tag?.toLowerCase().startsWith('es') ? 'es' : 'en';
}
