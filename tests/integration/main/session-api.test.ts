import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../contract/settings';
import { IPC_CHANNELS } from '../../../contract/ipc';
import { DEMO_SUBSCRIBERS } from '../../../server/src/demo/seed-demo';
import { createAppCore } from '../../../main/app-core';
import { AppError } from '../../../main/errors';
import { createApiClient, type ApiClient } from '../../../main/services/api-client';
import { SessionService } from '../../../main/services/session';
import { SettingsService, memorySettingsStore } from '../../../main/services/settings';
import { memoryVault } from '../../../main/services/vault';
import { ManualTime, memoryLog, recorder } from '../../unit/main/support/fakes';
import { createTestApp, type TestApp } from '../support/test-app';
import { describeWithDb } from '../support/test-db';

const [maria, dana, luis, ana] = DEMO_SUBSCRIBERS as [
  (typeof DEMO_SUBSCRIBERS)[number],
  (typeof DEMO_SUBSCRIBERS)[number],
  (typeof DEMO_SUBSCRIBERS)[number],
  (typeof DEMO_SUBSCRIBERS)[number],
];
const MINUTE = 60_000;

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describeWithDb('main process services against the real account API', () => {
  let t: TestApp;
  let baseUrl: string;
  let api: ApiClient;

  beforeAll(async () => {
    t = await createTestApp({ seedDemo: true });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = createApiClient({ baseUrl: () => baseUrl, appVersion: '9.9.9', sleep: async () => {} });
  });
  afterAll(async () => {
    await t.close();
  });

  function newSession(vault = memoryVault()) {
    const time = new ManualTime();
    const settings = new SettingsService(
      memorySettingsStore({ ...structuredClone(DEFAULT_SETTINGS), apiBaseUrl: baseUrl }),
    );
    const pushed = recorder();
    const session = new SessionService({
      api,
      vault,
      settings,
      clock: time,
      timers: time,
      emit: pushed.emit,
      log: memoryLog(),
    });
    return { session, vault, settings, time, pushed };
  }

  describe('api client', () => {
    it('signs in, reads every account resource and passes the contract', async () => {
      const signedIn = await api.signIn({ phone: maria.phone, password: maria.password });
      expect(signedIn.subscriber.phone).toBe(maria.phone);
      const token = signedIn.accessToken;
      const summary = await api.summary(token);
      expect(summary.subscriber.name).toBe(maria.name);
      expect((await api.plan(token)).id).toBe(maria.planId);
      const usage = await api.usage(token);
      expect(usage.cycle).toEqual(summary.cycle);
      const previous = await api.usage(token, usage.previousCycle!);
      expect(previous.cycle.end < usage.cycle.start).toBe(true);
      const first = await api.statements(token, { limit: 2 });
      expect(first.items).toHaveLength(2);
      const second = await api.statements(token, { limit: 2, cursor: first.nextCursor! });
      expect(second.items[0]!.issuedAt < first.items[1]!.issuedAt).toBe(true);
      const detail = await api.statement(token, first.items[0]!.id);
      expect(detail.lines.length).toBeGreaterThan(0);
      expect((await api.payments(token, { limit: 3 })).items.length).toBeGreaterThan(0);
      await api.signOut(signedIn.refreshToken);
    });

    it('sends its User-Agent', async () => {
      const signedIn = await api.signIn({ phone: luis.phone, password: luis.password });
      const rows = await t.testDb.database.db.selectFrom('sessions').select('user_agent').execute();
      expect(rows.map((r) => r.user_agent)).toContain('Airtime-Desktop/9.9.9');
      await api.signOut(signedIn.refreshToken);
    });

    it("maps the API's errors to their codes", async () => {
      const wrong = await failure(api.signIn({ phone: dana.phone, password: 'not-it' }));
      expect(wrong.code).toBe('invalid_credentials');
      expect(wrong.extra.status).toBe(401);
      expect((await failure(api.summary('not-a-token'))).code).toBe('unauthorized');
      const signedIn = await api.signIn({ phone: dana.phone, password: dana.password });
      const missing = await failure(api.statement(signedIn.accessToken, 'no-such-statement'));
      expect(missing.code).toBe('statement_not_found');
      expect(missing.extra.status).toBe(404);
      const badCycle = await failure(api.usage(signedIn.accessToken, '1999-01-01'));
      expect(badCycle.code).toBe('cycle_out_of_range');
      await api.signOut(signedIn.refreshToken);
    });

    it('ping answers with a latency; a closed port is network_unreachable', async () => {
      const { latencyMs } = await api.ping(baseUrl);
      expect(latencyMs).toBeGreaterThanOrEqual(0);
      expect((await failure(api.ping('http://127.0.0.1:1'))).code).toBe('network_unreachable');
    });
  });

  describe('SessionService', () => {
    it('signs in, reads the summary, refreshes on the timer with rotation, and signs out', async () => {
      const { session, vault, time } = newSession();
      const info = await session.signIn({
        phone: maria.phone,
        password: maria.password,
        keepSignedIn: true,
      });
      expect(info).toMatchObject({ persisted: true, subscriber: { phone: maria.phone } });
      expect((await session.account.summary()).subscriber.phone).toBe(maria.phone);

      const before = await vault.get(maria.phone);
      await time.advance(9 * MINUTE); // the timer fires 60 s before the 10-minute expiry
      // The refresh it starts is a real HTTP round trip and database write: wait for it to land.
      await vi.waitFor(async () => expect(await vault.get(maria.phone)).not.toBe(before), {
        timeout: 5_000,
      });
      // The first token was used by the rotation: presenting it again is refused.
      expect((await failure(api.refresh(before!))).code).toBe('refresh_token_reused');
      // …and that reuse ended the whole family, so the session's next refresh is rejected.
      t.clock.advance(11 * MINUTE);
      const ended = await failure(session.account.summary());
      expect(ended.code).toBe('session_expired');
      expect(await vault.list()).toEqual([]);
      t.clock.advance(-11 * MINUTE);
    });

    it('after repeated failures, signs in by solving the API’s proof-of-work challenge', async () => {
      // Failures count per number and per client address; earlier tests may already have some.
      for (let i = 0; i < 3; i++) {
        const code = (await failure(api.signIn({ phone: ana.phone, password: 'wrong-password' })))
          .code;
        expect(['invalid_credentials', 'captcha_required']).toContain(code);
      }
      const asked = await failure(api.signIn({ phone: ana.phone, password: ana.password }));
      expect(asked.code).toBe('captcha_required');
      expect(asked.extra.captcha).toBeDefined();
      const { session } = newSession();
      const info = await session.signIn({
        phone: ana.phone,
        password: ana.password,
        keepSignedIn: false,
      });
      expect(info.subscriber.phone).toBe(ana.phone);
      await session.signOut();
    });

    it('refreshes once when the server says the access token expired, then retries', async () => {
      const { session, vault } = newSession();
      await session.signIn({ phone: dana.phone, password: dana.password, keepSignedIn: true });
      const before = await vault.get(dana.phone);
      t.clock.advance(11 * MINUTE);
      try {
        const summary = await session.account.summary();
        expect(summary.subscriber.phone).toBe(dana.phone);
        expect(await vault.get(dana.phone)).not.toBe(before);
      } finally {
        t.clock.advance(-11 * MINUTE);
      }
      await session.signOut();
    });

    it('sign-out revokes the session on the server and clears the vault', async () => {
      const { session, vault } = newSession();
      await session.signIn({ phone: luis.phone, password: luis.password, keepSignedIn: true });
      const token = (await vault.get(luis.phone))!;
      await session.signOut();
      expect(await vault.list()).toEqual([]);
      expect((await failure(api.refresh(token))).code).toBe('invalid_refresh_token');
      expect((await failure(session.account.summary())).code).toBe('not_signed_in');
    });

    it('a new service on the same vault resumes the session (app restart)', async () => {
      const first = newSession();
      await first.session.signIn({
        phone: maria.phone,
        password: maria.password,
        keepSignedIn: true,
      });
      first.session.dispose();
      const saved = await first.vault.get(maria.phone);

      const second = newSession(first.vault);
      const resumed = await second.session.resume();
      expect(resumed).toMatchObject({ status: 'signed-in', session: { persisted: true } });
      expect(await first.vault.get(maria.phone)).not.toBe(saved);
      expect((await second.session.account.summary()).subscriber.phone).toBe(maria.phone);
      await second.session.signOut();

      // The vault is empty now; a third launch lands on sign-in with nothing to say.
      expect(await newSession(first.vault).session.resume()).toEqual({
        status: 'signed-out',
        notice: 'none',
      });
    });

    it('resume with a revoked saved token says the session expired and deletes it', async () => {
      const first = newSession();
      await first.session.signIn({
        phone: maria.phone,
        password: maria.password,
        keepSignedIn: true,
      });
      const saved = (await first.vault.get(maria.phone))!;
      await api.signOut(saved); // revoked elsewhere (another device's "sign out everywhere", an admin…)
      first.session.dispose();
      const result = await newSession(first.vault).session.resume();
      expect(result).toMatchObject({ status: 'signed-out', notice: 'session_expired' });
      expect(await first.vault.list()).toEqual([]);
    });
  });

  describe('app core over the real API', () => {
    it('serves the renderer channels end to end', async () => {
      const time = new ManualTime();
      const pushed = recorder();
      const core = createAppCore({
        settings: new SettingsService(
          memorySettingsStore({ ...structuredClone(DEFAULT_SETTINGS), apiBaseUrl: baseUrl }),
        ),
        vault: memoryVault(),
        appInfo: {
          version: '0.1.0',
          platform: 'linux',
          systemLanguage: 'en-US',
          systemTheme: () => 'light',
        },
        openExternal: () => undefined,
        externalLinkAllowlist: [],
        emit: pushed.emit,
        isTrustedSender: (url) => url === 'http://127.0.0.1:5173/',
        clock: time,
        timers: time,
        apiOptions: { sleep: async () => {} },
      });
      const call = async (channel: keyof typeof IPC_CHANNELS, payload?: unknown) => {
        const result = await core.router.dispatch(channel, 'http://127.0.0.1:5173/', payload);
        expect(result, `${channel}: ${JSON.stringify(result)}`).toMatchObject({ ok: true });
        const value = (result as { value: unknown }).value;
        expect(IPC_CHANNELS[channel].output.safeParse(value).success).toBe(true);
        return value as never;
      };
      try {
        expect(await call('auth:resume')).toEqual({ status: 'signed-out', notice: 'none' });
        await call('auth:sign-in', {
          phone: maria.display,
          password: maria.password,
          keepSignedIn: false,
        });
        await call('account:summary');
        await call('account:usage', { cycle: 'current' });
        const list: { items: Array<{ id: string }> } = await call('account:statements', {
          limit: 3,
        });
        await call('account:statement', { id: list.items[0]!.id });
        await call('account:payments');
        await call('settings:test-connection', { apiBaseUrl: baseUrl });
        await call('auth:sign-out');
        const after = await core.router.dispatch(
          'account:summary',
          'http://127.0.0.1:5173/',
          undefined,
        );
        expect(after).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
      } finally {
        core.dispose();
      }
    });
  });
});
