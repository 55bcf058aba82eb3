import { DEFAULT_SETTINGS } from '../../../../contract/settings';
import { createAppCore, type AppCoreDeps } from '../../../../main/app-core';
import { SettingsService, memorySettingsStore } from '../../../../main/services/settings';
import { memoryVault } from '../../../../main/services/vault';
import { FakeApi, ManualTime } from './fakes';

/** Where the renderer's calls come from; the test core trusts every sender. */
export const RENDERER_URL = 'app://airtime/';

/**
 * The app core as the renderer reaches it through IPC, over the fake API, a memory vault and a
 * clock the test moves by hand. Every answer is also kept as JSON in `outputs`, so a test can
 * check that no token ever reached the renderer.
 */
export function fakeAppCore(overrides: Partial<Pick<AppCoreDeps, 'appInfo' | 'deviceName'>> = {}) {
  const api = new FakeApi();
  const vault = memoryVault();
  const time = new ManualTime();
  const core = createAppCore({
    settings: new SettingsService(memorySettingsStore(structuredClone(DEFAULT_SETTINGS))),
    vault,
    appInfo: {
      version: '0.1.0',
      platform: 'linux',
      systemLanguage: 'en',
      systemTheme: () => 'light',
    },
    deviceName: () => 'Test computer',
    openExternal: () => undefined,
    externalLinkAllowlist: [],
    emit: () => undefined,
    isTrustedSender: () => true,
    clock: time,
    timers: time,
    api,
    ...overrides,
  });
  const outputs: string[] = [];
  const dispatch = async (channel: string, payload?: unknown) => {
    const result = await core.router.dispatch(channel, RENDERER_URL, payload);
    outputs.push(JSON.stringify(result));
    return result;
  };
  return { api, vault, time, core, dispatch, outputs };
}
