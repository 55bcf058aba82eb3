import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  isCommonPassword,
  PASSWORD_POLICY_MIN_SCORE,
} from '../../../contract/password-policy';
import { DEMO_SUBSCRIBERS } from '../../../server/src/demo/seed-demo';

const PAT = { phone: '+12065550100', name: 'Pat Lee', email: 'pat.lee@example.com' };

describe('password policy', () => {
  it.each([
    'Correct-Horse-Battery-9',
    'Lighthouse-Pelican-Drift-71',
    'correct horse battery staple',
    'tres tristes tigres comen trigo 7',
  ])('accepts %j', (password) => {
    const result = checkPassword(password, PAT);
    expect(result.ok).toBe(true);
    expect(result.score).toBeGreaterThanOrEqual(PASSWORD_POLICY_MIN_SCORE);
    expect(result.feedback).toEqual({ warning: null, suggestions: [] });
  });

  it('accepts every demo password for its own account (they are printed in the README)', () => {
    for (const demo of DEMO_SUBSCRIBERS) {
      const result = checkPassword(demo.password, demo);
      expect(result.ok, `${demo.password}: ${JSON.stringify(result.feedback)}`).toBe(true);
    }
  });

  it('refuses fewer than 8 characters, whatever they are', () => {
    const result = checkPassword('x7$Kq!z', PAT);
    expect(result).toMatchObject({ ok: false, score: 0 });
    expect(result.feedback.warning).toBe('Use at least 8 characters.');
  });

  it('accepts exactly 128 characters and refuses 129', () => {
    const long = 'Lighthouse-Pelican-Drift-71 '.repeat(5);
    expect(checkPassword(long.slice(0, 128)).ok).toBe(true);
    expect(checkPassword(long.slice(0, 129)).feedback.warning).toBe('Use at most 128 characters.');
  });

  it.each(['password', 'PASSWORD', '123456789', 'qwertyuiop', 'iloveyou', 'football'])(
    'refuses %j from the bundled common-passwords list',
    (password) => {
      expect(isCommonPassword(password)).toBe(true);
      const result = checkPassword(password);
      expect(result.ok).toBe(false);
      expect(result.feedback.warning).toMatch(/common passwords/);
    },
  );

  it.each(['Password1!', 'P@ssw0rd2024', 'abcabcabcabc', 'asdfghjkl;', '11111111', 'Summer2024'])(
    'refuses the guessable %j with zxcvbn feedback',
    (password) => {
      const result = checkPassword(password);
      expect(result.ok).toBe(false);
      expect(result.score).toBeLessThan(PASSWORD_POLICY_MIN_SCORE);
      expect(result.feedback.warning !== null || result.feedback.suggestions.length > 0).toBe(true);
    },
  );

  it('uses the Spanish dictionary too', () => {
    // Common Spanish words that zxcvbn's English lists alone would score higher.
    expect(checkPassword('contraseña123').ok).toBe(false);
    expect(checkPassword('futbolmadrid').ok).toBe(false);
  });

  it.each(['2065550100', 'x-206-555-0100-x', 'my+12065550100', 'Blue5550100Sky'])(
    'refuses the phone number inside %j',
    (password) => {
      expect(checkPassword(password, PAT).feedback.warning).toBe(
        'Do not use your phone number in your password.',
      );
    },
  );

  it.each(['PatLee-Rocks-99', 'pat lee 2024!!', 'Pat.Lee@Home-77'])(
    'refuses the name inside %j',
    (password) => {
      expect(checkPassword(password, PAT).feedback.warning).toBe(
        'Do not use your name in your password.',
      );
    },
  );

  it('scores variations of the account details low (they are zxcvbn user inputs)', () => {
    const withContext = checkPassword('Lee2065', PAT);
    expect(withContext.ok).toBe(false);
    const result = checkPassword('PatriciaLee1', { ...PAT, name: 'Patricia Leeson' });
    expect(result.ok).toBe(false);
  });

  it('gives the same verdict every time (no state between checks)', () => {
    const a = checkPassword('Sunset-Harbor-42', PAT);
    const b = checkPassword('Sunset-Harbor-42', PAT);
    expect(a).toEqual(b);
  });
});
