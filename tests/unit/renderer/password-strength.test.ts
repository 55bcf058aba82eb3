/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { translations as enTranslations } from '@zxcvbn-ts/language-en';
import type { PasswordCheckResult, Result } from '../../../contract/ipc';
import { checkPassword } from '../../../contract/password-policy';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import {
  feedbackMessage,
  METER_STEPS,
  PASSWORD_FEEDBACK_MESSAGES,
  strengthMeter,
} from '../../../renderer/src/lib/password-feedback';
import {
  CHECK_DELAY_MS,
  PasswordStrength,
} from '../../../renderer/src/lib/password-strength.svelte';
import { installBridge, ok, settled } from './support/bridge';

describe('the strength meter', () => {
  it('lights one more step than the score, with a word and a tone for each', () => {
    expect([0, 1, 2, 3, 4].map((score) => strengthMeter(score))).toEqual([
      { score: 0, filled: 1, level: 'veryWeak', tone: 'danger' },
      { score: 1, filled: 2, level: 'weak', tone: 'danger' },
      { score: 2, filled: 3, level: 'fair', tone: 'warning' },
      { score: 3, filled: 4, level: 'strong', tone: 'success' },
      { score: 4, filled: 5, level: 'veryStrong', tone: 'success' },
    ]);
    expect(METER_STEPS).toBe(5);
  });

  it('clamps scores it should never get', () => {
    expect(strengthMeter(-1).score).toBe(0);
    expect(strengthMeter(9).filled).toBe(5);
    expect(strengthMeter(2.7).score).toBe(2);
    expect(strengthMeter(Number.NaN).score).toBe(0);
  });

  it('has a word for every level in both languages', () => {
    for (const score of [0, 1, 2, 3, 4]) {
      const key = `password.level.${strengthMeter(score).level}`;
      expect(lookup(en, key), key).toBeTruthy();
      expect(lookup(es, key), key).toBeTruthy();
    }
  });
});

describe('password feedback in the person language', () => {
  it('maps each known sentence to an English entry saying exactly the same', () => {
    for (const [sentence, key] of Object.entries(PASSWORD_FEEDBACK_MESSAGES)) {
      expect(lookup(en, key), key).toBe(sentence);
      expect(lookup(es, key), key).toBeTruthy();
      expect(lookup(es, key), key).not.toBe(sentence);
    }
  });

  it('covers every warning and suggestion of the strength estimator', () => {
    const sentences = [
      ...Object.values(enTranslations.warnings),
      ...Object.values(enTranslations.suggestions),
    ];
    for (const sentence of sentences) {
      expect(feedbackMessage(sentence), sentence).toHaveProperty('key');
    }
  });

  it('covers what the password policy says about typical weak passwords', () => {
    const context = { phone: '+12065550100', name: 'Maria Garcia', email: 'maria@example.com' };
    for (const password of [
      'short',
      'x'.repeat(129),
      'password1',
      'my2065550100pw',
      'MariaGarcia!2024',
      'correcthorse',
      'qwertyuiop',
      'aaaaaaaaaaaa',
      'Summer2024',
    ]) {
      const check = checkPassword(password, context);
      for (const sentence of [check.feedback.warning, ...check.feedback.suggestions]) {
        if (sentence)
          expect(feedbackMessage(sentence), `${password}: ${sentence}`).toHaveProperty('key');
      }
    }
  });

  it('shows an unknown sentence as it is', () => {
    expect(feedbackMessage('Something new.')).toEqual({ text: 'Something new.' });
  });
});

describe('the live password check', () => {
  const verdict = (score: number, ok: boolean): PasswordCheckResult => ({
    ok,
    score,
    warning: ok ? null : 'This is a commonly used password.',
    suggestions: ok ? [] : ['Add more words that are less common.'],
  });

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('asks only once typing has paused, for the text then in the field', async () => {
    const check = vi.fn((password: string) =>
      ok(password.length > 10 ? verdict(4, true) : verdict(1, false)),
    );
    const strength = new PasswordStrength('reset', { check });
    strength.password = 'c';
    strength.password = 'co';
    strength.password = 'correct horse battery';
    expect(strength.pending).toBe(true);
    expect(strength.ok).toBe(false);
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS - 1);
    expect(check).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(check).toHaveBeenCalledTimes(1);
    expect(check).toHaveBeenCalledWith('correct horse battery');
    expect(strength.ok).toBe(true);
    expect(strength.pending).toBe(false);
    expect(strength.meter).toMatchObject({ level: 'veryStrong', filled: 5 });
  });

  it('goes through main with the purpose it was made for', async () => {
    const calls: unknown[] = [];
    installBridge({
      password: {
        check: (input) => {
          calls.push(input);
          return ok(verdict(3, true));
        },
      },
    });
    const strength = new PasswordStrength('change');
    strength.password = 'pale lamp river stone';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(calls).toEqual([{ password: 'pale lamp river stone', purpose: 'change' }]);
    expect(strength.ok).toBe(true);
  });

  it('is not ok while the text has changed since the last verdict, and keeps the meter meanwhile', async () => {
    const check = vi.fn(() => ok(verdict(3, true)));
    const strength = new PasswordStrength('reset', { check });
    strength.password = 'pale lamp river stone';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(strength.ok).toBe(true);
    strength.password = 'pale lamp river ston';
    expect(strength.ok).toBe(false);
    expect(strength.pending).toBe(true);
    expect(strength.meter?.level).toBe('strong');
  });

  it('never lets a slow answer for older text overwrite a newer one', async () => {
    let answerFirst: ((r: Result<PasswordCheckResult>) => void) | undefined;
    const check = vi.fn((password: string) =>
      password === 'first try'
        ? new Promise<Result<PasswordCheckResult>>((resolve) => (answerFirst = resolve))
        : ok(verdict(4, true)),
    );
    const strength = new PasswordStrength('reset', { check });
    strength.password = 'first try';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    strength.password = 'a much better passphrase';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    answerFirst?.({ ok: true, value: verdict(0, false) });
    await settled();
    expect(strength.ok).toBe(true);
    expect(strength.meter?.score).toBe(4);
  });

  it('says why a password is weak, in catalogue words', async () => {
    const strength = new PasswordStrength('reset', { check: () => ok(verdict(1, false)) });
    strength.password = 'password1';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(strength.warning).toEqual({ key: 'passwordFeedback.warnings.common' });
    expect(strength.suggestions).toEqual([{ key: 'passwordFeedback.suggestions.anotherWord' }]);
    expect(strength.meter?.tone).toBe('danger');
  });

  it('forgets everything when the field is emptied, without asking', async () => {
    const check = vi.fn(() => ok(verdict(3, true)));
    const strength = new PasswordStrength('reset', { check });
    strength.password = 'pale lamp river stone';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    strength.password = '';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(check).toHaveBeenCalledTimes(1);
    expect(strength.meter).toBeNull();
    expect(strength.ok).toBe(false);
    expect(strength.pending).toBe(false);
  });

  it('reports a failed check, and checks again on request', async () => {
    const check = vi
      .fn<(password: string) => Promise<Result<PasswordCheckResult>>>()
      .mockResolvedValueOnce({ ok: false, error: { code: 'timeout', message: 'slow' } })
      .mockResolvedValueOnce({ ok: true, value: verdict(3, true) });
    const strength = new PasswordStrength('reset', { check });
    strength.password = 'pale lamp river stone';
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(strength.error?.code).toBe('timeout');
    expect(strength.pending).toBe(false);
    expect(strength.ok).toBe(false);
    await strength.checkNow();
    expect(strength.error).toBeNull();
    expect(strength.ok).toBe(true);
  });

  it('refuses text too long to send without asking', async () => {
    const check = vi.fn(() => ok(verdict(4, true)));
    const strength = new PasswordStrength('reset', { check });
    strength.password = 'x'.repeat(2000);
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(check).not.toHaveBeenCalled();
    expect(strength.ok).toBe(false);
    expect(strength.warning).toEqual({ key: 'passwordFeedback.policy.maxLength' });
  });
});
