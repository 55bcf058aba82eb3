import { DEFAULT_SETTINGS } from '../../../../contract/settings';
import { createAppCore, type AppCoreDeps, type AppInfoSource } from '../../../../main/app-core';
import { SettingsService, memorySettingsStore } from '../../../../main/services/settings';
import { memoryVault } from '../../../../main/services/vault';
import { FakeApi, ManualTime } from './fakes';

/** Where the renderer's calls come from; the test core trusts every sender. */
export const RENDERER_URL = 'app://airtime/';

/** This computer as the test cores see it: version 0.1.0 on Linux, in English, light theme. */
export const TEST_APP_INFO: AppInfoSource = {
  version: '0.1.0',
  platform: 'linux',
  systemLanguage: 'en',
  systemTheme: () => 'light',
};

/**
 * What every test core starts from: the default settings in memory, a memory vault, the test
 * computer, no links out, no pushes, every sender trusted, and `time` as both clock and timers.
 * A test spreads these first and then its own fakes and changes.
 */
export function baseCoreDeps(time: ManualTime) {
  return {
    settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
    vault: memoryVault(),
    appInfo: TEST_APP_INFO,
    deviceName: () => 'Test computer',
    openExternal: () => undefined,
    externalLinkAllowlist: [],
    emit: () => undefined,
    isTrustedSender: () => true,
    clock: time,
    timers: time,
  } satisfies Partial<AppCoreDeps>;
}

/**
 * The app core as the renderer reaches it through IPC, over the fake API, a memory vault and a
 * clock the test moves by hand. Every answer is also kept as JSON in `outputs`, so a test can
 * check that no token ever reached the renderer.
 */
export function fakeAppCore(overrides: Partial<Pick<AppCoreDeps, 'appInfo' | 'deviceName'>> = {}) {
  const api = new FakeApi();
  const time = new ManualTime();
  const base = baseCoreDeps(time);
  const vault = base.vault;
  const core = createAppCore({ ...base, api, ...overrides });
  const outputs: string[] = [];
  const dispatch = async (channel: string, payload?: unknown) => {
    const result = await core.router.dispatch(channel, RENDERER_URL, payload);
    outputs.push(JSON.stringify(result));
    return result;
  };
  return { api, vault, time, core, dispatch, outputs };
}
