import { test as base, expect } from '@playwright/test';
import {
  Desktop,
  DesktopProfile,
  startApi,
  startRendererServer,
  type DesktopOptions,
} from './harness';

export interface E2EFixtures {
  /** The real account API with the demo subscribers, private to this test. */
  api: Awaited<ReturnType<typeof startApi>>;
  /** One computer's settings folder and keychain namespace, removed after the test. */
  profile: DesktopProfile;
  /** Starts (or restarts) the desktop app on `profile` against `api` (or `options.apiUrl`). */
  launch(options?: Partial<Omit<DesktopOptions, 'rendererOrigin'>>): Promise<Desktop>;
}

export const test = base.extend<E2EFixtures, { renderer: { origin: string } }>({
  renderer: [
    async ({}, use) => {
      const server = await startRendererServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  api: async ({}, use) => {
    const api = await startApi();
    await use(api);
    await api.close();
  },
  profile: async ({}, use) => {
    const profile = new DesktopProfile();
    await use(profile);
    await profile.destroy();
  },
  launch: async ({ context, api, renderer, profile }, use) => {
    const launched: Desktop[] = [];
    await use(async (options = {}) => {
      const desktop = await Desktop.launch(context, {
        apiUrl: api.url,
        rendererOrigin: renderer.origin,
        profile,
        ...options,
      });
      launched.push(desktop);
      return desktop;
    });
    for (const d of launched) d.core.dispose();
  },
});

export { expect };

/** The demo subscribers the API is seeded with (see server/src/demo/seed-demo.ts). */
export { DEMO_SUBSCRIBERS } from '../../../server/src/demo/seed-demo';
