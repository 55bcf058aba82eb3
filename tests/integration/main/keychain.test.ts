import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeviceCookie, RefreshToken } from '../../../contract/http/auth';
import { DEFAULT_SETTINGS, type Settings } from '../../../contract/settings';
import { DEMO_SUBSCRIBERS } from '../../../server/src/demo/seed-demo';
import { createApiClient, type ApiClient } from '../../../main/services/api-client';
import { deviceCookieAccount } from '../../../main/services/device';
import { SessionService } from '../../../main/services/session';
import { createSettingsService } from '../../../main/services/settings';
import { keytarVault, loadKeytar, probeVault } from '../../../main/services/vault';
import { ManualTime, memoryLog, recorder, testDevice } from '../../unit/main/support/fakes';
import { createTestApp, type TestApp } from '../support/test-app';
import { databaseUnavailable } from '../support/test-db';

/** A service name of its own, so this run never sees (or deletes) anyone's real Airtime entries. */
const SERVICE = `Airtime-test-${randomBytes(6).toString('hex')}`;
const loadedKeytar = await loadKeytar();
// Where keytar is not installed (it is optional), every keychain test below skips.
const keytar = loadedKeytar ?? {
  getPassword: async () => null,
  setPassword: async () => {},
  deletePassword: async () => false,
  findCredentials: async () => [],
};
const vault = keytarVault(keytar, SERVICE);
const keychainReachable = loadedKeytar !== null && (await probeVault(vault));
if (!loadedKeytar) {
  console.log(
    'keychain: skipped — keytar is not installed (it needs libsecret-1-dev to build: apt-get install libsecret-1-dev, then npm install).',
  );
} else if (!keychainReachable) {
  console.log(
    'keychain: skipped — no Secret Service is reachable (run inside dbus-run-session with an unlocked gnome-keyring, as `npm test` does).',
  );
}

const [maria, dana] = DEMO_SUBSCRIBERS as [
  (typeof DEMO_SUBSCRIBERS)[number],
  (typeof DEMO_SUBSCRIBERS)[number],
];

describe.skipIf(!keychainReachable || databaseUnavailable)(
  'the session with the real OS keychain',
  () => {
    let t: TestApp;
    let api: ApiClient;
    let settingsDir: string;

    beforeAll(async () => {
      t = await createTestApp({ seedDemo: true });
      const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
      api = createApiClient({ baseUrl: () => baseUrl, appVersion: 'test', sleep: async () => {} });
      settingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-keychain-settings-'));
    });
    afterEach(async () => {
      for (const { account } of await keytar.findCredentials(SERVICE)) {
        await keytar.deletePassword(SERVICE, account);
      }
    });
    afterAll(async () => {
      await t?.close();
      if (settingsDir) fs.rmSync(settingsDir, { recursive: true, force: true });
    });

    /** The app as it starts: settings from the same folder, the same keychain service. */
    function launch() {
      const time = new ManualTime();
      const settings = createSettingsService({
        file: path.join(settingsDir, 'settings.json'),
        createStore: (defaults) =>
          new Conf<Settings>({ cwd: settingsDir, configName: 'settings', defaults }),
      });
      const session = new SessionService({
        api,
        vault,
        settings,
        clock: time,
        timers: time,
        emit: recorder().emit,
        log: memoryLog(),
        device: testDevice,
      });
      return { session, settings, time };
    }

    const saved = () => keytar.findCredentials(SERVICE);
    /** The accounts of the service's entries, sorted. */
    const savedAccounts = async () => (await saved()).map((e) => e.account).sort();

    it('keep-signed-in stores the refresh token under the E.164 phone and the device cookie beside it, and nothing else', async () => {
      const app = launch();
      await app.session.signIn({
        phone: maria.phone,
        password: maria.password,
        keepSignedIn: true,
      });
      const entries = await saved();
      expect(entries.map((e) => e.account).sort()).toEqual(
        [maria.phone, deviceCookieAccount(maria.phone)].sort(),
      );
      const token = entries.find((e) => e.account === maria.phone)!.password;
      const cookie = entries.find((e) => e.account === deviceCookieAccount(maria.phone))!.password;
      expect(RefreshToken.safeParse(token).success).toBe(true);
      expect(DeviceCookie.safeParse(cookie).success).toBe(true);
      // Both live in the keychain only: not in the settings file.
      const settingsText = fs.readFileSync(path.join(settingsDir, 'settings.json'), 'utf8');
      expect(settingsText).not.toContain(token);
      for (const half of cookie.split('.')) expect(settingsText).not.toContain(half);
      app.session.dispose();
    });

    it('a restarted app resumes from the keychain, rotates the stored token, and sign-out removes it', async () => {
      const first = launch();
      await first.session.signIn({
        phone: maria.phone,
        password: maria.password,
        keepSignedIn: true,
      });
      first.session.dispose();
      const before = await keytar.getPassword(SERVICE, maria.phone);

      const second = launch();
      expect(second.settings.get().lastPhone).toBe(maria.phone);
      const resumed = await second.session.resume();
      expect(resumed).toMatchObject({ status: 'signed-in', session: { persisted: true } });
      const afterResume = await keytar.getPassword(SERVICE, maria.phone);
      expect(afterResume).not.toBe(before);
      expect((await second.session.account.summary()).subscriber.phone).toBe(maria.phone);

      // The background refresh, 60 s before the access token expires, rotates it again.
      await second.time.advance(9 * 60_000);
      // The refresh the timer starts is a real HTTP round trip and keychain write: wait for it.
      let afterRefresh: string | null = null;
      await vi.waitFor(
        async () => {
          afterRefresh = await keytar.getPassword(SERVICE, maria.phone);
          expect(afterRefresh).not.toBe(afterResume);
        },
        { timeout: 5_000 },
      );
      expect(RefreshToken.safeParse(afterRefresh).success).toBe(true);

      await second.session.signOut();
      expect(await keytar.getPassword(SERVICE, maria.phone)).toBeNull();
      // The device cookie stays: it is what lets Maria back in here while others guess.
      expect(await savedAccounts()).toEqual([deviceCookieAccount(maria.phone)]);
    });

    it('without keep-signed-in the keychain holds only the device cookie, and keeps it after sign-out', async () => {
      const app = launch();
      await app.session.signIn({ phone: dana.phone, password: dana.password, keepSignedIn: false });
      expect(await savedAccounts()).toEqual([deviceCookieAccount(dana.phone)]);
      const cookie = await keytar.getPassword(SERVICE, deviceCookieAccount(dana.phone));
      await app.session.signOut();
      expect(await keytar.getPassword(SERVICE, deviceCookieAccount(dana.phone))).toBe(cookie);

      // A restart finds nothing to resume in it, and the next sign-in works with it.
      const next = launch();
      expect(await next.session.resume()).toEqual({ status: 'signed-out', notice: 'none' });
      await next.session.signIn({
        phone: dana.phone,
        password: dana.password,
        keepSignedIn: false,
      });
      expect(next.session.isSignedIn()).toBe(true);
      await next.session.signOut();
    });

    it('forgetDevice removes every entry of the service and resets the settings', async () => {
      const app = launch();
      app.settings.update({ theme: 'dark' });
      await app.session.signIn({
        phone: maria.phone,
        password: maria.password,
        keepSignedIn: true,
      });
      await keytar.setPassword(SERVICE, dana.phone, randomBytes(32).toString('base64url'));
      expect(await savedAccounts()).toEqual(
        [maria.phone, dana.phone, deviceCookieAccount(maria.phone)].sort(),
      );
      const deviceId = app.settings.get().deviceId;
      await app.session.forgetDevice();
      expect(await saved()).toEqual([]);
      // A forgotten computer is a new one to the server: it gets a new device id.
      const reset = { ...DEFAULT_SETTINGS, deviceId: expect.any(String) };
      expect(app.settings.get()).toEqual(reset);
      expect(app.settings.get().deviceId).not.toBe(deviceId);
      expect(launch().settings.get()).toEqual({ ...reset, deviceId: app.settings.get().deviceId });
    });
  },
);
