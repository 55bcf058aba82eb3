import { getContext, setContext } from 'svelte';
import i18next, { type i18n as I18next } from 'i18next';
import type { Language } from '../../../contract/settings';
import type { Message, TranslationKey, TranslationValues } from './keys';
import en from './en.json';
import es from './es.json';

/** The `Intl` locale each language formats money, numbers and dates in. */
export const LOCALES: Record<Language, string> = { en: 'en-US', es: 'es-US' };

/**
 * i18next behind a rune: `t()` reads the current language, so every template that calls it
 * re-renders as soon as `language` changes — no reload, no store subscriptions.
 */
export class I18n {
  #language = $state<Language>('en');
  #i18next: I18next;

  constructor(language: Language = 'en') {
    this.#i18next = i18next.createInstance();
    void this.#i18next.init({
      resources: { en: { translation: en }, es: { translation: es } },
      lng: language,
      fallbackLng: 'en',
      supportedLngs: ['en', 'es'],
      initAsync: false,
      // Svelte escapes whatever it renders; escaping here too would show `&amp;`.
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    this.#language = language;
  }

  get language(): Language {
    return this.#language;
  }

  /** `en-US` or `es-US`. */
  get locale(): string {
    return LOCALES[this.#language];
  }

  set language(language: Language) {
    this.#language = language;
  }

  /** Translates a key; `count` picks the plural form. Bound, so it can be passed around. */
  t = (key: TranslationKey, values?: TranslationValues): string => {
    return this.#i18next.t(key, { ...values, lng: this.#language });
  };

  /** Renders a `Message`: a catalogue entry, or verbatim text. */
  message = (message: Message): string => {
    return 'key' in message ? this.t(message.key, message.values) : message.text;
  };
}

const KEY = Symbol('i18n');

export function setI18n(i18n: I18n): I18n {
  return setContext(KEY, i18n);
}

export function useI18n(): I18n {
  const i18n = getContext<I18n | undefined>(KEY);
  if (!i18n) throw new Error('useI18n() needs setI18n() in an ancestor component.');
  return i18n;
}
