import { solveChallenge } from 'altcha-lib/v1';
import type { CaptchaChallenge } from '../../contract/errors';
import { AppError } from '../errors';

/**
 * Solves the account API's ALTCHA proof-of-work challenge and returns the `captcha` value to
 * send back. The work is the point (it makes guessing expensive for bots); no puzzle is shown to
 * the person, so sign-in stays accessible and password managers keep working. It runs here in
 * main, where the request is made, rather than in the page.
 */
export async function solveCaptcha(challenge: CaptchaChallenge): Promise<string> {
  const { promise } = solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber,
  );
  const solution = await promise;
  if (!solution) {
    throw new AppError(
      'captcha_invalid',
      'The security check could not be completed. Please try again.',
    );
  }
  return Buffer.from(
    JSON.stringify({
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      number: solution.number,
      salt: challenge.salt,
      signature: challenge.signature,
    }),
  ).toString('base64');
}
