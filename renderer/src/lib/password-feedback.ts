import type { Message, TranslationKey } from '../i18n/keys';

/** How the strength meter shows a password check's score (0–4): five steps, a word, a colour. */
export type StrengthLevel = 'veryWeak' | 'weak' | 'fair' | 'strong' | 'veryStrong';
export type StrengthTone = 'danger' | 'warning' | 'success';

export interface StrengthMeter {
  /** 0–4, as the check said. */
  score: number;
  /** Steps of the five lit: one more than the score, so even the weakest shows something. */
  filled: number;
  level: StrengthLevel;
  tone: StrengthTone;
}

export const METER_STEPS = 5;

const LEVELS: readonly StrengthLevel[] = ['veryWeak', 'weak', 'fair', 'strong', 'veryStrong'];

/** The meter for a score; out-of-range scores are clamped, fractions rounded down. */
export function strengthMeter(score: number): StrengthMeter {
  const clamped = Math.min(4, Math.max(0, Math.floor(Number.isFinite(score) ? score : 0)));
  return {
    score: clamped,
    filled: clamped + 1,
    level: LEVELS[clamped]!,
    tone: clamped <= 1 ? 'danger' : clamped === 2 ? 'warning' : 'success',
  };
}

/**
 * The password policy's sentences (`contract/password-policy.ts`) and the English feedback of its
 * strength estimator (zxcvbn-ts) arrive as English text. Each known sentence maps to a catalogue
 * key, so it shows in the person's language; the English catalogue holds the very same sentences
 * (a unit test keeps them equal).
 */
export const PASSWORD_FEEDBACK_MESSAGES: Readonly<Record<string, TranslationKey>> = {
  // The policy's own rules.
  'Use at least 8 characters.': 'passwordFeedback.policy.minLength',
  'A few unrelated words together make a long password that is easy to remember.':
    'passwordFeedback.policy.minLengthSuggestion',
  'Use at most 128 characters.': 'passwordFeedback.policy.maxLength',
  'This is one of the most common passwords, so it is guessed first.':
    'passwordFeedback.policy.common',
  'Add a few unrelated words.': 'passwordFeedback.policy.commonSuggestion',
  'Do not use your phone number in your password.': 'passwordFeedback.policy.phone',
  'Do not use your name in your password.': 'passwordFeedback.policy.name',
  'This password would be too easy to guess.': 'passwordFeedback.policy.tooEasy',
  'Add another word or two. Uncommon words are better.':
    'passwordFeedback.policy.tooEasySuggestion',
  // The strength estimator's warnings.
  'Straight rows of keys on your keyboard are easy to guess.':
    'passwordFeedback.warnings.straightRow',
  'Short keyboard patterns are easy to guess.': 'passwordFeedback.warnings.keyPattern',
  'Repeated characters like "aaa" are easy to guess.': 'passwordFeedback.warnings.simpleRepeat',
  'Repeated character patterns like "abcabcabc" are easy to guess.':
    'passwordFeedback.warnings.extendedRepeat',
  'Common character sequences like "abc" are easy to guess.': 'passwordFeedback.warnings.sequences',
  'Recent years are easy to guess.': 'passwordFeedback.warnings.recentYears',
  'Dates are easy to guess.': 'passwordFeedback.warnings.dates',
  'This is a heavily used password.': 'passwordFeedback.warnings.topTen',
  'This is a frequently used password.': 'passwordFeedback.warnings.topHundred',
  'This is a commonly used password.': 'passwordFeedback.warnings.common',
  'This is similar to a commonly used password.': 'passwordFeedback.warnings.similarToCommon',
  'Single words are easy to guess.': 'passwordFeedback.warnings.wordByItself',
  'Single names or surnames are easy to guess.': 'passwordFeedback.warnings.namesByThemselves',
  'Common names and surnames are easy to guess.': 'passwordFeedback.warnings.commonNames',
  'There should not be any personal or page related data.': 'passwordFeedback.warnings.userInputs',
  'Your password was exposed by a data breach on the Internet.': 'passwordFeedback.warnings.pwned',
  // The strength estimator's suggestions.
  "Avoid predictable letter substitutions like '@' for 'a'.": 'passwordFeedback.suggestions.l33t',
  'Avoid reversed spellings of common words.': 'passwordFeedback.suggestions.reverseWords',
  'Capitalize some, but not all letters.': 'passwordFeedback.suggestions.allUppercase',
  'Capitalize more than the first letter.': 'passwordFeedback.suggestions.capitalization',
  'Avoid dates and years that are associated with you.': 'passwordFeedback.suggestions.dates',
  'Avoid recent years.': 'passwordFeedback.suggestions.recentYears',
  'Avoid years that are associated with you.': 'passwordFeedback.suggestions.associatedYears',
  'Avoid common character sequences.': 'passwordFeedback.suggestions.sequences',
  'Avoid repeated words and characters.': 'passwordFeedback.suggestions.repeated',
  'Use longer keyboard patterns and change typing direction multiple times.':
    'passwordFeedback.suggestions.longerKeyboardPattern',
  'Add more words that are less common.': 'passwordFeedback.suggestions.anotherWord',
  'Use multiple words, but avoid common phrases.': 'passwordFeedback.suggestions.useWords',
  'You can create strong passwords without using symbols, numbers, or uppercase letters.':
    'passwordFeedback.suggestions.noNeed',
  'If you use this password elsewhere, you should change it.': 'passwordFeedback.suggestions.pwned',
};

/** A feedback sentence as a catalogue message when it is known, verbatim otherwise. */
export function feedbackMessage(text: string): Message {
  const key = PASSWORD_FEEDBACK_MESSAGES[text];
  return key ? { key } : { text };
}
