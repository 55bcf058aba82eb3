import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import * as esEs from '@zxcvbn-ts/language-es-es';
import { PASSWORD_MAX_LENGTH } from './http/auth';

/**
 * The rules for a password being set (sign-up by an administrator, import, reset). Shared by the
 * server, which enforces them, and the desktop app, which shows the same verdict live while the
 * subscriber types. Everything here is offline: the dictionaries ship with the package.
 *
 * Not exported from `contract/index.ts` on purpose: the dictionaries are large, so only code that
 * checks passwords should load them.
 */

export const PASSWORD_POLICY_MIN_LENGTH = 8;
export const PASSWORD_POLICY_MAX_LENGTH = PASSWORD_MAX_LENGTH;
/** zxcvbn score (0–4) a password needs: 3 is "safely unguessable" (about 10^8 guesses or more). */
export const PASSWORD_POLICY_MIN_SCORE = 3;

export interface PasswordFeedback {
  warning: string | null;
  suggestions: string[];
}

export interface PasswordCheck {
  ok: boolean;
  /** zxcvbn's score, 0 (guessable in seconds) to 4 (very strong); 0 when a hard rule failed. */
  score: 0 | 1 | 2 | 3 | 4;
  feedback: PasswordFeedback;
}

/** What the password must not be built from: the account's own details. */
export interface PasswordContext {
  phone?: string | undefined;
  name?: string | undefined;
  email?: string | undefined;
}

/**
 * zxcvbn's matching grows steeply with length (a 128-character password takes seconds), so only
 * the first this-many characters are scored. Anything longer that starts strong is strong; the
 * cap keeps a check well under 100 ms, which matters on a server and in a live meter.
 */
export const ZXCVBN_MAX_LENGTH = 40;

let factory: ZxcvbnFactory | undefined;
let commonPasswords: Set<string> | undefined;

/** Built on first use: loading the dictionaries takes a moment, and many processes never need them. */
function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary, ...esEs.dictionary },
    maxLength: ZXCVBN_MAX_LENGTH,
    l33tMaxSubstitutions: 32,
  });
  return factory;
}

/** The bundled list of common and breached passwords (`@zxcvbn-ts/language-common`), lower-cased. */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(common.dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

const letters = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
const digits = (s: string): string => s.replace(/\D/g, '');

/** Pieces of the account's details a password must not contain: the number and the name. */
function personalPieces(context: PasswordContext): { phone: string[]; words: string[] } {
  const phone: string[] = [];
  const d = digits(context.phone ?? '');
  if (d.length >= 7) {
    phone.push(d);
    // The number as people write it without the country code, and the subscriber part alone.
    if (d.length > 10) phone.push(d.slice(-10));
    phone.push(d.slice(-7));
  }
  // The whole name, run together ("Pat Lee" → "patlee"). Parts of it and the e-mail address are
  // left to zxcvbn as user inputs: a rule on every fragment would refuse too much ("Row Four" and
  // "Password-Four-44").
  const words: string[] = [];
  const name = letters(context.name ?? '');
  if (name.length >= 3) words.push(name);
  return { phone, words };
}

function fail(warning: string, suggestions: string[] = []): PasswordCheck {
  return { ok: false, score: 0, feedback: { warning, suggestions } };
}

/**
 * Checks a new password: 8–128 characters, not on the common-passwords list, not containing the
 * phone number or the name, and a zxcvbn score of at least 3 with the English and Spanish
 * dictionaries (the account's details are passed to zxcvbn as user inputs, so variations of them
 * score low too).
 */
export function checkPassword(password: string, context: PasswordContext = {}): PasswordCheck {
  if (password.length < PASSWORD_POLICY_MIN_LENGTH) {
    return fail(`Use at least ${PASSWORD_POLICY_MIN_LENGTH} characters.`, [
      'A few unrelated words together make a long password that is easy to remember.',
    ]);
  }
  if (password.length > PASSWORD_POLICY_MAX_LENGTH) {
    return fail(`Use at most ${PASSWORD_POLICY_MAX_LENGTH} characters.`);
  }
  if (isCommonPassword(password)) {
    return fail('This is one of the most common passwords, so it is guessed first.', [
      'Add a few unrelated words.',
    ]);
  }
  const pieces = personalPieces(context);
  const passwordDigits = digits(password);
  if (pieces.phone.some((p) => passwordDigits.includes(p))) {
    return fail('Do not use your phone number in your password.');
  }
  const compact = letters(password);
  if (pieces.words.some((w) => compact.includes(w))) {
    return fail('Do not use your name in your password.');
  }

  const userInputs = [context.phone, context.name, context.email]
    .filter((v): v is string => typeof v === 'string' && v.length > 0)
    .flatMap((v) => [v, ...v.split(/[\s@.+-]+/).filter((part) => part.length >= 3)]);
  const result = zxcvbn().check(password, userInputs);
  const score = result.score as PasswordCheck['score'];
  const ok = score >= PASSWORD_POLICY_MIN_SCORE;
  const feedback: PasswordFeedback = {
    warning: result.feedback.warning || null,
    suggestions: result.feedback.suggestions,
  };
  if (!ok && feedback.warning === null && feedback.suggestions.length === 0) {
    feedback.warning = 'This password would be too easy to guess.';
    feedback.suggestions = ['Add another word or two. Uncommon words are better.'];
  }
  return { ok, score, feedback: ok ? { warning: null, suggestions: [] } : feedback };
}
