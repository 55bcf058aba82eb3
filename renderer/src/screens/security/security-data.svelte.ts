import type {
  SecurityEvent,
  SecurityEventKind,
  SecurityOverview,
  SessionList,
} from '../../../../contract/http/security';
import type { TranslationKey } from '../../i18n/keys';
import { airtime } from '../../lib/airtime';
import { CursorPages } from '../../lib/cursor-pages.svelte';
import { Resource, type ResourceOptions } from '../../lib/resource.svelte';

/** Sign-in history rows per page. */
export const HISTORY_PAGE_SIZE = 20;

/** What happened, in words, for every kind of event the sign-in history lists. */
export const EVENT_KEYS: Readonly<Record<SecurityEventKind, TranslationKey>> = {
  signed_in: 'security.history.events.signed_in',
  wrong_password: 'security.history.events.wrong_password',
  locked: 'security.history.events.locked',
  second_factor_failed: 'security.history.events.second_factor_failed',
  password_changed: 'security.history.events.password_changed',
  password_reset: 'security.history.events.password_reset',
  two_factor_enabled: 'security.history.events.two_factor_enabled',
  two_factor_disabled: 'security.history.events.two_factor_disabled',
  recovery_codes_replaced: 'security.history.events.recovery_codes_replaced',
  contact_changed: 'security.history.events.contact_changed',
  session_signed_out: 'security.history.events.session_signed_out',
};

const WARNING_EVENTS: ReadonlySet<SecurityEventKind> = new Set([
  'wrong_password',
  'locked',
  'second_factor_failed',
]);

/** True for events that tell of something going wrong, shown with a warning tone. */
export function isWarningEvent(kind: SecurityEventKind): boolean {
  return WARNING_EVENTS.has(kind);
}

/** The sign-in history: a first page, and older pages appended with "Show more". */
export class HistoryPages extends CursorPages<SecurityEvent> {
  constructor(options: ResourceOptions) {
    super((page) => airtime().security.history(page), HISTORY_PAGE_SIZE, options);
  }
}

/** What the security center shows: the overview, the signed-in devices and the history. */
export class SecurityData {
  readonly overview: Resource<SecurityOverview>;
  readonly sessions: Resource<SessionList>;
  readonly history: HistoryPages;

  constructor(options: ResourceOptions) {
    this.overview = new Resource(() => airtime().security.overview(), options);
    this.sessions = new Resource(() => airtime().security.sessions(), options);
    this.history = new HistoryPages(options);
  }

  async load(): Promise<void> {
    await Promise.all([this.overview.load(), this.sessions.load(), this.history.load()]);
  }

  /** After a change: the overview, the devices and the history all may say something new. */
  async refresh(): Promise<void> {
    await Promise.all([this.overview.refresh(), this.sessions.refresh(), this.history.refresh()]);
  }
}
