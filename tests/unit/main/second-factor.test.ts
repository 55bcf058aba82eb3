import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import type { SessionInfo, SignInOutcome } from '../../../contract/ipc';
import { AppError } from '../../../main/errors';
import { deviceAccount } from '../../../main/services/device';
import { SessionService, type SessionDeps } from '../../../main/services/session';
import { SettingsService, memorySettingsStore } from '../../../main/services/settings';
import { memoryVault, type CredentialVault } from '../../../main/services/vault';
import { fakeAppCore } from './support/app-core';
import {
  DEVICE,
  FakeApi,
  ManualTime,
  PASSWORD,
  PHONE,
  SECOND_FACTOR_CODE,
  memoryLog,
  newOpaqueToken,
  recorder,
  settle,
  subscriber,
  testDevice,
} from './support/fakes';

const credentials = { phone: PHONE, password: PASSWORD };
const WRONG_CODE = '000000';

function setup(
  options: {
    vault?: CredentialVault | null;
    method?: 'totp' | 'sms';
    allowRememberDevice?: () => boolean;
  } = {},
) {
  const api = new FakeApi();
  api.twoFactor = { method: options.method ?? 'totp' };
  const vault = options.vault === undefined ? memoryVault() : options.vault;
  const settings = new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS)));
  const time = new ManualTime();
  const deps: SessionDeps = {
    api,
    vault,
    settings,
    clock: time,
    timers: time,
    emit: recorder().emit,
    log: memoryLog(),
    device: testDevice,
    ...(options.allowRememberDevice ? { allowRememberDevice: options.allowRememberDevice } : {}),
  };
  const session = new SessionService(deps);
  const restart = () => new SessionService(deps);
  return { api, vault, settings, time, session, restart };
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, got a value`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

function asSecondFactor(outcome: SignInOutcome) {
  if (outcome.status !== 'second-factor') throw new Error('expected the second step');
  return outcome;
}

/** The challenge the fake API handed out last. */
const lastChallenge = (api: FakeApi) => [...api.challenges.keys()].at(-1)!;

describe('sign-in with 2-step verification', () => {
  it('answers with the second step instead of a session, describing the code to ask for', async () => {
    const { session, api, vault } = setup();
    const outcome = await session.signIn({ ...credentials, keepSignedIn: true });
    expect(outcome).toEqual({
      status: 'second-factor',
      method: 'totp',
      destination: null,
      resendAfterSeconds: 0,
      expiresIn: 300,
      canRememberDevice: true,
    });
    expect(session.isSignedIn()).toBe(false);
    expect(await vault!.list()).toEqual([]);
    // The password step described this computer and had no remembered token to offer.
    expect(api.signInBodies).toEqual([{ ...credentials, device: DEVICE, deviceToken: undefined }]);
  });

  it('tells where a texted code went and when another may be sent', async () => {
    const { session } = setup({ method: 'sms' });
    expect(await session.signIn({ ...credentials, keepSignedIn: false })).toMatchObject({
      method: 'sms',
      destination: '•••-0100',
      resendAfterSeconds: 60,
    });
  });

  it('finishes with the code, sending the challenge and this computer, and keeps the session as asked', async () => {
    const { session, api, vault, settings } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    const challenge = lastChallenge(api);
    const info: SessionInfo = await session.completeSecondFactor({
      code: SECOND_FACTOR_CODE,
      rememberDevice: false,
    });
    expect(info).toEqual({ subscriber, persisted: true });
    expect(api.secondFactorBodies).toEqual([
      { challenge, code: SECOND_FACTOR_CODE, rememberDevice: false, device: DEVICE },
    ]);
    expect(await vault!.list()).toEqual([{ account: PHONE, secret: [...api.live][0] }]);
    expect(settings.get().lastPhone).toBe(PHONE);
    await expect(session.account.summary()).resolves.toMatchObject({ subscriber });
  });

  it('without keep-signed-in the finished session is kept in memory only', async () => {
    const { session, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    const info = await session.completeSecondFactor({
      code: SECOND_FACTOR_CODE,
      rememberDevice: false,
    });
    expect(info.persisted).toBe(false);
    expect(await vault!.list()).toEqual([]);
  });

  it('a wrong code passes through with the attempts left, and the step stays open', async () => {
    const { session } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    const wrong = await expectAppError(
      session.completeSecondFactor({ code: WRONG_CODE, rememberDevice: false }),
      'invalid_code',
    );
    expect(wrong.toApiError()).toEqual({
      code: 'invalid_code',
      message: 'That code is not right.',
      attemptsLeft: 4,
    });
    await session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false });
    expect(session.isSignedIn()).toBe(true);
  });

  it('an expired step is refused here, without asking the server, and is forgotten', async () => {
    const { session, api, time } = setup();
    const outcome = asSecondFactor(await session.signIn({ ...credentials, keepSignedIn: false }));
    await time.advance(outcome.expiresIn * 1000);
    const error = await expectAppError(
      session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false }),
      'session_expired',
    );
    expect(error.message).toMatch(/sign in again/i);
    expect(api.count('secondFactor')).toBe(0);
    await expectAppError(session.resendSecondFactor(), 'session_expired');
  });

  it('a challenge the server no longer accepts ends the step with "sign in again"', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    api.challenges.get(lastChallenge(api))!.used = true;
    const error = await expectAppError(
      session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false }),
      'session_expired',
    );
    expect(error.message).toMatch(/sign in again/i);
    // The step is closed: the next try does not reach the server.
    await expectAppError(
      session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false }),
      'session_expired',
    );
    expect(api.count('secondFactor')).toBe(1);
  });

  it('a lockout passes through with its wait and closes the step', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    for (let i = 0; i < 4; i++) {
      await expectAppError(
        session.completeSecondFactor({ code: WRONG_CODE, rememberDevice: false }),
        'invalid_code',
      );
    }
    const locked = await expectAppError(
      session.completeSecondFactor({ code: WRONG_CODE, rememberDevice: false }),
      'account_locked',
    );
    expect(locked.extra.retryAfterSeconds).toBe(900);
    await expectAppError(
      session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false }),
      'session_expired',
    );
    expect(api.count('secondFactor')).toBe(5);
  });

  it('resends a texted code for the open step', async () => {
    const { session, api } = setup({ method: 'sms' });
    await expectAppError(session.resendSecondFactor(), 'session_expired');
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(await session.resendSecondFactor()).toEqual({
      destination: '•••-0100',
      resendAfterSeconds: 60,
    });
    expect(api.count('secondFactorResend')).toBe(1);
  });

  it('cancel closes the step; a new password step replaces an open one', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    session.cancelSecondFactor();
    await expectAppError(
      session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false }),
      'session_expired',
    );
    expect(api.count('secondFactor')).toBe(0);

    await session.signIn({ ...credentials, keepSignedIn: false });
    const first = lastChallenge(api);
    await session.signIn({ ...credentials, keepSignedIn: false });
    await session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false });
    expect(api.secondFactorBodies.at(-1)!.challenge).not.toBe(first);
  });

  it('a step cancelled while its code was being checked does not sign in, and its tokens are revoked', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = api.secondFactor.bind(api);
    api.secondFactor = async (body) => {
      await gate;
      return original(body);
    };
    const pending = session.completeSecondFactor({
      code: SECOND_FACTOR_CODE,
      rememberDevice: false,
    });
    session.cancelSecondFactor();
    release();
    await expectAppError(pending, 'session_expired');
    expect(session.isSignedIn()).toBe(false);
    await settle();
    expect(api.revoked).toHaveLength(1);
  });

  it('signing out closes an open step', async () => {
    const { session } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    await session.signOut();
    await expectAppError(
      session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false }),
      'session_expired',
    );
  });
});

describe('remember this computer', () => {
  async function rememberedSignIn(s: ReturnType<typeof setup>, keepSignedIn = false) {
    await s.session.signIn({ ...credentials, keepSignedIn });
    return s.session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: true });
  }

  it('keeps the device token under device:<phone> and sends it with the next sign-in, which skips the second step', async () => {
    const s = setup();
    await rememberedSignIn(s);
    expect(s.api.secondFactorBodies[0]!.rememberDevice).toBe(true);
    const token = await s.vault!.get(deviceAccount(PHONE));
    expect(s.api.deviceTokens.has(token!)).toBe(true);
    expect(deviceAccount(PHONE)).toBe(`device:${PHONE}`);

    await s.session.signOut();
    // Signing out ends the session but the computer stays remembered.
    expect(await s.vault!.get(deviceAccount(PHONE))).toBe(token);

    const outcome = await s.session.signIn({ ...credentials, keepSignedIn: false });
    expect(outcome.status).toBe('signed-in');
    expect(s.api.signInBodies.at(-1)).toEqual({
      ...credentials,
      device: DEVICE,
      deviceToken: token,
    });
    expect(s.api.count('secondFactor')).toBe(1);
  });

  it('a token the server no longer honours is deleted, and the second step is asked again', async () => {
    const s = setup();
    await rememberedSignIn(s);
    await s.session.signOut();
    s.api.deviceTokens.clear(); // expired, or revoked by a password change elsewhere
    const outcome = await s.session.signIn({ ...credentials, keepSignedIn: false });
    expect(outcome.status).toBe('second-factor');
    expect(await s.vault!.get(deviceAccount(PHONE))).toBeNull();
  });

  it('a malformed stored token is deleted, not sent', async () => {
    const vault = memoryVault([{ account: deviceAccount(PHONE), secret: 'garbage' }]);
    const s = setup({ vault });
    await s.session.signIn({ ...credentials, keepSignedIn: false });
    expect(s.api.signInBodies[0]!.deviceToken).toBeUndefined();
    expect(vault.entries.size).toBe(0);
  });

  it('resume never takes a remembered-computer entry for a saved sign-in', async () => {
    const s = setup();
    await rememberedSignIn(s);
    await s.session.signOut();
    expect((await s.vault!.list()).map((e) => e.account)).toEqual([deviceAccount(PHONE)]);
    const next = s.restart();
    expect(await next.resume()).toEqual({ status: 'signed-out', notice: 'none' });
    expect(s.api.count('refresh')).toBe(0);
    expect(await s.vault!.get(deviceAccount(PHONE))).not.toBeNull();
  });

  it('with a saved sign-in too, resume uses the phone entry and leaves the device entry alone', async () => {
    const s = setup();
    await rememberedSignIn(s, true);
    const next = s.restart();
    s.session.dispose();
    expect((await next.resume()).status).toBe('signed-in');
    expect(s.api.calls.filter((c) => c.method === 'refresh')).toHaveLength(1);
    expect(await s.vault!.get(deviceAccount(PHONE))).not.toBeNull();
  });

  it('"forget this computer" and dropping saved sign-ins remove device tokens too', async () => {
    const s = setup();
    await rememberedSignIn(s, true);
    expect(await s.vault!.list()).toHaveLength(2);
    expect(await s.session.dropSavedSignIns()).toBe(true);
    expect(await s.vault!.list()).toEqual([]);

    const t = setup();
    await rememberedSignIn(t);
    await t.session.forgetDevice();
    expect(await t.vault!.list()).toEqual([]);
  });

  it('without a keychain it is not offered, not asked of the server, and nothing is stored', async () => {
    const s = setup({ vault: null });
    const outcome = asSecondFactor(await s.session.signIn({ ...credentials, keepSignedIn: true }));
    expect(outcome.canRememberDevice).toBe(false);
    await s.session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: true });
    expect(s.api.secondFactorBodies[0]!.rememberDevice).toBe(false);
    expect(s.api.deviceTokens.size).toBe(0);
  });

  it('a kiosk (allowRememberDevice false) neither offers it nor reads a stored token', async () => {
    const token = newOpaqueToken();
    const vault = memoryVault([{ account: deviceAccount(PHONE), secret: token }]);
    const s = setup({ vault, allowRememberDevice: () => false });
    s.api.deviceTokens.add(token);
    const outcome = asSecondFactor(await s.session.signIn({ ...credentials, keepSignedIn: false }));
    expect(outcome.canRememberDevice).toBe(false);
    expect(s.api.signInBodies[0]!.deviceToken).toBeUndefined();
    await s.session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: true });
    expect(s.api.secondFactorBodies[0]!.rememberDevice).toBe(false);
    expect(vault.entries.get(deviceAccount(PHONE))).toBe(token);
  });

  it('a keychain that refuses the token still signs in', async () => {
    const vault = memoryVault();
    const set = vault.set;
    vault.set = async (account, secret) => {
      if (account.startsWith('device:')) throw new Error('The keyring is locked');
      return set(account, secret);
    };
    const s = setup({ vault });
    const info = await rememberedSignIn(s, true);
    expect(info.persisted).toBe(true);
    expect(vault.entries.has(deviceAccount(PHONE))).toBe(false);
  });
});

describe('the challenge never leaves the main process', () => {
  function core() {
    const {
      api,
      core: appCore,
      dispatch: call,
      outputs,
      time,
    } = fakeAppCore({
      appInfo: {
        version: '2.3.4',
        platform: 'linux',
        systemLanguage: 'en-US',
        systemTheme: () => 'light',
      },
      deviceName: () => '  Maria’s laptop  ',
    });
    api.twoFactor = { method: 'sms' };
    return { api, appCore, call, outputs, time };
  }

  it('is in no answer of any 2-step channel, successful or not', async () => {
    const { api, call, outputs } = core();
    const signIn = { phone: PHONE, password: PASSWORD, keepSignedIn: false };
    expect(await call('auth:sign-in', signIn)).toMatchObject({
      ok: true,
      value: { status: 'second-factor', method: 'sms' },
    });
    expect(await call('auth:second-factor-resend')).toMatchObject({ ok: true });
    expect(
      await call('auth:second-factor', { code: WRONG_CODE, rememberDevice: true }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_code', attemptsLeft: 4 } });
    expect(
      await call('auth:second-factor', { code: SECOND_FACTOR_CODE, rememberDevice: true }),
    ).toMatchObject({ ok: true, value: { subscriber: { phone: PHONE } } });
    await call('auth:sign-out');
    // Remembered: this one signs in directly with the device token (also never in an answer).
    expect(await call('auth:sign-in', signIn)).toMatchObject({
      ok: true,
      value: { status: 'signed-in' },
    });
    await call('auth:sign-out');
    api.deviceTokens.clear();
    await call('auth:sign-in', signIn);
    await call('auth:second-factor-cancel');
    expect(
      await call('auth:second-factor', { code: SECOND_FACTOR_CODE, rememberDevice: false }),
    ).toMatchObject({ ok: false, error: { code: 'session_expired' } });

    const secrets = [
      ...api.challenges.keys(),
      ...api.secondFactorBodies.map((b) => b.challenge),
      ...api.signInBodies.flatMap((b) => (b.deviceToken ? [b.deviceToken] : [])),
    ];
    expect(secrets.length).toBeGreaterThan(3);
    for (const output of outputs) {
      for (const secret of secrets) expect(output).not.toContain(secret);
    }
  });

  it('the API error that carries it is stripped before it could reach the renderer', () => {
    const challenge = newOpaqueToken();
    const error = new AppError('second_factor_required', 'Enter the code.', {
      status: 401,
      secondFactor: { challenge, expiresIn: 300, method: 'totp' },
    });
    expect(JSON.stringify(error.toApiError())).not.toContain(challenge);
    expect(error.toApiError()).toEqual({
      code: 'second_factor_required',
      message: 'Enter the code.',
    });
  });

  it('every sign-in and second step describes this computer: persisted id, host name, app version', async () => {
    const { api, appCore, call } = core();
    await call('auth:sign-in', { phone: PHONE, password: PASSWORD, keepSignedIn: false });
    await call('auth:second-factor', { code: SECOND_FACTOR_CODE, rememberDevice: false });
    const device = {
      id: appCore.settings.get().deviceId,
      name: 'Maria’s laptop',
      appVersion: '2.3.4',
    };
    expect(device.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(api.signInBodies[0]!.device).toEqual(device);
    expect(api.secondFactorBodies[0]!.device).toEqual(device);
    // The renderer's settings do not carry it.
    expect(await call('settings:get')).not.toHaveProperty('value.deviceId');

    // "Forget this computer" makes it a new one.
    await call('settings:forget-device');
    await call('auth:sign-in', { phone: PHONE, password: PASSWORD, keepSignedIn: false });
    const next = api.signInBodies.at(-1)!.device!;
    expect(next.id).toBe(appCore.settings.get().deviceId);
    expect(next.id).not.toBe(device.id);
  });
});
