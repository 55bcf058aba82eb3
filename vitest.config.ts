import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * One run, several projects: unit tests, and the same integration suite twice — once on an
 * embedded SQLite file and once on a PostgreSQL server the suite starts itself.
 */
export default defineConfig({
  test: {
    projects: [
      {
        // The renderer's state classes (`*.svelte.ts`) use runes: compile them for the browser,
        // as the app does, so their reactivity is the real thing even under Node.
        plugins: [
          svelte({ configFile: false, dynamicCompileOptions: () => ({ generate: 'client' }) }),
        ],
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration-sqlite',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          env: { AIRTIME_TEST_DB: 'sqlite' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration-postgres',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          env: { AIRTIME_TEST_DB: 'postgres' },
          globalSetup: ['tests/integration/support/postgres-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
