import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS, type IpcChannel } from '../../../contract/ipc';
import { AppError } from '../../../main/errors';
import { deviceAccount } from '../../../main/services/device';
import { fakeAppCore } from './support/app-core';
import {
  CURRENT_SESSION_ID,
  OTHER_SESSION_ID,
  PASSWORD,
  PHONE,
  RECOVERY_CODES,
  TOTP_SECRET,
  newOpaqueToken,
  securityEvents,
  securityOverview,
  sessionList,
} from './support/fakes';

const NEW_PASSWORD = 'Lighthouse-Pelican-Drift-71';

function setup() {
  const { api, vault, time, core, dispatch } = fakeAppCore();
  const call = async (channel: IpcChannel, payload?: unknown) => {
    const result = await dispatch(channel, payload);
    if (result.ok) {
      expect(IPC_CHANNELS[channel].output.safeParse(result.value).success, channel).toBe(true);
    }
    return result;
  };
  const signIn = (keepSignedIn = true) =>
    call('auth:sign-in', { phone: PHONE, password: PASSWORD, keepSignedIn });
  return { api, vault, time, core, call, signIn };
}

/** Every security channel with a valid payload, the fake API method it maps to, and its answer. */
const CHANNELS: Array<[IpcChannel, unknown, string, unknown]> = [
  ['security:overview', undefined, 'securityOverview', securityOverview],
  [
    'security:change-contact',
    { password: PASSWORD, email: 'maria.new@example.com' },
    'changeContact',
    { ...securityOverview, email: 'maria.new@example.com' },
  ],
  ['security:sessions', undefined, 'sessions', sessionList],
  ['security:sign-out-others', undefined, 'signOutOthers', { signedOut: 1 }],
  ['security:history', { limit: 5 }, 'securityEvents', securityEvents],
  [
    'security:two-factor-enrol',
    { method: 'totp' },
    'twoFactorEnrol',
    {
      method: 'totp',
      secret: TOTP_SECRET,
      otpauthUri: `otpauth://totp/Airtime:%2B12065550100?secret=${TOTP_SECRET}&issuer=Airtime`,
    },
  ],
  [
    'security:two-factor-resend',
    undefined,
    'twoFactorResend',
    { destination: '•••-0100', resendAfterSeconds: 60 },
  ],
  [
    'security:two-factor-confirm',
    { code: '123456' },
    'twoFactorConfirm',
    { recoveryCodes: RECOVERY_CODES },
  ],
  ['security:two-factor-disable', { password: PASSWORD }, 'twoFactorDisable', null],
  [
    'security:recovery-codes',
    { password: PASSWORD },
    'recoveryCodes',
    { recoveryCodes: RECOVERY_CODES },
  ],
  ['security:sign-out-session', { id: OTHER_SESSION_ID }, 'signOutSession', null],
  [
    'security:change-password',
    { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    'changePassword',
    { otherSessionsSignedOut: 2 },
  ],
];

describe('security center channels', () => {
  it('each maps to its route and answers exactly the contract’s output', async () => {
    for (const [channel, payload, method, value] of CHANNELS) {
      const { api, call, signIn } = setup();
      await signIn();
      expect(await call(channel, payload), channel).toEqual({ ok: true, value });
      expect(api.count(method), channel).toBe(1);
    }
  });

  it('each refreshes once on a 401 and retries, like the account calls', async () => {
    for (const [channel, payload, method] of CHANNELS) {
      const { api, call, signIn } = setup();
      await signIn();
      api.expireAccessTokens();
      expect(await call(channel, payload), channel).toMatchObject({ ok: true });
      expect(api.count('refresh'), channel).toBe(1);
      // Ending a session first reads the list (to know whether it is this app's own).
      const refused = channel === 'security:sign-out-session' ? 'sessions' : method;
      expect(api.count(refused), channel).toBe(2);
    }
  });

  it('gives up after one retry when the fresh token is refused too', async () => {
    const { api, call, signIn } = setup();
    await signIn();
    api.securityOverview = async () => {
      throw new AppError('unauthorized', 'Sign in to continue.', { status: 401 });
    };
    expect(await call('security:overview')).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(api.count('refresh')).toBe(1);
  });

  it('answer not_signed_in when signed out, without calling the API', async () => {
    for (const [channel, payload] of CHANNELS) {
      const { api, call } = setup();
      expect(await call(channel, payload), channel).toMatchObject({
        ok: false,
        error: { code: 'not_signed_in' },
      });
      expect(api.calls).toEqual([]);
    }
  });

  it('passes inputs through: enrol method, history page, contact change, session id', async () => {
    const { api, call, signIn } = setup();
    await signIn();
    await call('security:two-factor-enrol', { method: 'sms' });
    await call('security:history', { cursor: 'abc', limit: 5 });
    await call('security:change-contact', { password: PASSWORD, contactPhone: '(312) 555-0142' });
    await call('security:change-contact', { password: PASSWORD, contactPhone: null });
    await call('security:sign-out-session', { id: OTHER_SESSION_ID });
    expect(
      api.calls
        .filter((c) => !['signIn', 'sessions'].includes(c.method))
        .map((c) => [c.method, c.args]),
    ).toEqual([
      ['twoFactorEnrol', ['sms']],
      ['securityEvents', [{ cursor: 'abc', limit: 5 }]],
      ['changeContact', [{ password: PASSWORD, contactPhone: '+13125550142' }]],
      ['changeContact', [{ password: PASSWORD, contactPhone: null }]],
      ['signOutSession', [OTHER_SESSION_ID]],
    ]);
  });

  it('texted 2-step enrolment answers where the code went', async () => {
    const { call, signIn } = setup();
    await signIn();
    expect(await call('security:two-factor-enrol', { method: 'sms' })).toEqual({
      ok: true,
      value: { method: 'sms', destination: '•••-0100', resendAfterSeconds: 60 },
    });
  });
});

describe('security center: what changes on this computer', () => {
  it('a password change keeps this session and forgets this computer for 2-step', async () => {
    const { api, vault, core, call, signIn } = setup();
    const token = newOpaqueToken();
    await vault.set(deviceAccount(PHONE), token);
    await signIn(true);
    const refresh = await vault.get(PHONE);
    expect(
      await call('security:change-password', {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      }),
    ).toEqual({ ok: true, value: { otherSessionsSignedOut: 2 } });
    expect(await vault.get(deviceAccount(PHONE))).toBeNull();
    expect(core.session.isSignedIn()).toBe(true);
    expect(await vault.get(PHONE)).toBe(refresh);
    expect(await call('account:summary')).toMatchObject({ ok: true });
    expect(api.password).toBe(NEW_PASSWORD);
  });

  it('a refused password change keeps the remembered computer', async () => {
    const { vault, call, signIn } = setup();
    await vault.set(deviceAccount(PHONE), newOpaqueToken());
    await signIn();
    expect(
      await call('security:change-password', {
        currentPassword: 'Not-The-Password-1',
        newPassword: NEW_PASSWORD,
      }),
    ).toMatchObject({ ok: false, error: { code: 'wrong_password' } });
    expect(await vault.get(deviceAccount(PHONE))).not.toBeNull();
  });

  it('ending this app’s own session from the list signs out here too', async () => {
    const { api, vault, core, call, signIn } = setup();
    await signIn(true);
    const refresh = (await vault.get(PHONE))!;
    expect(await call('security:sign-out-session', { id: CURRENT_SESSION_ID })).toEqual({
      ok: true,
      value: null,
    });
    expect(api.calls.find((c) => c.method === 'signOutSession')?.args).toEqual([
      CURRENT_SESSION_ID,
    ]);
    expect(core.session.isSignedIn()).toBe(false);
    expect(await vault.list()).toEqual([]);
    expect(api.revoked).toEqual([refresh]);
    expect(await call('account:summary')).toMatchObject({
      ok: false,
      error: { code: 'not_signed_in' },
    });
  });

  it('ending another session keeps this one', async () => {
    const { core, call, signIn } = setup();
    await signIn(true);
    await call('security:sign-out-session', { id: OTHER_SESSION_ID });
    expect(core.session.isSignedIn()).toBe(true);
  });

  it('refuses a session id that is not a UUID before anything runs', async () => {
    const { api, call, signIn } = setup();
    await signIn();
    expect(await call('security:sign-out-session', { id: '../../admin' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(api.count('signOutSession')).toBe(0);
  });
});
