import { availableParallelism } from 'node:os';
import { createChallenge, verifySolution } from 'altcha-lib/v1';
import { describe, expect, it } from 'vitest';
import type { SignInResponse } from '../../../contract/http/auth';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import { AppError } from '../../../main/errors';
import type { CallInput } from '../../../main/services/api-client';

type SignInBody = CallInput<'auth.signIn'>['body'];
import { solveCaptcha, solverThreads } from '../../../main/services/captcha-solver';
import { SessionService } from '../../../main/services/session';
import { memorySettingsStore, SettingsService } from '../../../main/services/settings';
import { memoryVault } from '../../../main/services/vault';
import {
  FakeApi,
  ManualTime,
  memoryLog,
  PASSWORD,
  PHONE,
  recorder,
  testDevice,
} from './support/fakes';

const KEY = 'captcha-test-key-0123456789abcdef';
const challenge = () => createChallenge({ hmacKey: KEY, maxNumber: 2_000 });

/** An API that, like the real one after repeated failures, wants a solved challenge first. */
class CaptchaApi extends FakeApi {
  readonly solutions: string[] = [];
  override async signIn(body: SignInBody): Promise<SignInResponse> {
    if (!body.captcha) {
      throw new AppError('captcha_required', 'Solve the challenge first.', {
        status: 428,
        captcha: await challenge(),
      });
    }
    this.solutions.push(body.captcha);
    if (!(await verifySolution(body.captcha, KEY, false)))
      throw new AppError('captcha_invalid', 'Wrong solution.');
    return super.signIn(body);
  }
}

describe('solveCaptcha', () => {
  it('produces a payload the server-side verifier accepts', async () => {
    expect(await verifySolution(await solveCaptcha(await challenge()), KEY, false)).toBe(true);
  });

  it('searches a real-sized challenge in threads, up to its very last number', async () => {
    const maxnumber = 200_000;
    expect(solverThreads(maxnumber)).toBeGreaterThanOrEqual(Math.min(2, availableParallelism()));
    for (const number of [0, 123_457, maxnumber]) {
      const hard = await createChallenge({ hmacKey: KEY, maxnumber, number });
      const solution = await solveCaptcha(hard);
      expect(await verifySolution(solution, KEY, false)).toBe(true);
      expect(JSON.parse(Buffer.from(solution, 'base64').toString('utf8'))).toMatchObject({
        number,
      });
    }
  }, 30_000);

  it('reports a challenge with no answer in range as captcha_invalid', async () => {
    const unsolvable = { ...(await createChallenge({ hmacKey: KEY, maxnumber: 2_000 })) };
    unsolvable.challenge = '0'.repeat(64);
    await expect(solveCaptcha(unsolvable)).rejects.toMatchObject({ code: 'captcha_invalid' });
    await expect(solveCaptcha({ ...unsolvable, maxnumber: 40_000 })).rejects.toMatchObject({
      code: 'captcha_invalid',
    });
  }, 30_000);
});

describe('SessionService sign-in with a captcha', () => {
  it('solves the challenge the API sends and signs in with one more request', async () => {
    const api = new CaptchaApi();
    const time = new ManualTime();
    const session = new SessionService({
      api,
      vault: memoryVault(),
      settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
      clock: time,
      timers: time,
      emit: recorder().emit,
      log: memoryLog(),
      device: testDevice,
    });
    const outcome = await session.signIn({ phone: PHONE, password: PASSWORD, keepSignedIn: false });
    expect(outcome).toMatchObject({
      status: 'signed-in',
      session: { subscriber: { phone: PHONE } },
    });
    expect(api.solutions).toHaveLength(1);
  });

  it('passes a wrong password through after the challenge, as a wrong password', async () => {
    const api = new CaptchaApi();
    const time = new ManualTime();
    const session = new SessionService({
      api,
      vault: memoryVault(),
      settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
      clock: time,
      timers: time,
      emit: recorder().emit,
      log: memoryLog(),
      device: testDevice,
    });
    await expect(
      session.signIn({ phone: PHONE, password: 'nope', keepSignedIn: false }),
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });
});
