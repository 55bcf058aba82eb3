import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo, SignInOutcome } from '../../../contract/ipc';
import type { Settings } from '../../../contract/settings';
import { AppError } from '../../../main/errors';
import { SessionService, type SessionDeps } from '../../../main/services/session';
import {
  SettingsService,
  createSettingsService,
  memorySettingsStore,
} from '../../../main/services/settings';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import { memoryVault, type CredentialVault } from '../../../main/services/vault';
import {
  FakeApi,
  ManualTime,
  PASSWORD,
  PHONE,
  memoryLog,
  newRefreshToken,
  offlineError,
  recorder,
  settle,
  summary,
  testDevice,
} from './support/fakes';

const credentials = { phone: PHONE, password: PASSWORD };

function setup(options: { vault?: CredentialVault | null; settings?: SettingsService } = {}) {
  const api = new FakeApi();
  const vault = options.vault === undefined ? memoryVault() : options.vault;
  const settings =
    options.settings ?? new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS)));
  const time = new ManualTime();
  const pushed = recorder();
  const log = memoryLog();
  const deps: SessionDeps = {
    api,
    vault,
    settings,
    clock: time,
    timers: time,
    emit: pushed.emit,
    log,
    device: testDevice,
  };
  const session = new SessionService(deps);
  /** A second service on the same vault and settings: the app after a restart. */
  const restart = () => new SessionService({ ...deps, timers: time });
  return { api, vault, settings, time, pushed, log, session, restart };
}

/** The session a sign-in answered with; fails the test on a second-step outcome. */
function signedIn(outcome: SignInOutcome): SessionInfo {
  if (outcome.status !== 'signed-in') throw new Error(`expected signed-in, got ${outcome.status}`);
  return outcome.session;
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

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('SessionService sign-in', () => {
  it('keeps the refresh token in the vault under the E.164 phone with keepSignedIn', async () => {
    const { session, vault, api, settings } = setup();
    const info = signedIn(await session.signIn({ ...credentials, keepSignedIn: true }));
    expect(info).toEqual({ subscriber: summary.subscriber, persisted: true });
    const entries = await vault!.list();
    expect(entries).toEqual([{ account: PHONE, secret: [...api.live][0] }]);
    expect(settings.get().lastPhone).toBe(PHONE);
  });

  it('keeps nothing in the vault without keepSignedIn, and removes an older entry', async () => {
    const vault = memoryVault([{ account: PHONE, secret: newRefreshToken() }]);
    const { session } = setup({ vault });
    const info = signedIn(await session.signIn({ ...credentials, keepSignedIn: false }));
    expect(info.persisted).toBe(false);
    expect(await vault.list()).toEqual([]);
  });

  it('without a keychain is not persisted and writes the token nowhere', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-session-'));
    tempDirs.push(dir);
    const settings = createSettingsService({
      file: path.join(dir, 'settings.json'),
      createStore: (defaults) => new Conf<Settings>({ cwd: dir, configName: 'settings', defaults }),
    });
    const { session, api } = setup({ vault: null, settings });
    const info = signedIn(await session.signIn({ ...credentials, keepSignedIn: true }));
    expect(info.persisted).toBe(false);
    const token = [...api.live][0]!;
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      expect(text).not.toContain(token);
      expect(text).not.toContain(PASSWORD);
    }
    expect(settings.get().lastPhone).toBe(PHONE);
    // And the account calls still work from memory.
    await expect(session.account.summary()).resolves.toEqual(summary);
  });

  it('does not remember the phone when rememberPhone is off', async () => {
    const { session, settings } = setup();
    settings.update({ rememberPhone: false });
    await session.signIn({ ...credentials, keepSignedIn: true });
    expect(settings.get().lastPhone).toBeNull();
  });

  it('passes a wrong password through and stays signed out', async () => {
    const { session, vault } = setup();
    await expectAppError(
      session.signIn({ phone: PHONE, password: 'nope', keepSignedIn: true }),
      'invalid_credentials',
    );
    expect(session.isSignedIn()).toBe(false);
    expect(await vault!.list()).toEqual([]);
  });

  it('stays signed in for this run when the keychain refuses the token', async () => {
    const vault = memoryVault();
    vault.set = async () => {
      throw new Error('The keyring is locked');
    };
    const { session } = setup({ vault });
    const info = signedIn(await session.signIn({ ...credentials, keepSignedIn: true }));
    expect(info.persisted).toBe(false);
    expect(session.isSignedIn()).toBe(true);
  });
});

describe('SessionService refresh', () => {
  it('refreshes 60 s before the access token expires and rotates the vault entry', async () => {
    const { session, vault, api, time } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    const first = await vault!.get(PHONE);
    expect(time.nextAt()).toBe(time.now() + 540_000);

    await time.advance(539_999);
    expect(api.count('refresh')).toBe(0);
    await time.advance(1);
    expect(api.count('refresh')).toBe(1);

    const second = await vault!.get(PHONE);
    expect(second).not.toBe(first);
    expect(api.live.has(second!)).toBe(true);
    expect(api.used.has(first!)).toBe(true);
    // The next refresh is scheduled from the new token's lifetime.
    expect(time.nextAt()).toBe(time.now() + 540_000);
    await time.advance(540_000);
    expect(api.count('refresh')).toBe(2);
    expect(await vault!.get(PHONE)).not.toBe(second);
  });

  it('refreshes half-way through a short-lived token', async () => {
    const { session, api, time } = setup();
    api.expiresIn = 90;
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect(time.nextAt()).toBe(time.now() + 45_000);
  });

  it('does not write the vault on refresh when the session is not persisted', async () => {
    const vault = memoryVault();
    const { session, time, api } = setup({ vault });
    await session.signIn({ ...credentials, keepSignedIn: false });
    await time.advance(540_000);
    expect(api.count('refresh')).toBe(1);
    expect(vault.entries.size).toBe(0);
  });

  it('refreshes once on a 401 and retries the call', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    api.expireAccessTokens();
    await expect(session.account.summary()).resolves.toEqual(summary);
    expect(api.count('refresh')).toBe(1);
    expect(api.count('summary')).toBe(2);
  });

  it('refreshes a single time for concurrent 401s (single-flight)', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    api.expireAccessTokens();
    let release!: () => void;
    api.refreshGate = new Promise<void>((resolve) => (release = resolve));
    const calls = Promise.all([
      session.account.summary(),
      session.account.plan(),
      session.account.usage('current'),
      session.account.payments({ limit: 5 }),
    ]);
    await settle();
    release();
    api.refreshGate = null;
    await calls;
    expect(api.count('refresh')).toBe(1);
  });

  it('gives up after one retry when the fresh token is refused too', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    api.summary = async () => {
      throw new AppError('unauthorized', 'Sign in to continue.', { status: 401 });
    };
    await expectAppError(session.account.summary(), 'unauthorized');
    expect(api.count('refresh')).toBe(1);
  });

  it('refreshes before a call when the access token has already expired', async () => {
    const { session, api, time } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    time.pending.clear(); // as if the machine slept through the timer
    await time.advance(601_000);
    api.expireAccessTokens();
    await session.account.summary();
    expect(api.count('refresh')).toBe(1);
    expect(api.count('summary')).toBe(1);
  });

  it('on a rejected refresh: deletes the vault entry, clears the session, emits session:expired', async () => {
    const { session, api, vault, pushed } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    api.expireAccessTokens();
    api.live.clear(); // the server ended the session
    const error = await expectAppError(session.account.summary(), 'session_expired');
    expect(await vault!.list()).toEqual([]);
    expect(session.isSignedIn()).toBe(false);
    expect(pushed.events).toEqual([
      { event: 'session:expired', payload: { message: error.message } },
    ]);
    await expectAppError(session.account.summary(), 'not_signed_in');
  });

  it('explains a reused refresh token differently', async () => {
    const { session, api, pushed, time } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    api.nextRefreshError = new AppError('refresh_token_reused', 'Reused.', { status: 401 });
    await time.advance(540_000);
    expect(session.isSignedIn()).toBe(false);
    expect(pushed.events).toHaveLength(1);
    expect((pushed.events[0]!.payload as { message: string }).message).toMatch(/somewhere else/);
  });

  it('retries a background refresh that failed on the network, keeping the session', async () => {
    const { session, api, time, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    const saved = await vault!.get(PHONE);
    api.offline = offlineError();
    await time.advance(540_000);
    expect(api.count('refresh')).toBe(1);
    expect(session.isSignedIn()).toBe(true);
    expect(await vault!.get(PHONE)).toBe(saved);
    api.offline = null;
    await time.advance(30_000);
    expect(api.count('refresh')).toBe(2);
    expect(await vault!.get(PHONE)).not.toBe(saved);
  });

  it('a network failure during a 401 refresh reaches the caller as it is', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    api.expireAccessTokens();
    api.nextRefreshError = offlineError();
    await expectAppError(session.account.summary(), 'network_unreachable');
    expect(session.isSignedIn()).toBe(true);
  });
});

describe('SessionService resume', () => {
  it('resumes from the vault after a restart and stores the rotated token', async () => {
    const { session, restart, vault, api, time } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    const saved = await vault!.get(PHONE);
    session.dispose();
    time.pending.clear();

    const next = restart();
    const result = await next.resume();
    expect(result).toEqual({
      status: 'signed-in',
      session: { subscriber: summary.subscriber, persisted: true },
    });
    const rotated = await vault!.get(PHONE);
    expect(rotated).not.toBe(saved);
    expect(api.live.has(rotated!)).toBe(true);
    await expect(next.account.summary()).resolves.toEqual(summary);
    expect(time.nextAt()).not.toBeNull();
  });

  it("prefers the last phone's entry", async () => {
    const other = '+13125550142';
    const { api, settings, restart, vault } = setup({
      vault: memoryVault([{ account: other, secret: newRefreshToken() }]),
    });
    const token = newRefreshToken();
    api.live.add(token);
    await vault!.set(PHONE, token);
    settings.setLastPhone(PHONE);
    const result = await restart().resume();
    expect(result.status).toBe('signed-in');
    expect(api.calls.find((c) => c.method === 'refresh')?.token).toBe(token);
  });

  it('uses the first entry when there is no last phone', async () => {
    const token = newRefreshToken();
    const { api, restart } = setup({ vault: memoryVault([{ account: PHONE, secret: token }]) });
    api.live.add(token);
    expect((await restart().resume()).status).toBe('signed-in');
  });

  it('deletes a rejected entry and says the session expired', async () => {
    const { restart, vault } = setup({
      vault: memoryVault([{ account: PHONE, secret: newRefreshToken() }]),
    });
    const result = await restart().resume();
    expect(result).toMatchObject({ status: 'signed-out', notice: 'session_expired' });
    expect(result.status === 'signed-out' && result.message).toMatch(/sign in again/);
    expect(await vault!.list()).toEqual([]);
  });

  it('deletes an entry that is not a refresh token at all', async () => {
    const { restart, vault, api } = setup({
      vault: memoryVault([{ account: PHONE, secret: 'garbage' }]),
    });
    expect(await restart().resume()).toMatchObject({ notice: 'session_expired' });
    expect(api.count('refresh')).toBe(0);
    expect(await vault!.list()).toEqual([]);
  });

  it('throws on a network failure and keeps the entry for Retry', async () => {
    const token = newRefreshToken();
    const { restart, vault, api } = setup({
      vault: memoryVault([{ account: PHONE, secret: token }]),
    });
    api.live.add(token);
    api.offline = offlineError();
    const service = restart();
    await expectAppError(service.resume(), 'network_unreachable');
    expect(await vault!.get(PHONE)).toBe(token);
    api.offline = null;
    expect((await service.resume()).status).toBe('signed-in');
  });

  it('is signed out with nothing to say when there is no keychain or no entry', async () => {
    expect(await setup({ vault: null }).session.resume()).toEqual({
      status: 'signed-out',
      notice: 'none',
    });
    expect(await setup().session.resume()).toEqual({ status: 'signed-out', notice: 'none' });
  });

  it('answers with the live session when already signed in', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    expect((await session.resume()).status).toBe('signed-in');
    expect(api.count('refresh')).toBe(0);
  });
});

describe('SessionService sign-out and forget', () => {
  it('revokes on the server, deletes the entry, clears memory and cancels the timer', async () => {
    const { session, api, vault, time } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    const token = await vault!.get(PHONE);
    await session.signOut();
    expect(api.revoked).toEqual([token]);
    expect(await vault!.list()).toEqual([]);
    expect(session.isSignedIn()).toBe(false);
    expect(time.pending.size).toBe(0);
    await expectAppError(session.account.summary(), 'not_signed_in');
  });

  it('signs out locally when the server cannot be reached', async () => {
    const { session, api, vault } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    api.offline = offlineError();
    await session.signOut();
    expect(session.isSignedIn()).toBe(false);
    expect(await vault!.list()).toEqual([]);
  });

  it('signing out from the Retry screen drops the saved sign-in that could not be resumed', async () => {
    const token = newRefreshToken();
    const { restart, vault, api } = setup({
      vault: memoryVault([{ account: PHONE, secret: token }]),
    });
    api.offline = offlineError();
    const service = restart();
    await expectAppError(service.resume(), 'network_unreachable');
    await service.signOut();
    expect(await vault!.list()).toEqual([]);
  });

  it('drops an answer that arrives after sign-out', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: false });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = api.summary;
    api.summary = async (t: string) => {
      await gate;
      return original(t);
    };
    const pending = session.account.summary();
    await session.signOut();
    release();
    await expectAppError(pending, 'not_signed_in');
  });

  it('forgetDevice removes every vault entry and resets the settings', async () => {
    const vault = memoryVault([{ account: '+13125550142', secret: newRefreshToken() }]);
    const { session, settings, api } = setup({ vault });
    settings.update({ theme: 'dark', language: 'es' });
    await session.signIn({ ...credentials, keepSignedIn: true });
    expect(vault.entries.size).toBe(2);
    await session.forgetDevice();
    expect(vault.entries.size).toBe(0);
    expect(settings.get()).toEqual({ ...DEFAULT_SETTINGS, deviceId: expect.any(String) });
    expect(session.isSignedIn()).toBe(false);
    expect(api.revoked).toHaveLength(1);
  });

  it('forgetDevice reports a keychain it could not clean, after resetting settings', async () => {
    const vault = memoryVault();
    const { session, settings } = setup({ vault });
    settings.update({ theme: 'dark' });
    vault.list = async () => {
      throw new Error('locked');
    };
    await expectAppError(session.forgetDevice(), 'keychain_unavailable');
    expect(settings.get().theme).toBe('system');
  });

  it('a second sign-in ends the first session', async () => {
    const { session, api } = setup();
    await session.signIn({ ...credentials, keepSignedIn: true });
    await session.signIn({ ...credentials, keepSignedIn: true });
    expect(api.revoked).toHaveLength(1);
    expect(session.isSignedIn()).toBe(true);
  });
});
