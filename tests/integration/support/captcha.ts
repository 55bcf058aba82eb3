import { solveCaptcha } from '../../../main/services/captcha-solver';
import { expect } from 'vitest';
import { CaptchaChallenge } from '../../../contract/errors';

/** Small enough that a test solves a challenge in milliseconds; the rules are the real ones. */
export const TEST_CAPTCHA_MAX_NUMBER = 2_000;
/** Three doublings above it, so tests see the work grow and stop while staying fast. */
export const TEST_CAPTCHA_MAX_NUMBER_CAP = 8 * TEST_CAPTCHA_MAX_NUMBER;

/** Solves a challenge exactly as the desktop app's main process does. */
export { solveCaptcha };

/** Fetches a challenge from `GET /v1/captcha/challenge` and solves it. */
export async function freshCaptcha(
  get: (url: string) => Promise<{ statusCode: number; json(): unknown; body: string }>,
): Promise<string> {
  const res = await get('/v1/captcha/challenge');
  expect(res.statusCode, res.body).toBe(200);
  return solveCaptcha(CaptchaChallenge.parse(res.json()));
}
