import type { ApiError } from '../../../../contract/errors';
import type {
  SecurityEvent,
  SecurityEventKind,
  SecurityEventList,
  SecurityOverview,
  SessionList,
} from '../../../../contract/http/security';
import type { TranslationKey } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
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

/** Events that tell of something going wrong, shown with a warning tone. */
export const WARNING_EVENTS: ReadonlySet<SecurityEventKind> = new Set([
  'wrong_password',
  'locked',
  'second_factor_failed',
]);

/** The sign-in history: a first page, and older pages appended with "Show more". */
export class HistoryPages {
  readonly first: Resource<SecurityEventList>;
  #older = $state.raw<SecurityEvent[]>([]);
  #nextCursor = $state<string | null>(null);
  #moreLoading = $state(false);
  #moreError = $state.raw<ApiError | null>(null);
  readonly #options: ResourceOptions;

  constructor(options: ResourceOptions) {
    this.#options = options;
    this.first = new Resource(
      () => airtime().security.history({ limit: HISTORY_PAGE_SIZE }),
      options,
    );
  }

  get items(): SecurityEvent[] {
    return [...(this.first.value?.items ?? []), ...this.#older];
  }
  get hasMore(): boolean {
    return this.#nextCursor !== null;
  }
  get moreLoading(): boolean {
    return this.#moreLoading;
  }
  get moreError(): ApiError | null {
    return this.#moreError;
  }

  async load(): Promise<void> {
    this.#older = [];
    this.#moreError = null;
    const page = await this.first.load();
    this.#nextCursor = page?.nextCursor ?? null;
  }

  /** The newest page again, keeping the list on show; older pages are dropped (they shifted). */
  async refresh(): Promise<void> {
    const page = await this.first.refresh();
    if (!page) return;
    this.#older = [];
    this.#moreError = null;
    this.#nextCursor = page.nextCursor;
  }

  async loadMore(): Promise<void> {
    const cursor = this.#nextCursor;
    if (!cursor || this.#moreLoading) return;
    this.#moreLoading = true;
    this.#moreError = null;
    const result = await settle(() =>
      airtime().security.history({ cursor, limit: HISTORY_PAGE_SIZE }),
    );
    this.#moreLoading = false;
    if (result.ok) {
      this.#older = [...this.#older, ...result.value.items];
      this.#nextCursor = result.value.nextCursor;
    } else {
      this.#moreError = result.error;
      this.#options.onError?.(result.error);
    }
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
