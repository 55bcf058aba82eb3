// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import svelteConfig from './svelte.config.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/out/**',
      'bench/.data/**',
      'test-results/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    // Node globals everywhere but the renderer, which gets the browser's below.
    ignores: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Components and runes modules: svelte-eslint-parser, with typescript-eslint for `<script lang="ts">`.
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    // The renderer is a sandboxed web page: browser globals, and no Node or Electron imports.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', 'electron', '**/main/**', '**/server/**'] },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Migrations are written against the untyped schema builder on purpose (they outlive the types).
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['server/src/db/migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Playwright fixtures that need nothing are written `async ({}, use) => …` by design.
    files: ['tests/e2e/**/*.ts', 'tests/electron/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    // The contract is shared by every process: it may use zod and libphonenumber-js, nothing of Node.
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', '../server/*', '../main/*', '../renderer/*', '../preload/*'] },
      ],
    },
  },
);
