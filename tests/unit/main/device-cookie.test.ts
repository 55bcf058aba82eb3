import { describe, expect, it } from 'vitest';
import { DeviceCookie } from '../../../contract/http/auth';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import {
  DEVICE_COOKIE,
  PhoneSecrets,
  deviceAccount,
  deviceCookieAccount,
} from '../../../main/services/device';
import { SessionService, type SessionDeps } from '../../../main/services/session';
import { SettingsService, memorySettingsStore } from '../../../main/services/settings';
import { memoryVault } from '../../../main/services/vault';
import { fakeAppCore } from './support/app-core';
import {
  FakeApi,
  ManualTime,
  PASSWORD,
  PHONE,
  SECOND_FACTOR_CODE,
  memoryLog,
  newOpaqueToken,
  recorder,
  testDevice,
} from './support/fakes';

const OTHER_PHONE = '+13125550142';
const credentials = { phone: PHONE, password: PASSWORD };
const cookieAccount = deviceCookieAccount(PHONE);
const newCookie = () => `${newOpaqueToken()}.${newOpaqueToken()}`;

function setup(
  options: {
    vault?: ReturnType<typeof memoryVault> | null;
    allowDeviceCookie?: () => boolean;
  } = {},
) {
  const api = new FakeApi();
  api.issueDeviceCookies = true;
  const vault = options.vault === undefined ? memoryVault() : options.vault;
  const settings = new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS)));
  const time = new ManualTime();
  const log = memoryLog();
  const deps: SessionDeps = {
    api,
    vault,
    settings,
    clock: time,
    timers: time,
    emit: recorder().emit,
    log,
    device: testDevice,
    ...(options.allowDeviceCookie ? { allowDeviceCookie: options.allowDeviceCookie } : {}),
  };
  const session = new SessionService(deps);
  const restart = () => new SessionService(deps);
  return { api, vault, session, restart, log };
}

const accounts = async (vault: ReturnType<typeof memoryVault>) =>
  (await vault.list()).map((e) => e.account).sort();

describe('device cookies', () => {
  it('keeps the cookie a sign-in answers with under device-cookie:<phone>, even without keep-signed-in', async () => {
    const { session, api, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(cookieAccount).toBe(`device-cookie:${PHONE}`);
    const kept = vault!.entries.get(cookieAccount);
    expect(kept).toBe(api.deviceCookies[0]);
    expect(DeviceCookie.safeParse(kept).success).toBe(true);
    // The session itself is not kept: the cookie is the only entry.
    expect(await accounts(vault!)).toEqual([cookieAccount]);
    // The first sign-in on this computer had none to send.
    expect(api.signInBodies[0]!.deviceCookie).toBeUndefined();
  });

  it('sends it with the next sign-in to that number after signing out, and only to that number', async () => {
    const { session, api, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    const cookie = api.deviceCookies[0]!;
    await session.signOut();
    // Signing out ends the saved sign-in, not the cookie.
    expect(await accounts(vault!)).toEqual([cookieAccount]);
    expect(vault!.entries.get(cookieAccount)).toBe(cookie);

    await session
      .signIn({ phone: OTHER_PHONE, password: PASSWORD, keepSignedIn: false })
      .catch(() => undefined);
    expect(api.signInBodies.at(-1)).toMatchObject({ phone: OTHER_PHONE });
    expect(api.signInBodies.at(-1)!.deviceCookie).toBeUndefined();

    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(api.signInBodies.at(-1)!.deviceCookie).toBe(cookie);
  });

  it('replaces the kept cookie with the newer one each sign-in answers with', async () => {
    const { session, api, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(api.deviceCookies).toHaveLength(2);
    expect(api.signInBodies[1]!.deviceCookie).toBe(api.deviceCookies[0]);
    expect(vault!.entries.get(cookieAccount)).toBe(api.deviceCookies[1]);
    expect(await accounts(vault!)).toEqual([cookieAccount]);
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(api.signInBodies[2]!.deviceCookie).toBe(api.deviceCookies[1]);
  });

  it('a sign-in answered without a cookie leaves the kept one in place', async () => {
    const { session, api, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    const cookie = api.deviceCookies[0]!;
    api.issueDeviceCookies = false;
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(vault!.entries.get(cookieAccount)).toBe(cookie);
  });

  it('a 2-step sign-in gets it from the second step, not the password step', async () => {
    const { session, api, vault } = setup();
    api.twoFactor = { method: 'totp' };
    const outcome = await session.signIn({ ...credentials, keepSignedIn: false });
    expect(outcome.status).toBe('second-factor');
    expect(api.deviceCookies).toEqual([]);
    expect(await accounts(vault!)).toEqual([]);

    await session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: false });
    expect(vault!.entries.get(cookieAccount)).toBe(api.deviceCookies[0]);
    await session.signOut();

    expect((await session.signIn({ ...credentials, keepSignedIn: false })).status).toBe(
      'second-factor',
    );
    expect(api.signInBodies.at(-1)!.deviceCookie).toBe(api.deviceCookies[0]);
  });

  it('sits beside the remembered-computer token, each under its own entry', async () => {
    const { session, api, vault } = setup();
    api.twoFactor = { method: 'sms' };
    await session.signIn({ ...credentials, keepSignedIn: true });
    await session.completeSecondFactor({ code: SECOND_FACTOR_CODE, rememberDevice: true });
    expect(await accounts(vault!)).toEqual([PHONE, deviceAccount(PHONE), cookieAccount].sort());
    await session.signOut();
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(api.signInBodies.at(-1)).toMatchObject({
      deviceToken: vault!.entries.get(deviceAccount(PHONE)),
      deviceCookie: api.deviceCookies[0],
    });
  });

  it('resume never takes a cookie entry for a saved sign-in', async () => {
    const { session, api, vault, restart } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    session.dispose();
    expect(await restart().resume()).toEqual({ status: 'signed-out', notice: 'none' });
    expect(api.count('refresh')).toBe(0);
    expect(vault!.entries.has(cookieAccount)).toBe(true);
  });

  it('"forget this computer" and dropping saved sign-ins remove it', async () => {
    const first = setup();
    await first.session.signIn({ ...credentials, keepSignedIn: false });
    await first.session.signOut();
    expect(await accounts(first.vault!)).toEqual([cookieAccount]);
    await first.session.forgetDevice();
    expect(await first.vault!.list()).toEqual([]);

    const second = setup();
    await second.session.signIn({ ...credentials, keepSignedIn: true });
    expect(await second.session.dropSavedSignIns()).toBe(true);
    expect(await second.vault!.list()).toEqual([]);
  });

  it('forgetting the remembered computer (a password change or reset) keeps the cookie', async () => {
    const { session, vault, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    await session.forgetRememberedDevice(PHONE);
    expect(vault!.entries.get(cookieAccount)).toBe(api.deviceCookies[0]);
  });

  it('where cookies are not allowed (a kiosk) none is stored, read or sent', async () => {
    const stored = newCookie();
    const vault = memoryVault([{ account: cookieAccount, secret: stored }]);
    const { session, api } = setup({ vault, allowDeviceCookie: () => false });
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(api.deviceCookies).toHaveLength(1);
    expect(api.signInBodies[0]!.deviceCookie).toBeUndefined();
    // Neither replaced by the new one nor read: the entry is exactly as it was.
    expect([...vault.entries]).toEqual([[cookieAccount, stored]]);
  });

  it('without a keychain nothing is kept or sent, and sign-in works', async () => {
    const { session, api } = setup({ vault: null });
    await session.signIn({ ...credentials, keepSignedIn: true });
    await session.signOut();
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(session.isSignedIn()).toBe(true);
    expect(api.signInBodies.map((b) => b.deviceCookie)).toEqual([undefined, undefined]);
  });

  it('a malformed stored cookie is deleted, not sent', async () => {
    for (const garbage of ['garbage', newOpaqueToken(), `${newCookie()}x`]) {
      const vault = memoryVault([{ account: cookieAccount, secret: garbage }]);
      const { session, api } = setup({ vault });
      api.issueDeviceCookies = false;
      await session.signIn({ ...credentials, keepSignedIn: false });
      expect(api.signInBodies[0]!.deviceCookie, garbage).toBeUndefined();
      expect(vault.entries.has(cookieAccount), garbage).toBe(false);
    }
  });

  it('a keychain that fails to read or keep the cookie still signs in', async () => {
    const vault = memoryVault();
    const { get, set } = vault;
    vault.get = async (account) => {
      if (account.startsWith('device-cookie:')) throw new Error('The keyring is locked');
      return get(account);
    };
    vault.set = async (account, secret) => {
      if (account.startsWith('device-cookie:')) throw new Error('The keyring is locked');
      return set(account, secret);
    };
    const { session, api, log } = setup({ vault });
    const outcome = await session.signIn({ ...credentials, keepSignedIn: true });
    expect(outcome).toMatchObject({ status: 'signed-in', session: { persisted: true } });
    expect(api.signInBodies[0]!.deviceCookie).toBeUndefined();
    expect(await accounts(vault)).toEqual([PHONE]);
    expect(log.lines.map((l) => l.message)).toContain(
      'device: the keychain refused the device cookie',
    );
  });

  it('never reaches the renderer', async () => {
    const { api, dispatch, outputs, vault } = fakeAppCore();
    api.issueDeviceCookies = true;
    const signIn = { phone: PHONE, password: PASSWORD, keepSignedIn: false };
    expect(await dispatch('auth:sign-in', signIn)).toMatchObject({ ok: true });
    await dispatch('auth:sign-out');
    expect(await dispatch('auth:sign-in', signIn)).toMatchObject({ ok: true });
    expect(api.signInBodies[1]!.deviceCookie).toBe(api.deviceCookies[0]);
    await dispatch('auth:sign-out');
    expect(await dispatch('auth:resume')).toMatchObject({
      ok: true,
      value: { status: 'signed-out' },
    });
    for (const output of outputs) {
      for (const cookie of api.deviceCookies) {
        expect(output).not.toContain(cookie.split('.')[0]);
        expect(output).not.toContain(cookie.split('.')[1]);
      }
    }
    // "Forget this computer" from Settings takes it out of the keychain.
    expect(vault.entries.has(cookieAccount)).toBe(true);
    expect(await dispatch('settings:forget-device')).toMatchObject({ ok: true });
    expect(vault.entries.size).toBe(0);
  });
});

describe('PhoneSecrets for device cookies', () => {
  it('keeps one cookie per phone under device-cookie:<phone>, and never throws', async () => {
    const vault = memoryVault();
    const cookies = new PhoneSecrets(vault, memoryLog(), DEVICE_COOKIE);
    const cookie = newCookie();
    await cookies.keep(PHONE, cookie);
    expect([...vault.entries.keys()]).toEqual([cookieAccount]);
    expect(await cookies.get(PHONE)).toBe(cookie);
    expect(await cookies.get(OTHER_PHONE)).toBeUndefined();
    await cookies.forget(PHONE);
    expect(vault.entries.size).toBe(0);

    vault.set = async () => {
      throw new Error('locked');
    };
    await expect(cookies.keep(PHONE, cookie)).resolves.toBeUndefined();
  });
});
