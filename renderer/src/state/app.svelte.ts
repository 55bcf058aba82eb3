import { getContext, setContext } from 'svelte';
import type { ApiError } from '../../../contract/errors';
import type {
  AppInfo,
  Result,
  SessionInfo,
  SignInOutcome,
  StatementFilters,
} from '../../../contract/ipc';
import type { Language, SettingsPatch, SettingsView } from '../../../contract/settings';
import type { KioskFeature } from '../../../contract/kiosk';
import { airtime, settle } from '../lib/airtime';
import { isRetryable, isSessionEnded } from '../lib/errors';
import { resolveLanguage, resolveTheme, type Theme } from '../lib/preferences';
import { DashboardData } from '../screens/dashboard/dashboard-data.svelte';

/** Why the sign-in screen is showing, when there is something to tell. */
export type Notice =
  | 'session_expired'
  | 'signed_out'
  | 'device_forgotten'
  | 'second_factor_expired'
  | 'second_factor_failed';

/** A sign-in waiting for its second step: which code to ask for (the challenge stays in main). */
export type SecondFactorChallenge = Extract<SignInOutcome, { status: 'second-factor' }>;

export type Route =
  | { name: 'starting' }
  | { name: 'unreachable'; error: ApiError }
  | { name: 'sign-in' }
  | { name: 'second-factor'; challenge: SecondFactorChallenge }
  | { name: 'recovery' }
  | { name: 'dashboard' }
  /** `search`: opened from statement search with these filters, where Back returns. */
  | { name: 'statement'; id: string; search?: StatementFilters }
  | { name: 'statements'; filters: StatementFilters }
  | { name: 'settings'; from: 'sign-in' | 'dashboard' }
  | { name: 'security'; from: 'dashboard' | 'settings' }
  | { name: 'payments' }
  /** Every payment and refill with their receipts; `from`: where Back returns. */
  | { name: 'payment-history'; from: 'dashboard' | 'payments' }
  /** `from`: where Back returns (Refill and pay, or the dashboard). */
  | { name: 'autopay'; from: 'dashboard' | 'payments' }
  | { name: 'plans' };

/**
 * What a kiosk's policy may switch off (its features), and what a kiosk never offers a customer:
 * settings, the security center, and anything that opens a file dialog.
 */
export type AppArea = KioskFeature | 'settings' | 'security' | 'files';

/**
 * The whole app's state: which screen shows, who is signed in, settings and what the operating
 * system says about theme and language. Screens read it through `useApp()`; only this class
 * moves between screens.
 */
export class AppState {
  #route = $state.raw<Route>({ name: 'starting' });
  #info = $state.raw<AppInfo | null>(null);
  #settings = $state.raw<SettingsView | null>(null);
  #systemTheme = $state<Theme>('light');
  #systemLanguage = $state<Language>('en');
  #session = $state.raw<SessionInfo | null>(null);
  #notice = $state<Notice | null>(null);
  #dashboard = $state.raw<DashboardData | null>(null);
  /** The phone number as typed on sign-in, kept while the person steps away to reset or verify. */
  #phoneDraft = $state<string | null>(null);
  /** Kiosk mode: the features the store's policy allows; null in a normal install. */
  #kioskFeatures = $state.raw<readonly KioskFeature[] | null>(null);

  #theme = $derived<Theme>(resolveTheme(this.#settings?.theme ?? 'system', this.#systemTheme));
  #language = $derived<Language>(
    resolveLanguage(this.#settings?.language ?? 'system', this.#systemLanguage),
  );

  constructor(guess: { systemTheme: Theme; systemLanguage: Language }) {
    this.#systemTheme = guess.systemTheme;
    this.#systemLanguage = guess.systemLanguage;
  }

  get route(): Route {
    return this.#route;
  }
  get info(): AppInfo | null {
    return this.#info;
  }
  get settings(): SettingsView | null {
    return this.#settings;
  }
  get session(): SessionInfo | null {
    return this.#session;
  }
  get notice(): Notice | null {
    return this.#notice;
  }
  get dashboard(): DashboardData | null {
    return this.#dashboard;
  }
  /** What was in sign-in's phone field when the person went to reset or verify, if anything. */
  get phoneDraft(): string | null {
    return this.#phoneDraft;
  }
  /** The theme being painted (`light` or `dark`). */
  get theme(): Theme {
    return this.#theme;
  }
  /** The language being shown (`en` or `es`). */
  get language(): Language {
    return this.#language;
  }
  /** True on a store kiosk: nothing of a customer is kept, and only the policy's features show. */
  get kiosk(): boolean {
    return this.#kioskFeatures !== null;
  }

  /** Whether a part of the app is offered here (everything is, outside kiosk mode). */
  allows(area: AppArea): boolean {
    const features = this.#kioskFeatures;
    if (features === null) return true;
    if (area === 'settings' || area === 'security' || area === 'files') return false;
    return features.includes(area);
  }

  /** Kiosk mode with the policy's features, or `null` for a normal install. */
  setKiosk(features: readonly KioskFeature[] | null): void {
    this.#kioskFeatures = features;
  }

  /**
   * A kiosk customer's visit ended: forget everything of theirs (the session, the dashboard's
   * data, the phone number typed, any notice) so nothing reaches the next customer.
   */
  wipe(): void {
    this.#session = null;
    this.#dashboard = null;
    this.#notice = null;
    this.#phoneDraft = null;
    this.#route = { name: 'sign-in' };
  }

  /** Keychain availability; assumed present until main says otherwise. */
  get keychainAvailable(): boolean {
    return this.#info?.keychainAvailable ?? true;
  }

  /** Listens to main's push events; returns the function that stops listening. */
  connect(): () => void {
    const api = airtime();
    const stops = [
      api.on('session:expired', () => this.sessionExpired()),
      api.on('settings:changed', (settings) => {
        this.#settings = settings;
      }),
      api.on('system:theme-changed', ({ theme }) => {
        this.#systemTheme = theme;
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /**
   * Start-up: what the computer is like, the settings, and whether a saved session can be
   * resumed. A service that cannot be reached gets its own screen with Retry.
   */
  async start(): Promise<void> {
    this.#route = { name: 'starting' };
    const api = airtime();
    const [info, settings, resume] = await Promise.all([
      settle(() => api.app.info()),
      settle(() => api.settings.get()),
      settle(() => api.auth.resume()),
    ]);
    if (info.ok) {
      this.#info = info.value;
      this.#systemTheme = info.value.systemTheme;
      this.#systemLanguage = info.value.systemLanguage;
    }
    if (settings.ok) this.#settings = settings.value;
    if (!resume.ok) {
      this.#route = isRetryable(resume.error.code)
        ? { name: 'unreachable', error: resume.error }
        : { name: 'sign-in' };
      return;
    }
    if (resume.value.status === 'signed-in') {
      this.signedIn(resume.value.session);
      return;
    }
    this.#notice = resume.value.notice === 'session_expired' ? 'session_expired' : null;
    this.#route = { name: 'sign-in' };
  }

  signedIn(session: SessionInfo): void {
    this.#session = session;
    this.#notice = null;
    this.#phoneDraft = null;
    this.#dashboard = new DashboardData({ onError: (error) => this.#onDataError(error) });
    this.#route = { name: 'dashboard' };
    // Signing in records the phone number (when remembered): pick the new settings up.
    void this.reloadSettings();
  }

  async signOut(): Promise<void> {
    await settle(() => airtime().auth.signOut());
    this.#leave('signed_out');
  }

  /** The session ended on its own (main said so, or a call came back unauthorised). */
  sessionExpired(): void {
    if (this.#session === null && this.#route.name === 'sign-in') {
      this.#notice = 'session_expired';
      return;
    }
    // Signed out already and part-way through a reset or a second step: an older session ending
    // is no reason to interrupt that.
    if (
      this.#session === null &&
      (this.#route.name === 'recovery' || this.#route.name === 'second-factor')
    ) {
      return;
    }
    this.#leave('session_expired');
  }

  clearNotice(): void {
    this.#notice = null;
  }

  /** Where a sign-in (or a password reset) leads: the dashboard, or the second step. */
  signInOutcome(outcome: SignInOutcome): void {
    if (outcome.status === 'signed-in') this.signedIn(outcome.session);
    else this.#route = { name: 'second-factor', challenge: outcome };
  }

  /** Keeps what sign-in's phone field holds, for coming back to it (or starting a reset with it). */
  keepPhoneDraft(phone: string): void {
    this.#phoneDraft = phone;
  }

  /** The second step was cancelled or has ended: back to sign-in, saying why when it ended. */
  endSecondFactor(notice: Notice | null = null): void {
    if (this.#route.name !== 'second-factor') return;
    this.#notice = notice;
    this.#route = { name: 'sign-in' };
  }

  /** "Forgot password?": the reset flow, starting from the phone number typed so far. */
  openRecovery(phone?: string): void {
    if (this.#session || !this.allows('recovery')) return;
    if (phone !== undefined) this.#phoneDraft = phone;
    this.#notice = null;
    this.#route = { name: 'recovery' };
  }

  /** Leaves the reset flow for sign-in. */
  closeRecovery(): void {
    if (this.#route.name === 'recovery') this.#route = { name: 'sign-in' };
  }

  /** The security center, from the account bar or from settings. */
  openSecurity(): void {
    if (!this.#session || !this.allows('security')) return;
    this.#route = {
      name: 'security',
      from: this.#route.name === 'settings' ? 'settings' : 'dashboard',
    };
  }

  /** Refill and pay, from the dashboard's balance card. */
  openPayments(): void {
    if (this.#session && this.#canPay()) this.#route = { name: 'payments' };
  }

  /** AutoPay, from Refill and pay or from the dashboard (its balance card or an AutoPay alert). */
  openAutopay(): void {
    if (!this.#session || !this.allows('pay')) return;
    this.#route = {
      name: 'autopay',
      from: this.#route.name === 'payments' ? 'payments' : 'dashboard',
    };
  }

  /** Payment and refill history, from the dashboard's payments card or from Refill and pay. */
  openPaymentHistory(): void {
    if (!this.#session || !this.#canPay()) return;
    this.#route = {
      name: 'payment-history',
      from: this.#route.name === 'payments' ? 'payments' : 'dashboard',
    };
  }

  openSettings(): void {
    if (!this.allows('settings')) return;
    this.#route = { name: 'settings', from: this.#session ? 'dashboard' : 'sign-in' };
  }

  /** "Change plan": the catalogue, the preview and the data passes. */
  openPlans(): void {
    if (this.#session && this.allows('plans')) this.#route = { name: 'plans' };
  }

  /**
   * The balance, plan and allowance changed (a plan change, a data pass): the dashboard reloads
   * in place, so it shows the account as it is now.
   */
  accountChanged(): void {
    void this.#dashboard?.load();
  }

  openStatement(id: string, search?: StatementFilters): void {
    if (this.#session && this.allows('statements'))
      this.#route = search ? { name: 'statement', id, search } : { name: 'statement', id };
  }

  /** Statement search, with the filters it shows (none: every statement). */
  openStatements(filters: StatementFilters = {}): void {
    if (this.#session && this.allows('statements')) this.#route = { name: 'statements', filters };
  }

  /**
   * Back from settings, a statement or the security center: to settings when security was opened
   * from there, else to the dashboard (or sign-in when signed out).
   */
  back(): void {
    const route = this.#route;
    if (this.#session && route.name === 'security' && route.from === 'settings') {
      this.#route = { name: 'settings', from: 'dashboard' };
      return;
    }
    if (this.#session && route.name === 'autopay' && route.from === 'payments') {
      this.#route = { name: 'payments' };
      return;
    }
    if (this.#session && route.name === 'payment-history' && route.from === 'payments') {
      this.#route = { name: 'payments' };
      return;
    }
    if (this.#session && route.name === 'statement' && route.search) {
      this.#route = { name: 'statements', filters: route.search };
      return;
    }
    this.#route = this.#session ? { name: 'dashboard' } : { name: 'sign-in' };
  }

  async reloadSettings(): Promise<Result<SettingsView>> {
    const result = await settle(() => airtime().settings.get());
    if (result.ok) this.#settings = result.value;
    return result;
  }

  /**
   * Changes settings. Language, theme and the phone toggle apply at once (so switching
   * language re-renders immediately) and roll back if main refuses the change.
   */
  async updateSettings(patch: SettingsPatch): Promise<Result<SettingsView>> {
    const before = this.#settings;
    if (before) {
      const { apiBaseUrl: _address, ...immediate } = patch;
      this.#settings = { ...before, ...immediate };
    }
    const result = await settle(() => airtime().settings.set(patch));
    if (result.ok) this.#settings = result.value;
    else if (before) this.#settings = before;
    return result;
  }

  /** Signs out and forgets the saved session and phone number, then shows sign-in. */
  async forgetDevice(): Promise<Result<null>> {
    const result = await settle(() => airtime().settings.forgetDevice());
    if (result.ok) {
      await this.reloadSettings();
      this.#leave('device_forgotten');
    }
    return result;
  }

  /** Refill and pay (and its history) is offered when either of its halves is. */
  #canPay(): boolean {
    return this.allows('refill') || this.allows('pay');
  }

  #leave(notice: Notice): void {
    this.#session = null;
    this.#dashboard = null;
    this.#notice = notice;
    this.#route = { name: 'sign-in' };
  }

  #onDataError(error: ApiError): void {
    if (isSessionEnded(error.code)) this.sessionExpired();
  }
}

const KEY = Symbol('app');

export function setApp(app: AppState): AppState {
  return setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() needs setApp() in an ancestor component.');
  return app;
}
