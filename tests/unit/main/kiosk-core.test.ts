import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { KIOSK_CREDENTIAL_HEADER, KIOSK_VISIT_HEADER } from '../../../contract/http/kiosk';
import { IPC_CHANNELS, type IpcChannel, type IpcInput, type Result } from '../../../contract/ipc';
import { KIOSK_FEATURES, KioskPolicy, type KioskFeature } from '../../../contract/kiosk';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import { createAppCore, type AppCoreDeps } from '../../../main/app-core';
import { KIOSK_MESSAGES, receiptFeatures } from '../../../main/kiosk-core';
import { KIOSK_RULES } from '../../../main/kiosk-rules';
import type { ApiCaller } from '../../../main/services/api-client';
import type { KioskHost } from '../../../main/services/kiosk';
import type { PolicyOutcome } from '../../../main/services/policy';
import { SettingsService, memorySettingsStore } from '../../../main/services/settings';
import type { CredentialVault } from '../../../main/services/vault';
import { TEST_APP_INFO, baseCoreDeps } from './support/app-core';
import {
  FakeApi,
  fakeCall,
  ManualTime,
  PASSWORD,
  PHONE,
  SECOND_FACTOR_CODE,
  memoryLog,
  recorder,
  settle,
} from './support/fakes';
import { FakePayments } from './support/payments';

const APP_URL = 'app://airtime/index.html';
const CREDENTIAL = `ak_abcdef123456.${'A'.repeat(43)}`;
const VISIT = '3f2b8c1e-9d4a-4e7b-8c2f-1a6d5e9b0c47';

function policy(overrides: object = {}) {
  return KioskPolicy.parse({
    kiosk: true,
    storeName: 'Main <Street> store',
    apiUrl: 'https://api.example.com',
    kioskCredential: CREDENTIAL,
    staffPinHash:
      '$argon2id$v=19$m=1024,t=1,p=1$BwcHBwcHBwcHBwcHBwcHBw$ZmVGhvR1OaHB8Wx5BcR3xZaiHwkCmGWqR1Vb6km9gRk',
    receiptPrinter: 'Front counter',
    ...overrides,
  });
}

/** A keychain that records every call: a kiosk must make none. */
function recordingVault(): CredentialVault & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get: async (a) => {
      calls.push(`get ${a}`);
      return null;
    },
    set: async (a) => void calls.push(`set ${a}`),
    delete: async (a) => void calls.push(`delete ${a}`),
    list: async () => {
      calls.push('list');
      return [];
    },
  };
}

function fakeHost() {
  const printed: Array<{ html: string; printer: string }> = [];
  const steps: string[] = [];
  const host: KioskHost = {
    openCustomerWindow: () => void steps.push('open'),
    destroyCustomerWindow: () => void steps.push('destroy'),
    showWelcome: () => void steps.push('welcome'),
    clearClipboard: () => void steps.push('clipboard'),
    quit: () => void steps.push('quit'),
    print: async (html, printer) => void printed.push({ html, printer }),
  };
  return { host, printed, steps };
}

class FakeKioskApi implements ApiCaller {
  readonly calls: string[] = [];
  async startKioskVisit() {
    this.calls.push('startKioskVisit');
    return { visitId: VISIT, expiresIn: 7200 };
  }
  async endKioskVisits() {
    this.calls.push('endKioskVisits');
    return { revokedSessions: 1 };
  }
  async emailPaymentReceipt(_t: string, id: string) {
    this.calls.push(`emailPaymentReceipt ${id}`);
    return { sentTo: 'm•••@example.com' };
  }
  async planChangeReceipt(): Promise<never> {
    throw new Error('not used');
  }
  async emailPlanChangeReceipt(_t: string, id: string) {
    this.calls.push(`emailPlanChangeReceipt ${id}`);
    return { sentTo: 'm•••@example.com' };
  }
  readonly call = fakeCall({
    'kiosk.startVisit': () => this.startKioskVisit(),
    'kiosk.endVisits': () => this.endKioskVisits(),
    'payments.emailReceipt': ({ accessToken, params }) =>
      this.emailPaymentReceipt(accessToken, params.id),
    'plans.changeReceipt': () => this.planChangeReceipt(),
    'plans.emailChangeReceipt': ({ accessToken, params }) =>
      this.emailPlanChangeReceipt(accessToken, params.id),
  });
}

function setup(options: { policy?: PolicyOutcome; deps?: Partial<AppCoreDeps> } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-kiosk-core-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const storesOpened: string[] = [];
  const api = new FakeApi();
  const kioskApi = new FakeKioskApi();
  const vault = recordingVault();
  const time = new ManualTime();
  const pushed = recorder();
  const { host, printed, steps } = fakeHost();
  const chosen: PolicyOutcome = options.policy ?? {
    mode: 'kiosk',
    policy: policy(),
    path: '/etc/airtime/policy.json',
  };
  const core = createAppCore({
    settings: {
      file: path.join(dir, 'settings.json'),
      createStore: (defaults) => {
        storesOpened.push('settings');
        return memorySettingsStore(defaults, path.join(dir, 'settings.json'));
      },
    },
    vault,
    appInfo: TEST_APP_INFO,
    deviceName: () => 'Kiosk 1',
    openExternal: () => undefined,
    externalLinkAllowlist: ['airtime.example.org'],
    emit: pushed.emit,
    isTrustedSender: (url) => url === APP_URL,
    clock: time,
    timers: time,
    logger: memoryLog(),
    api,
    downloads: {} as never,
    payments: new FakePayments(),
    plans: {} as never,
    autopay: {} as never,
    policy: chosen,
    kiosk: { host, api: kioskApi },
    ...options.deps,
  });
  const call = (channel: string, payload?: unknown) =>
    core.router.dispatch(channel, APP_URL, payload);
  return { core, call, api, kioskApi, vault, time, pushed, printed, steps, dir, storesOpened };
}

const signIn = { phone: '(206) 555-0100', password: PASSWORD, keepSignedIn: true };

describe('kiosk core: nothing of a customer is kept', () => {
  it('writes no keychain entry and no settings file during a visit', async () => {
    const { call, core, vault, dir, storesOpened } = setup();
    await core.kiosk!.begin();
    expect(await call('kiosk:start')).toMatchObject({ ok: true, value: { phase: 'customer' } });
    const signedIn = await call('auth:sign-in', signIn);
    expect(signedIn).toMatchObject({
      ok: true,
      value: { status: 'signed-in', session: { persisted: false } },
    });
    expect(await call('settings:set', { language: 'es' })).toMatchObject({ ok: true });
    expect(await call('kiosk:end-session')).toEqual({ ok: true, value: null });
    expect(vault.calls).toEqual([]);
    expect(storesOpened).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(core.settings.get()).toMatchObject({
      lastPhone: null,
      rememberPhone: false,
      language: 'system',
    });
    expect(await call('app:info')).toMatchObject({ value: { keychainAvailable: false } });
  });

  it('never offers or asks the server to remember the computer', async () => {
    const { call, core, api } = setup();
    api.twoFactor = { method: 'totp' };
    await core.kiosk!.start();
    expect(await call('auth:sign-in', signIn)).toMatchObject({
      value: { status: 'second-factor', canRememberDevice: false },
    });
    await call('auth:second-factor', { code: SECOND_FACTOR_CODE, rememberDevice: true });
    expect(api.secondFactorBodies.at(-1)?.rememberDevice).toBe(false);
  });

  it('neither keeps nor sends a device cookie: one customer’s must not vouch for the next', async () => {
    const { call, core, api, vault } = setup();
    api.issueDeviceCookies = true;
    for (let visit = 0; visit < 2; visit++) {
      await core.kiosk!.start();
      expect(await call('auth:sign-in', signIn)).toMatchObject({ ok: true });
      await call('auth:sign-out');
    }
    expect(api.deviceCookies).toHaveLength(2);
    expect(api.signInBodies.map((b) => b.deviceCookie)).toEqual([undefined, undefined]);
    expect(vault.calls).toEqual([]);
  });

  it('signing out wipes the visit: revoked, visits ended, window destroyed, welcome again', async () => {
    const { call, core, api, kioskApi, steps, pushed } = setup();
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    steps.length = 0;
    await call('auth:sign-out');
    expect(api.revoked).toHaveLength(1);
    expect(kioskApi.calls).toContain('endKioskVisits');
    expect(steps).toEqual(['destroy', 'clipboard', 'welcome']);
    expect(pushed.events.at(-1)).toMatchObject({
      event: 'kiosk:state',
      payload: { wiped: 'signed-out' },
    });
  });
});

describe('kiosk core: channels', () => {
  it('answers forbidden before "tap to start", and for files, links and machine settings', async () => {
    const { call, core } = setup();
    expect(await call('account:summary')).toMatchObject({ error: { code: 'forbidden' } });
    await core.kiosk!.start();
    for (const [channel, payload] of [
      ['app:open-external', { url: 'https://airtime.example.org/help' }],
      ['statements:save-pdf', { id: 'st-1' }],
      ['payments:export-csv', undefined],
      ['settings:forget-device', undefined],
      ['settings:test-connection', { apiBaseUrl: 'https://evil.example.com' }],
    ] as const) {
      expect(await call(channel, payload), channel).toMatchObject({ error: { code: 'forbidden' } });
    }
  });

  it('pins the API address and refuses to remember the phone', async () => {
    const { call, core } = setup();
    expect(core.settings.get().apiBaseUrl).toBe('https://api.example.com');
    expect(await call('settings:set', { apiBaseUrl: 'https://other.example.com' })).toMatchObject({
      error: { code: 'managed_by_policy' },
    });
    expect(await call('settings:set', { rememberPhone: true })).toMatchObject({
      error: { code: 'managed_by_policy' },
    });
  });

  it('answers kiosk_feature_off for what the store switched off', async () => {
    const { call, core } = setup({
      policy: { mode: 'kiosk', policy: policy({ features: ['statements'] }), path: '/p' },
    });
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    for (const [channel, payload] of [
      ['payments:pay', { amountCents: 2000, paymentMethodId: 'pm_1' }],
      ['payments:refill', { pin: '1234 5678 9012 3456' }],
      ['plans:catalogue', undefined],
      ['recovery:start', { phone: '(206) 555-0100', channel: 'sms' }],
      ['kiosk:print-receipt', { kind: 'payment', id: 'pay_1' }],
      ['kiosk:email-receipt', { kind: 'plan-change', id: 'chg_1' }],
    ] as const) {
      expect(await call(channel, payload), channel).toMatchObject({
        error: { code: 'kiosk_feature_off' },
      });
    }
    expect(await call('account:statements', { limit: 5 })).toMatchObject({ ok: true });
  });

  it('prints an escaped receipt on the policy printer, and e-mails receipts through the API', async () => {
    const { call, core, printed, kioskApi } = setup();
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    expect(await call('kiosk:print-receipt', { kind: 'payment', id: 'pay_1' })).toEqual({
      ok: true,
      value: null,
    });
    expect(printed).toHaveLength(1);
    expect(printed[0]!.printer).toBe('Front counter');
    expect(printed[0]!.html).toContain('Main &lt;Street&gt; store');
    expect(printed[0]!.html).toContain('R-000001');
    expect(printed[0]!.html).toContain('VISA •••• 4242');
    expect(printed[0]!.html).not.toContain('<script');
    expect(await call('kiosk:email-receipt', { kind: 'payment', id: 'pay_1' })).toEqual({
      ok: true,
      value: { sentTo: 'm•••@example.com' },
    });
    expect(kioskApi.calls).toContain('emailPaymentReceipt pay_1');
  });

  it('refuses malformed kiosk input before anything prints, sends or checks a PIN', async () => {
    const { call, core, printed, kioskApi } = setup();
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    for (const bad of [
      { kind: 'payment', id: '../pay_1' },
      { kind: 'invoice', id: 'pay_1' },
      { kind: 'payment' },
      { kind: 'payment', id: 'pay_1', extra: true },
    ]) {
      expect(await call('kiosk:print-receipt', bad), JSON.stringify(bad)).toMatchObject({
        error: { code: 'invalid_request' },
      });
      expect(await call('kiosk:email-receipt', bad), JSON.stringify(bad)).toMatchObject({
        error: { code: 'invalid_request' },
      });
    }
    for (const pin of ['12', 'abcd', '1234567890123', '']) {
      expect(await call('kiosk:staff-exit', { pin }), pin).toMatchObject({
        error: { code: 'invalid_request' },
      });
    }
    expect(printed).toHaveLength(0);
    expect(kioskApi.calls.filter((c) => c.startsWith('email'))).toEqual([]);
  });

  it('answers printer_unavailable when the policy names no printer', async () => {
    const { call, core } = setup({
      policy: { mode: 'kiosk', policy: policy({ receiptPrinter: null }), path: '/p' },
    });
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    expect(await call('kiosk:print-receipt', { kind: 'payment', id: 'pay_1' })).toMatchObject({
      error: { code: 'printer_unavailable' },
    });
    expect(await call('kiosk:state')).toMatchObject({ value: { canPrintReceipts: false } });
  });

  it('a normal install answers kiosk:state normal and forbidden on the other kiosk channels', async () => {
    const { call, core } = setup({
      policy: { mode: 'normal' },
      deps: {
        settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
      },
    });
    expect(core.kiosk).toBeNull();
    expect(await call('kiosk:state')).toEqual({ ok: true, value: { mode: 'normal' } });
    expect(await call('kiosk:start')).toMatchObject({ error: { code: 'forbidden' } });
    expect(await call('kiosk:staff-exit', { pin: '1234' })).toMatchObject({
      error: { code: 'forbidden' },
    });
  });

  it('a blocked start answers only app:info and kiosk:state', async () => {
    const { call } = setup({
      policy: {
        mode: 'blocked',
        code: 'policy_invalid',
        message: 'The store policy file at /p has settings Airtime cannot use.',
        path: '/p',
      },
    });
    expect(await call('kiosk:state')).toEqual({
      ok: true,
      value: {
        mode: 'blocked',
        reason: 'policy',
        code: 'policy_invalid',
        message: 'The store policy file at /p has settings Airtime cannot use.',
        policyPath: '/p',
      },
    });
    expect(await call('app:info')).toMatchObject({ ok: true });
    expect(await call('auth:sign-in', signIn)).toMatchObject({ error: { code: 'forbidden' } });
    expect(await call('settings:get')).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('a managed install pins the API address, even after "forget this computer"', async () => {
    const { call, core } = setup({
      policy: {
        mode: 'managed',
        policy: { kiosk: false, apiUrl: 'https://api.example.com' },
        path: '/p',
      },
      deps: {
        settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
      },
    });
    expect(core.settings.get().apiBaseUrl).toBe('https://api.example.com');
    expect(await call('settings:set', { apiBaseUrl: 'https://other.example.com' })).toMatchObject({
      error: { code: 'managed_by_policy' },
    });
    expect(await call('settings:forget-device')).toMatchObject({ ok: true });
    expect(core.settings.get().apiBaseUrl).toBe('https://api.example.com');
  });
});

/**
 * A payload each channel's schema accepts, so what answers is the kiosk's rule and never the
 * input check. Typed over every channel: a new channel needs one here too.
 */
const VALID_INPUT: { [C in IpcChannel]: IpcInput<C> } = {
  'app:info': undefined,
  'app:open-external': { url: 'https://airtime.example.org/help' },
  'auth:sign-in': signIn,
  'auth:second-factor': { code: SECOND_FACTOR_CODE, rememberDevice: false },
  'auth:second-factor-resend': undefined,
  'auth:second-factor-cancel': undefined,
  'auth:sign-out': undefined,
  'auth:resume': undefined,
  'password:check': { password: 'Brand-New-Harbor-7', purpose: 'reset' },
  'recovery:start': { phone: '(206) 555-0100', channel: 'sms' },
  'recovery:verify': { code: '123456' },
  'recovery:complete': { newPassword: 'Brand-New-Harbor-7', keepSignedIn: false },
  'recovery:cancel': undefined,
  'security:overview': undefined,
  'security:change-password': { currentPassword: PASSWORD, newPassword: 'Brand-New-Harbor-7' },
  'security:change-contact': { password: PASSWORD, email: 'new@example.com' },
  'security:sessions': undefined,
  'security:sign-out-session': { id: VISIT },
  'security:sign-out-others': undefined,
  'security:history': { limit: 5 },
  'security:two-factor-enrol': { method: 'totp' },
  'security:two-factor-resend': undefined,
  'security:two-factor-confirm': { code: '123456' },
  'security:two-factor-disable': { password: PASSWORD },
  'security:recovery-codes': { password: PASSWORD },
  'account:summary': undefined,
  'account:usage': { cycle: 'current' },
  'account:insights': undefined,
  'account:statements': { limit: 5 },
  'account:statement': { id: 'st-1' },
  'account:payments': { limit: 5 },
  'statements:save-pdf': { id: 'st-1' },
  'statements:open-pdf': { id: 'st-1' },
  'statements:export-csv': undefined,
  'payments:export-csv': undefined,
  'payments:methods': undefined,
  'payments:add-method': { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' },
  'payments:remove-method': { id: 'pm_1' },
  'payments:set-default': { id: 'pm_1' },
  'payments:pay': { amountCents: 2000, paymentMethodId: 'pm_1' },
  'payments:refill': { pin: '1234 5678 9012 3456' },
  'payments:receipt': { id: 'pay_1' },
  'autopay:get': undefined,
  'autopay:update': { enabled: false },
  'plans:catalogue': undefined,
  'plans:preview': { planId: 'unlimited', when: 'now' },
  'plans:change': { planId: 'unlimited', when: 'now' },
  'plans:cancel-pending': undefined,
  'addons:list': undefined,
  'addons:buy': { addOnId: 'data-5gb' },
  'settings:get': undefined,
  'settings:set': { language: 'es' },
  'settings:test-connection': { apiBaseUrl: 'https://api.example.com' },
  'settings:forget-device': undefined,
  'kiosk:state': undefined,
  'kiosk:start': undefined,
  'kiosk:activity': undefined,
  'kiosk:end-session': undefined,
  'kiosk:staff-exit': { pin: '1234' },
  'kiosk:print-receipt': { kind: 'payment', id: 'pay_1' },
  'kiosk:email-receipt': { kind: 'payment', id: 'pay_1' },
};

const CHANNELS = Object.keys(IPC_CHANNELS) as IpcChannel[];

/** The three answers of the kiosk's guard; anything else means the channel reached its handler. */
const REFUSALS = {
  offLimits: { code: 'forbidden', message: KIOSK_MESSAGES.offLimits },
  tapToStart: { code: 'forbidden', message: KIOSK_MESSAGES.tapToStart },
  featureOff: { code: 'kiosk_feature_off', message: KIOSK_MESSAGES.featureOff },
} as const;
type Expected = keyof typeof REFUSALS | 'answered';

/** What the table says a channel gets, in a phase, from a store with these features on. */
function expectedAnswer(
  channel: IpcChannel,
  phase: 'welcome' | 'visit',
  features: readonly KioskFeature[],
): Expected {
  const rule = KIOSK_RULES[channel];
  if (rule === 'deny') return 'offLimits';
  if (phase === 'welcome') return rule === 'always' ? 'answered' : 'tapToStart';
  const needs =
    typeof rule === 'object'
      ? rule.visit
      : // The receipt channels' own handlers check the features of the receipt's kind.
        channel === 'kiosk:print-receipt' || channel === 'kiosk:email-receipt'
        ? receiptFeatures(VALID_INPUT[channel])
        : null;
  return needs && !needs.some((f) => features.includes(f)) ? 'featureOff' : 'answered';
}

function checkAnswer(channel: IpcChannel, answer: Result<unknown>, expected: Expected): void {
  if (expected === 'answered') {
    for (const refusal of Object.values(REFUSALS)) {
      expect(answer, channel).not.toMatchObject({ ok: false, error: refusal });
    }
  } else {
    expect(answer, channel).toEqual({ ok: false, error: REFUSALS[expected] });
  }
}

describe('kiosk core: every channel answers as KIOSK_RULES says', () => {
  it('has a payload for every channel that its schema accepts', () => {
    for (const channel of CHANNELS) {
      expect(IPC_CHANNELS[channel].input.safeParse(VALID_INPUT[channel]).success, channel).toBe(
        true,
      );
    }
  });

  describe('before "tap to start"', () => {
    it.for(CHANNELS)('%s', async (channel) => {
      const { call, core } = setup();
      onTestFinished(() => core.dispose());
      await core.kiosk!.begin();
      expect(core.kiosk!.phase).toBe('welcome');
      checkAnswer(
        channel,
        await call(channel, VALID_INPUT[channel]),
        expectedAnswer(channel, 'welcome', KIOSK_FEATURES),
      );
    });
  });

  // Every feature on, then each feature both on and off in one of the two partial stores.
  describe.for([[...KIOSK_FEATURES], ['statements'], ['refill', 'plans']] as KioskFeature[][])(
    'during a signed-in visit, features %j',
    (features) => {
      it.for(CHANNELS)('%s', async (channel) => {
        const { call, core } = setup({
          policy: { mode: 'kiosk', policy: policy({ features }), path: '/p' },
        });
        onTestFinished(() => core.dispose());
        await core.kiosk!.start();
        expect(await call('auth:sign-in', signIn)).toMatchObject({
          ok: true,
          value: { status: 'signed-in' },
        });
        checkAnswer(
          channel,
          await call(channel, VALID_INPUT[channel]),
          expectedAnswer(channel, 'visit', features),
        );
      });
    },
  );

  it('refuses the security center’s sessions during a visit, before they reach the API', async () => {
    const { call, core, api } = setup();
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    expect(await call('account:summary')).toMatchObject({ ok: true });
    expect(api.count('summary')).toBe(1);
    for (const channel of ['security:overview', 'security:sessions', 'security:sign-out-others']) {
      expect(await call(channel), channel).toEqual({ ok: false, error: REFUSALS.offLimits });
    }
    expect(api.count('securityOverview')).toBe(0);
    expect(api.count('sessions')).toBe(0);
    expect(api.count('signOutOthers')).toBe(0);
    expect(core.session.info()).not.toBeNull();
    core.dispose();
  });

  it('answers the staff exit at any time, and a wrong PIN neither quits nor ends the visit', async () => {
    const { call, core, steps } = setup();
    await core.kiosk!.begin();
    expect(await call('kiosk:staff-exit', { pin: '0000' })).toMatchObject({
      ok: true,
      value: { ok: false },
    });
    await core.kiosk!.start();
    await call('auth:sign-in', signIn);
    expect(await call('kiosk:staff-exit', { pin: '0000' })).toMatchObject({
      ok: true,
      value: { ok: false },
    });
    expect(steps).not.toContain('quit');
    expect(core.kiosk!.phase).toBe('customer');
    expect(core.session.info()).not.toBeNull();
    core.dispose();
  });
});

describe('kiosk core: the API client of a kiosk', () => {
  let server: http.Server;
  let base: string;
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
  let answer: (url: string, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers });
        answer(req.url ?? '', res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  /** An enrolled kiosk's API: it issues the visit, and `rest` answers everything else. */
  const issuingVisits =
    (rest: (url: string, res: http.ServerResponse) => void) =>
    (url: string, res: http.ServerResponse) =>
      url === '/v1/kiosk/visits'
        ? json(res, 201, { visitId: VISIT, expiresIn: 7200 })
        : rest(url, res);

  function realClientCore() {
    seen.length = 0;
    const { host } = fakeHost();
    const pushed = recorder();
    const time = new ManualTime();
    const core = createAppCore({
      ...baseCoreDeps(time),
      vault: null,
      deviceName: () => 'Kiosk 1',
      emit: pushed.emit,
      apiOptions: { retry: { attempts: 1, baseDelayMs: 0 } },
      policy: { mode: 'kiosk', policy: policy({ apiUrl: base }), path: '/etc/airtime/policy.json' },
      kiosk: { host },
    });
    const call = (channel: string, payload?: unknown) =>
      core.router.dispatch(channel, APP_URL, payload);
    return { core, call, pushed };
  }

  it('sends the kiosk credential on every request and the visit id the API issued during a visit', async () => {
    answer = issuingVisits((url, res) =>
      url === '/v1/kiosk/visits/end'
        ? json(res, 200, { revokedSessions: 0 })
        : json(res, 401, { error: { code: 'invalid_credentials', message: 'Not right.' } }),
    );
    const { core, call } = realClientCore();
    await core.kiosk!.begin();
    expect(seen[0]).toMatchObject({ url: '/v1/kiosk/visits/end' });
    expect(seen[0]!.headers[KIOSK_CREDENTIAL_HEADER]).toBe(CREDENTIAL);
    expect(seen[0]!.headers[KIOSK_VISIT_HEADER]).toBeUndefined();
    await call('kiosk:start');
    const start = seen.find((s) => s.url === '/v1/kiosk/visits')!;
    expect(start.headers[KIOSK_CREDENTIAL_HEADER]).toBe(CREDENTIAL);
    expect(start.headers[KIOSK_VISIT_HEADER]).toBeUndefined();
    await call('auth:sign-in', { phone: PHONE, password: 'Wrong-Password-1', keepSignedIn: true });
    const signInRequest = seen.find((s) => s.url === '/v1/auth/sign-in')!;
    expect(signInRequest.headers[KIOSK_CREDENTIAL_HEADER]).toBe(CREDENTIAL);
    expect(signInRequest.headers[KIOSK_VISIT_HEADER]).toBe(VISIT);
    core.dispose();
  });

  it('cancels a request in flight when the visit is wiped', async () => {
    answer = issuingVisits((url, res) => {
      if (url === '/v1/kiosk/visits/end') json(res, 200, { revokedSessions: 0 });
      // The sign-in never answers: only the wipe can end it.
    });
    const { core, call } = realClientCore();
    await call('kiosk:start');
    const pending = call('auth:sign-in', signIn);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await call('kiosk:end-session');
    expect(await pending).toMatchObject({
      ok: false,
      error: { message: 'The request was stopped because the session ended.' },
    });
    core.dispose();
  });

  it('blocks the kiosk, and says so, when the API says it is not enrolled', async () => {
    answer = (_url, res) =>
      json(res, 403, { error: { code: 'kiosk_not_enrolled', message: 'Unknown kiosk.' } });
    const { core, call, pushed } = realClientCore();
    // Starting a visit is the first thing the API refuses.
    expect(await call('kiosk:start')).toMatchObject({ error: { code: 'kiosk_not_enrolled' } });
    await settle();
    expect(pushed.events).toContainEqual({
      event: 'kiosk:state',
      payload: {
        state: expect.objectContaining({ mode: 'blocked', reason: 'not_enrolled' }),
        wiped: null,
      },
    });
    // The wipe that follows must not tell the fresh window it is back at "welcome".
    const states = pushed.events.filter((e) => e.event === 'kiosk:state');
    expect(states.at(-1)).toMatchObject({
      payload: { state: { mode: 'blocked', reason: 'not_enrolled' } },
    });
    expect(await call('kiosk:state')).toMatchObject({ value: { mode: 'blocked' } });
    expect(await call('account:summary')).toMatchObject({ error: { code: 'forbidden' } });
    core.dispose();
  });
});
