import { verifySolution } from 'altcha-lib/v1';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../main/errors';
import { deviceAccount } from '../../../main/services/device';
import { fakeAppCore } from './support/app-core';
import {
  FakeApi,
  PASSWORD,
  PHONE,
  RESET_CODE,
  SECOND_FACTOR_CODE,
  newOpaqueToken,
} from './support/fakes';

const NEW_PASSWORD = 'Lighthouse-Pelican-Drift-71';

function setup() {
  const { api, vault, time, core, dispatch: call, outputs } = fakeAppCore();
  const start = () => call('recovery:start', { phone: '(206) 555-0100', channel: 'sms' });
  const verify = (code = RESET_CODE) => call('recovery:verify', { code });
  const complete = (newPassword = NEW_PASSWORD, keepSignedIn = false) =>
    call('recovery:complete', { newPassword, keepSignedIn });
  return { api, vault, time, core, call, outputs, start, verify, complete };
}

/** Makes the fake API answer `method` with `error` once. */
function failOnce(api: FakeApi, method: 'resetStart' | 'resetVerify', error: AppError): void {
  const original = api[method].bind(api) as (...args: never[]) => Promise<unknown>;
  let failed = false;
  (api as unknown as Record<string, unknown>)[method] = async (...args: never[]) => {
    if (!failed) {
      failed = true;
      api.calls.push({ method });
      throw error;
    }
    return original(...args);
  };
}

describe('forgot password', () => {
  it('start solves the proof of work the API asks for and sends a code to the typed phone', async () => {
    const { api, start } = setup();
    expect(await start()).toEqual({
      ok: true,
      value: { channel: 'sms', resendAfterSeconds: 60, codeExpiresIn: 600 },
    });
    expect(api.calls.map((c) => c.method)).toEqual(['captchaChallenge', 'resetStart']);
    expect(api.resets).toHaveLength(1);
    expect(api.resets[0]).toMatchObject({ phone: PHONE, channel: 'sms' });
    expect(
      await verifySolution(api.resets[0]!.captcha, 'fake-api-captcha-key-0123456789abcdef', false),
    ).toBe(true);
  });

  it('start solves the fresh challenge once more when the first one ran out', async () => {
    const { api, start } = setup();
    failOnce(
      api,
      'resetStart',
      new AppError('captcha_invalid', 'Expired.', {
        status: 400,
        captcha: await api.captchaChallenge(),
      }),
    );
    api.calls.length = 0;
    expect(await start()).toMatchObject({ ok: true });
    expect(api.calls.map((c) => c.method)).toEqual([
      'captchaChallenge',
      'resetStart',
      'resetStart',
    ]);
  });

  it('verify and complete without a started reset say to start again', async () => {
    const { verify, complete, start, api } = setup();
    for (const result of [await verify(), await complete()]) {
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(!result.ok && result.error.message).toMatch(/^Start again/);
    }
    // A started reset whose code was not proven yet cannot be completed either.
    await start();
    expect(await complete()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(api.count('resetVerify') + api.count('resetComplete')).toBe(0);
  });

  it('verify keeps the ticket and answers where the code went; complete signs in with the new password', async () => {
    const { api, vault, core, start, verify, complete, outputs } = setup();
    await start();
    expect(await verify()).toEqual({
      ok: true,
      value: { channel: 'sms', destination: '•••-0100', expiresIn: 600 },
    });
    expect(await complete(NEW_PASSWORD, true)).toMatchObject({
      ok: true,
      value: { status: 'signed-in', session: { persisted: true, subscriber: { phone: PHONE } } },
    });
    expect(api.password).toBe(NEW_PASSWORD);
    expect(api.signInBodies.at(-1)).toMatchObject({ phone: PHONE, password: NEW_PASSWORD });
    expect(core.session.isSignedIn()).toBe(true);
    expect((await vault.list()).map((e) => e.account)).toEqual([PHONE]);

    const ticket = api.calls.find((c) => c.method === 'resetComplete')!.args![0] as string;
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const output of outputs) expect(output).not.toContain(ticket);
  });

  it('complete on a 2-step account answers with the second step, which finishes the sign-in', async () => {
    const { api, call, start, verify, complete, outputs } = setup();
    api.twoFactor = { method: 'totp' };
    await start();
    await verify();
    expect(await complete()).toMatchObject({
      ok: true,
      value: { status: 'second-factor', method: 'totp', canRememberDevice: true },
    });
    expect(
      await call('auth:second-factor', { code: SECOND_FACTOR_CODE, rememberDevice: false }),
    ).toMatchObject({ ok: true, value: { subscriber: { phone: PHONE } } });
    for (const output of outputs) {
      for (const challenge of api.challenges.keys()) expect(output).not.toContain(challenge);
    }
  });

  it('a refused password passes through with its feedback and another may be tried', async () => {
    const { api, start, verify, complete } = setup();
    await start();
    await verify();
    api.nextResetCompleteError = new AppError('weak_password', 'Choose a stronger password.', {
      status: 400,
      feedback: { warning: 'This is a very common password.', suggestions: ['Add a word.'] },
    });
    expect(await complete('password1')).toEqual({
      ok: false,
      error: {
        code: 'weak_password',
        message: 'Choose a stronger password.',
        feedback: { warning: 'This is a very common password.', suggestions: ['Add a word.'] },
      },
    });
    expect(await complete()).toMatchObject({ ok: true, value: { status: 'signed-in' } });
  });

  it('a ticket the server refuses ends the reset', async () => {
    const { api, start, verify, complete } = setup();
    await start();
    await verify();
    api.nextResetCompleteError = new AppError('reset_ticket_invalid', 'That reset has ended.', {
      status: 400,
    });
    expect(await complete()).toMatchObject({ ok: false, error: { code: 'reset_ticket_invalid' } });
    expect(await complete()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(api.count('resetComplete')).toBe(1);
  });

  it('a ticket past its lifetime is refused here without a round trip', async () => {
    const { api, time, start, verify, complete } = setup();
    await start();
    await verify();
    await time.advance(600_000);
    expect(await complete()).toMatchObject({ ok: false, error: { code: 'reset_ticket_invalid' } });
    expect(api.count('resetComplete')).toBe(0);
  });

  it('passes the API’s errors through with their codes and details', async () => {
    const cases: Array<['resetStart' | 'resetVerify', AppError, object]> = [
      [
        'resetVerify',
        new AppError('invalid_code', 'Wrong code.', { status: 400, attemptsLeft: 2 }),
        { code: 'invalid_code', attemptsLeft: 2 },
      ],
      [
        'resetVerify',
        new AppError('code_expired', 'Expired.', { status: 410 }),
        { code: 'code_expired' },
      ],
      [
        'resetVerify',
        new AppError('too_many_attempts', 'Too many.', { status: 429 }),
        { code: 'too_many_attempts' },
      ],
      [
        'resetVerify',
        new AppError('delivery_failed', 'Not delivered.', { status: 502 }),
        { code: 'delivery_failed' },
      ],
      [
        'resetStart',
        new AppError('rate_limited', 'Slow down.', { status: 429, retryAfterSeconds: 42 }),
        { code: 'rate_limited', retryAfterSeconds: 42 },
      ],
    ];
    for (const [method, error, expected] of cases) {
      const { api, start, verify } = setup();
      if (method === 'resetVerify') await start();
      failOnce(api, method, error);
      const result = method === 'resetStart' ? await start() : await verify();
      expect(result, error.code).toEqual({
        ok: false,
        error: { message: error.message, ...expected },
      });
    }
  });

  it('a wrong code keeps the reset open for the right one', async () => {
    const { start, verify } = setup();
    await start();
    expect(await verify('111111')).toMatchObject({
      ok: false,
      error: { code: 'invalid_code', attemptsLeft: 4 },
    });
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('cancel forgets the reset', async () => {
    const { call, start, verify, complete } = setup();
    await start();
    await verify();
    expect(await call('recovery:cancel')).toEqual({ ok: true, value: null });
    expect(await complete()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('a reset forgets that this computer was remembered for the account', async () => {
    const { api, vault, start, verify, complete } = setup();
    const token = newOpaqueToken();
    await vault.set(deviceAccount(PHONE), token);
    api.deviceTokens.add(token);
    await start();
    await verify();
    await complete();
    expect(await vault.get(deviceAccount(PHONE))).toBeNull();
    expect(api.signInBodies.at(-1)!.deviceToken).toBeUndefined();
  });

  it('signing in with the old password fails after a reset', async () => {
    const { call, start, verify, complete } = setup();
    await start();
    await verify();
    await complete();
    await call('auth:sign-out');
    expect(
      await call('auth:sign-in', { phone: PHONE, password: PASSWORD, keepSignedIn: false }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } });
  });
});
