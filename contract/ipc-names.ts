/**
 * The IPC channel and push-event names alone, without their schemas, for the preload: it only
 * routes calls, and importing the schemas would put zod and the phone metadata into a script that
 * never parses anything. `contract/ipc.ts` checks at compile time that these lists match its table.
 */
export const IPC_CHANNEL_NAMES = [
  'app:info',
  'app:open-external',
  'auth:sign-in',
  'auth:second-factor',
  'auth:second-factor-resend',
  'auth:second-factor-cancel',
  'auth:sign-out',
  'auth:resume',
  'password:check',
  'recovery:start',
  'recovery:verify',
  'recovery:complete',
  'recovery:cancel',
  'security:overview',
  'security:change-password',
  'security:change-contact',
  'security:sessions',
  'security:sign-out-session',
  'security:sign-out-others',
  'security:history',
  'security:two-factor-enrol',
  'security:two-factor-resend',
  'security:two-factor-confirm',
  'security:two-factor-disable',
  'security:recovery-codes',
  'account:summary',
  'account:usage',
  'account:insights',
  'account:statements',
  'account:statement',
  'account:payments',
  'statements:save-pdf',
  'statements:open-pdf',
  'statements:export-csv',
  'payments:export-csv',
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
