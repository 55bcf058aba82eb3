import { describe, expect, it, onTestFinished } from 'vitest';
import { IPC_CHANNELS, IPC_CHANNEL_NAMES, type IpcChannel } from '../../../contract/ipc';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import { createAppCore, toSupportedLanguage, type AppCoreDeps } from '../../../main/app-core';
import { SettingsService, memorySettingsStore } from '../../../main/services/settings';
import { memoryVault, type CredentialVault } from '../../../main/services/vault';
import {
  FakeApi,
  ManualTime,
  OTHER_SESSION_ID,
  PASSWORD,
  PHONE,
  RESET_CODE,
  SECOND_FACTOR_CODE,
  insights,
  memoryLog,
  recorder,
} from './support/fakes';
import { FakeDownloads, fakeSaveDialog } from './support/downloads';
import { FakePlans } from './support/plans';
import { FakePayments } from './support/payments';
import { FakeAutopay } from './support/autopay';

const APP_URL = 'app://airtime/index.html';

function setup(overrides: Partial<AppCoreDeps> & { vault?: CredentialVault | null } = {}) {
  const api = new FakeApi();
  const vault = overrides.vault === undefined ? memoryVault() : overrides.vault;
  const time = new ManualTime();
  const pushed = recorder();
  const log = memoryLog();
  const opened: string[] = [];
  const files = fakeSaveDialog();
  onTestFinished(files.cleanup);
  const core = createAppCore({
    settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
    vault,
    appInfo: {
      version: '0.1.0',
      platform: 'linux',
      systemLanguage: () => 'es-MX',
      systemTheme: () => 'dark',
    },
    deviceName: () => 'Test computer',
    openExternal: async (url) => void opened.push(url),
    externalLinkAllowlist: ['airtime.example.org'],
    emit: pushed.emit,
    isTrustedSender: (url) => url === APP_URL,
    clock: time,
    timers: time,
    logger: log,
    api,
    downloads: new FakeDownloads(api),
    plans: new FakePlans(),
    payments: new FakePayments(),
    autopay: new FakeAutopay(),
    saveFile: files.saveFile,
    openPath: files.openPath,
    tempDir: files.tempDir,
    ...overrides,
  });
  const call = (channel: string, payload?: unknown, ...sender: [string | undefined] | []) =>
    core.router.dispatch(channel, sender.length ? sender[0] : APP_URL, payload);
  return { api, vault, time, pushed, log, opened, core, call };
}

const NEW_PASSWORD = 'Lighthouse-Pelican-Drift-71';

/**
 * A valid payload for every channel, in an order that works against a 2-step account: signed in
 * (through the second step) first, a reset after the security center, signed out last.
 */
const SAMPLES: Record<IpcChannel, unknown> = {
  'app:info': undefined,
  'app:open-external': { url: 'https://airtime.example.org/help' },
  'auth:sign-in': { phone: '(206) 555-0100', password: PASSWORD, keepSignedIn: true },
  'auth:second-factor-resend': undefined,
  'auth:second-factor': { code: SECOND_FACTOR_CODE, rememberDevice: true },
  'auth:second-factor-cancel': undefined,
  'auth:resume': undefined,
  'account:summary': undefined,
  'account:usage': { cycle: 'current' },
  'account:insights': undefined,
  'account:statements': { limit: 10 },
  'account:statement': { id: 'st-1' },
  'account:payments': undefined,
  'statements:save-pdf': { id: 'st-1' },
  'statements:open-pdf': { id: 'st-1' },
  'statements:export-csv': { filters: { month: '2026-10' } },
  'payments:export-csv': undefined,
  'payments:methods': undefined,
  'payments:add-method': { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' },
  'payments:remove-method': { id: 'pm_1' },
  'payments:set-default': { id: 'pm_1' },
  'payments:pay': { amountCents: 2000, paymentMethodId: 'pm_1' },
  'payments:refill': { pin: '1234 5678 9012 3456' },
  'payments:receipt': { id: 'pay_1' },
  'autopay:get': undefined,
  'autopay:update': { enabled: true, paymentMethodId: 'pm_1' },
  'plans:catalogue': undefined,
  'plans:preview': { planId: 'plus', when: 'now' },
  'plans:change': { planId: 'plus', when: 'next_renewal', expectedChargeCents: 0 },
  'plans:cancel-pending': undefined,
  'addons:list': undefined,
  'addons:buy': { addOnId: 'data-5gb' },
  'password:check': { password: 'Harbor-Lantern-Quietly-88', purpose: 'change' },
  'security:overview': undefined,
  'security:change-contact': { password: PASSWORD, email: 'maria.new@example.com' },
  'security:sessions': undefined,
  'security:sign-out-session': { id: OTHER_SESSION_ID },
  'security:sign-out-others': undefined,
  'security:history': { limit: 5 },
  'security:two-factor-enrol': { method: 'totp' },
  'security:two-factor-resend': undefined,
  'security:two-factor-confirm': { code: '123456' },
  'security:recovery-codes': { password: PASSWORD },
  'security:two-factor-disable': { password: PASSWORD },
  'security:change-password': { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
  'settings:get': undefined,
  'settings:set': { theme: 'dark' },
  'settings:test-connection': { apiBaseUrl: 'https://api.example.com' },
  'recovery:start': { phone: '(206) 555-0100', channel: 'sms' },
  'recovery:verify': { code: RESET_CODE },
  'recovery:complete': { newPassword: 'Quiet-Meadow-Orchard-35', keepSignedIn: false },
  'recovery:cancel': undefined,
  'auth:sign-out': undefined,
  'settings:forget-device': undefined,
  'kiosk:state': undefined,
  'kiosk:start': undefined,
  'kiosk:activity': undefined,
  'kiosk:end-session': undefined,
  'kiosk:staff-exit': { pin: '2468' },
  'kiosk:print-receipt': { kind: 'payment', id: 'pay_1' },
  'kiosk:email-receipt': { kind: 'plan-change', id: 'chg_1' },
};

/** Kiosk channels other than `kiosk:state` answer forbidden in a normal install (kiosk-core.test.ts). */
const KIOSK_ONLY = new Set<IpcChannel>([
  'kiosk:start',
  'kiosk:activity',
  'kiosk:end-session',
  'kiosk:staff-exit',
  'kiosk:print-receipt',
  'kiosk:email-receipt',
]);

describe('app core router', () => {
  it('answers every channel of the contract with a value its output schema accepts', async () => {
    const { call, api } = setup();
    api.twoFactor = { method: 'sms' };
    // Signed in first, signed out last: the order of SAMPLES.
    const order = Object.keys(SAMPLES) as IpcChannel[];
    expect([...order].sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
    for (const channel of order) {
      const result = await call(channel, SAMPLES[channel]);
      if (KIOSK_ONLY.has(channel)) {
        expect(result, channel).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        continue;
      }
      expect(result, channel).toMatchObject({ ok: true });
      if (result.ok) {
        expect(IPC_CHANNELS[channel].output.safeParse(result.value).success, channel).toBe(true);
      }
    }
  });

  it('answers invalid_request to a payload that does not match the channel', async () => {
    const { call, api } = setup();
    for (const channel of IPC_CHANNEL_NAMES) {
      const result = await call(channel, 42);
      expect(result, channel).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    const extra = await call('auth:sign-in', {
      ...(SAMPLES['auth:sign-in'] as object),
      admin: true,
    });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const badPhone = await call('auth:sign-in', {
      phone: '555',
      password: 'x',
      keepSignedIn: false,
    });
    expect(badPhone).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', issues: [{ path: 'phone' }] },
    });
    expect(api.calls).toEqual([]);
  });

  it('answers forbidden to a sender that is not the app, before anything runs', async () => {
    const { call, api, opened } = setup();
    for (const channel of IPC_CHANNEL_NAMES) {
      for (const sender of ['https://evil.example.com/', undefined, 'file:///tmp/x.html']) {
        const result = await call(channel, SAMPLES[channel], sender);
        expect(result, `${channel} from ${sender}`).toMatchObject({
          ok: false,
          error: { code: 'forbidden' },
        });
      }
    }
    expect(api.calls).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('answers not_found for a channel that does not exist', async () => {
    const { call } = setup();
    expect(await call('fs:read', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('account channels answer not_signed_in when signed out', async () => {
    const { call } = setup();
    expect(await call('account:summary')).toMatchObject({
      ok: false,
      error: { code: 'not_signed_in' },
    });
  });

  it('passes API errors through with their code and retry delay', async () => {
    const { call } = setup();
    const result = await call('auth:sign-in', {
      phone: PHONE,
      password: 'wrong',
      keepSignedIn: false,
    });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'invalid_credentials',
        message: 'That phone number or password is not right.',
      },
    });
  });

  it('hides unexpected errors behind internal_error and logs them', async () => {
    const { call, log } = setup({
      openExternal: () => {
        throw new Error('shell exploded');
      },
    });
    const result = await call('app:open-external', SAMPLES['app:open-external']);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    expect(JSON.stringify(result)).not.toContain('exploded');
    expect(log.lines.some((l) => l.level === 'error')).toBe(true);
  });
});

describe('app core handlers', () => {
  it('app:info reports the keychain, the system language and theme', async () => {
    expect(await setup().call('app:info')).toEqual({
      ok: true,
      value: {
        version: '0.1.0',
        platform: 'linux',
        keychainAvailable: true,
        systemLanguage: 'es',
        systemTheme: 'dark',
      },
    });
    const none = await setup({ vault: null }).call('app:info');
    expect(none.ok && (none.value as { keychainAvailable: boolean }).keychainAvailable).toBe(false);
    expect(toSupportedLanguage('fr-FR')).toBe('en');
    expect(toSupportedLanguage('es_ES')).toBe('es');
  });

  it('opens allowlisted https links only', async () => {
    const { call, opened } = setup();
    expect(await call('app:open-external', { url: 'https://airtime.example.org/help' })).toEqual({
      ok: true,
      value: null,
    });
    for (const url of [
      'http://airtime.example.org/',
      'https://evil.example.com/',
      'file:///etc/passwd',
    ]) {
      expect(await call('app:open-external', { url })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
    expect(opened).toEqual(['https://airtime.example.org/help']);
  });

  it('settings:set pushes settings:changed with the new view', async () => {
    const { call, pushed, core } = setup();
    const result = await call('settings:set', { language: 'es' });
    expect(result).toEqual({ ok: true, value: core.settings.view() });
    expect(pushed.events).toEqual([{ event: 'settings:changed', payload: core.settings.view() }]);
    // Window bounds are not part of the view: no event for them.
    core.settings.setWindowBounds({ x: 0, y: 0, width: 800, height: 600 });
    expect(pushed.events).toHaveLength(1);
  });

  it('changing the API address while signed in signs out on the old server and drops saved sign-ins', async () => {
    const { call, api, vault, core } = setup();
    const revokedOn: string[] = [];
    const signOut = api.signOut.bind(api);
    api.signOut = async (token: string) => {
      revokedOn.push(core.settings.get().apiBaseUrl);
      return signOut(token);
    };
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    await vault!.set('+13125550142', 'x'.repeat(43));
    const result = await call('settings:set', { apiBaseUrl: 'https://api.example.com/' });
    expect(result).toMatchObject({ ok: true, value: { apiBaseUrl: 'https://api.example.com' } });
    expect(core.session.isSignedIn()).toBe(false);
    expect(revokedOn).toEqual([DEFAULT_SETTINGS.apiBaseUrl]);
    expect(await vault!.list()).toEqual([]);
  });

  it('other settings changes keep the session', async () => {
    const { call, core } = setup();
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    await call('settings:set', { theme: 'light', apiBaseUrl: DEFAULT_SETTINGS.apiBaseUrl });
    expect(core.session.isSignedIn()).toBe(true);
  });

  it('settings:test-connection pings the given address', async () => {
    const { call, api } = setup();
    expect(
      await call('settings:test-connection', { apiBaseUrl: 'https://api.example.com/' }),
    ).toEqual({
      ok: true,
      value: { latencyMs: 12 },
    });
    expect(api.calls.at(-1)).toEqual({ method: 'ping', args: ['https://api.example.com'] });
    expect(
      await call('settings:test-connection', { apiBaseUrl: 'http://api.example.com' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });

  it('settings:forget-device signs out, empties the vault and resets settings', async () => {
    const { call, vault, core } = setup();
    await call('settings:set', { theme: 'dark' });
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    expect(await vault!.list()).toHaveLength(1);
    const deviceId = core.settings.get().deviceId;
    expect(await call('settings:forget-device')).toEqual({ ok: true, value: null });
    expect(await vault!.list()).toEqual([]);
    expect(core.settings.get()).toEqual({ ...DEFAULT_SETTINGS, deviceId: expect.any(String) });
    expect(core.settings.get().deviceId).not.toBe(deviceId);
    expect(core.session.isSignedIn()).toBe(false);
  });

  it('account channels pass their inputs to the API', async () => {
    const { call, api } = setup();
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    await call('account:usage', { cycle: '2026-10-15' });
    await call('account:usage');
    await call('account:statements', { cursor: 'abc', limit: 5 });
    await call('account:payments');
    expect(api.calls.filter((c) => c.method !== 'signIn').map((c) => [c.method, c.args])).toEqual([
      ['usage', ['2026-10-15']],
      ['usage', [undefined]],
      ['statements', [{ cursor: 'abc', limit: 5 }]],
      ['payments', [undefined]],
    ]);
    expect(await call('account:statement', { id: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'statement_not_found' },
    });
  });

  it('account:insights answers with the insights, refreshing the token, and takes no input', async () => {
    const { call, api } = setup();
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    // An expired access token is refreshed and the call tried once more.
    api.validAccess.clear();
    const result = await call('account:insights');
    expect(result).toEqual({ ok: true, value: insights });
    expect(api.calls.filter((c) => c.method === 'insights')).toHaveLength(2);
    expect(api.calls.some((c) => c.method === 'refresh')).toBe(true);
    expect(await call('account:insights', { cycle: 'current' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });

  it('a session that expires in the background is pushed as session:expired', async () => {
    const { call, api, time, pushed } = setup();
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    // Signing in remembered the phone, which the settings screen shows.
    expect(pushed.events.map((e) => e.event)).toEqual(['settings:changed']);
    api.live.clear();
    await time.advance(540_000);
    expect(pushed.events.filter((e) => e.event === 'session:expired')).toEqual([
      { event: 'session:expired', payload: { message: expect.stringMatching(/sign in again/) } },
    ]);
  });
});

describe('app core push events', () => {
  it('checks payloads against the contract before sending', () => {
    const { core, pushed, log } = setup();
    core.emit('system:theme-changed', { theme: 'dark' });
    core.emit('system:theme-changed', { theme: 'blue' } as never);
    core.emit('nope:event' as never, {} as never);
    expect(pushed.events).toEqual([{ event: 'system:theme-changed', payload: { theme: 'dark' } }]);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  it('dispose stops the refresh timer and settings events', async () => {
    const { core, call, time, pushed } = setup();
    await call('auth:sign-in', SAMPLES['auth:sign-in']);
    pushed.events.length = 0;
    core.dispose();
    expect(time.pending.size).toBe(0);
    core.settings.update({ theme: 'dark' });
    expect(pushed.events).toEqual([]);
  });
});
