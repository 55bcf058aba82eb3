/**
 * The IPC channel and push-event names alone, without their schemas, for the preload: it only
 * routes calls, and importing the schemas would put zod and the phone metadata into a script that
 * never parses anything. `contract/ipc.ts` checks at compile time that these lists match its table.
 */
export const IPC_CHANNEL_NAMES = [
  'app:info',
  'app:open-external',
  'auth:sign-in',
  'auth:sign-out',
  'auth:resume',
  'account:summary',
  'account:usage',
  'account:statements',
  'account:statement',
  'account:payments',
  'settings:get',
  'settings:set',
  'settings:test-connection',
  'settings:forget-device',
] as const;

export const PUSH_EVENT_NAMES = [
  'session:expired',
  'settings:changed',
  'system:theme-changed',
] as const;
