import type { IpcChannel } from '../contract/ipc';
import type { KioskFeature } from '../contract/kiosk';

/**
 * What a store kiosk does with each IPC channel. A kiosk is a shared machine: whatever one
 * customer leaves behind (a saved session, a remembered device, a file on disk, a changed
 * setting) reaches the next one, so every channel is decided here, once. The table is a `Record`
 * over every channel of contract/ipc.ts: a new channel does not compile until it has a rule.
 */
export type KioskRule =
  /** Never answered at a kiosk, whatever the phase: the kiosk offers nothing that needs it. */
  | 'deny'
  /** Answered on the welcome screen too, before anyone tapped start: nothing of a customer. */
  | 'always'
  /** Answered only once a customer tapped start. */
  | 'visit'
  /** Answered during a visit when the store's policy left at least one of these features on. */
  | { readonly visit: readonly [KioskFeature, ...KioskFeature[]] };

export const KIOSK_RULES: Readonly<Record<IpcChannel, KioskRule>> = {
  // The welcome screen reads the app's facts and the kiosk's state, and starts a visit.
  'app:info': 'always',
  // A link would open a browser on the store's machine, outside the kiosk's control.
  'app:open-external': 'deny',

  // Signing in is always on at a kiosk (no feature switches it off); main forces
  // `keepSignedIn` and `rememberDevice` off, and the visit's wipe ends the session.
  'auth:sign-in': 'visit',
  'auth:second-factor': 'visit',
  'auth:second-factor-resend': 'visit',
  'auth:second-factor-cancel': 'visit',
  'auth:sign-out': 'visit',
  // Every page load asks, the welcome screen's too. A kiosk has no keychain, so it never
  // resumes a saved sign-in: it answers the visit's own session, or signed out.
  'auth:resume': 'always',
  'password:check': 'always',

  'recovery:start': { visit: ['recovery'] },
  'recovery:verify': { visit: ['recovery'] },
  'recovery:complete': { visit: ['recovery'] },
  'recovery:cancel': { visit: ['recovery'] },

  // The security center is never offered at a kiosk. It lists and ends the account's other
  // sessions, shows sign-in history and recovery codes on a shared screen, and changes the
  // password, contact details and 2-step setup: none of it belongs on a store's machine.
  'security:overview': 'deny',
  'security:change-password': 'deny',
  'security:change-contact': 'deny',
  'security:sessions': 'deny',
  'security:sign-out-session': 'deny',
  'security:sign-out-others': 'deny',
  'security:history': 'deny',
  'security:two-factor-enrol': 'deny',
  'security:two-factor-resend': 'deny',
  'security:two-factor-confirm': 'deny',
  'security:two-factor-disable': 'deny',
  'security:recovery-codes': 'deny',

  // The dashboard: shown to every signed-in customer, whatever the store switched off.
  'account:summary': 'visit',
  'account:usage': 'visit',
  'account:insights': 'visit',
  'account:payments': 'visit',
  'account:statements': { visit: ['statements'] },
  'account:statement': { visit: ['statements'] },

  // Files: a download would stay on the store's disk, or open in an app outside the kiosk.
  'statements:save-pdf': 'deny',
  'statements:open-pdf': 'deny',
  'statements:export-csv': 'deny',
  'payments:export-csv': 'deny',

  'payments:methods': { visit: ['pay'] },
  'payments:add-method': { visit: ['pay'] },
  'payments:remove-method': { visit: ['pay'] },
  'payments:set-default': { visit: ['pay'] },
  'payments:pay': { visit: ['pay'] },
  'payments:refill': { visit: ['refill'] },
  'payments:receipt': { visit: ['pay', 'refill'] },
  'autopay:get': { visit: ['pay'] },
  'autopay:update': { visit: ['pay'] },

  'plans:catalogue': { visit: ['plans'] },
  'plans:preview': { visit: ['plans'] },
  'plans:change': { visit: ['plans'] },
  'plans:cancel-pending': { visit: ['plans'] },
  'addons:list': { visit: ['plans'] },
  'addons:buy': { visit: ['plans'] },

  // A kiosk's settings live in memory: the policy pins the address and main refuses
  // `rememberPhone`, so only the language and theme change, and the wipe puts them back.
  'settings:get': 'always',
  'settings:set': 'always',
  // Probing another server, or wiping the machine's own state, is for its IT department.
  'settings:test-connection': 'deny',
  'settings:forget-device': 'deny',

  'kiosk:state': 'always',
  'kiosk:start': 'always',
  'kiosk:activity': 'always',
  'kiosk:end-session': 'always',
  // Answered any time: its handler checks the PIN against the policy's hash, with its own lockout.
  'kiosk:staff-exit': 'always',
  // Their handlers check the features of the receipt's kind (a payment, or a plan change).
  'kiosk:print-receipt': 'visit',
  'kiosk:email-receipt': 'visit',
};

/** The rule for a channel; a name the table does not know is refused, like a denied channel. */
export function kioskRule(channel: string): KioskRule {
  return Object.hasOwn(KIOSK_RULES, channel) ? KIOSK_RULES[channel as IpcChannel] : 'deny';
}
