import { solveCaptcha } from './captcha-solver';
import type { SignInResponse, SubscriberProfile } from '../../contract/http/auth';
import { RefreshToken } from '../../contract/http/auth';
import type {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../contract/http/account';
import type { PushEvent, PushPayload, ResumeResult, SessionInfo } from '../../contract/ipc';
import { E164Phone } from '../../contract/phone';
import type { Settings } from '../../contract/settings';
import { AppError, isAppError } from '../errors';
import type { ApiClient, PageParams } from './api-client';
import type { Clock, TimerHandle, Timers } from './clock';
import type { Log } from './logger';
import type { CredentialVault, VaultEntry } from './vault';

/** Sends a push event to the renderer. */
export type PushEmitter = <E extends PushEvent>(event: E, payload: PushPayload<E>) => void;

/** What the session needs of the settings. */
export interface SessionSettings {
  get(): Settings;
  setLastPhone(phone: string | null): void;
  reset(): void;
}

export interface SessionDeps {
  api: Omit<ApiClient, 'ping'>;
  /** `null`: this machine has no usable keychain, so nothing is kept between launches. */
  vault: CredentialVault | null;
  settings: SessionSettings;
  clock: Clock;
  timers: Timers;
  emit: PushEmitter;
  log: Log;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshLeadMs?: number;
  /** After a background refresh fails for a reason other than rejection, try again this much later. Default 30 s. */
  refreshRetryMs?: number;
}

export interface SignInParams {
  /** E.164 (the IPC schema has already normalised what was typed). */
  phone: string;
  password: string;
  keepSignedIn: boolean;
}

interface ActiveSession {
  subscriber: SubscriberProfile;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, by the injected clock. */
  expiresAt: number;
  /** The refresh token is in the vault under `account`. */
  persisted: boolean;
  account: string;
}

/** A saved sign-in that could not be resumed because the service was unreachable. */
interface PendingResume {
  entry: VaultEntry;
}

const REJECTED_REFRESH = new Set(['invalid_refresh_token', 'refresh_token_reused']);
const ACCESS_REJECTED = new Set(['unauthorized', 'token_expired']);
/** An access token this close to expiry is refreshed before use rather than sent. */
const EXPIRY_MARGIN_MS = 5_000;

export const SESSION_MESSAGES = {
  notSignedIn: 'Sign in to continue.',
  expired: 'Your session has ended. Please sign in again.',
  reused:
    'This sign-in was used from somewhere else, so it was ended to protect your account. Please sign in again.',
  savedExpired: 'Your saved sign-in has ended. Please sign in again.',
  keychainCleanup:
    'Airtime signed you out and reset its settings, but could not remove the saved sign-ins from the system keychain.',
} as const;

const notSignedIn = () => new AppError('not_signed_in', SESSION_MESSAGES.notSignedIn);

function isRejectedRefresh(error: unknown): error is AppError {
  return isAppError(error) && REJECTED_REFRESH.has(error.code);
}

/**
 * The signed-in session: the access token lives only in this object's memory; the refresh token
 * too, plus the vault when the person chose "keep me signed in" and a keychain exists (never a
 * file). Refreshes ahead of expiry on a timer and once on a 401, single-flight; refresh tokens
 * rotate on every use, so each new one replaces the vault's copy.
 */
export class SessionService {
  readonly #deps: SessionDeps;
  readonly #leadMs: number;
  readonly #retryMs: number;
  #session: ActiveSession | null = null;
  /** Bumped whenever the session is replaced or cleared: late results of older work are dropped. */
  #generation = 0;
  #timer: TimerHandle | null = null;
  #refreshing: Promise<ActiveSession> | null = null;
  #resuming: Promise<ResumeResult> | null = null;
  #pending: PendingResume | null = null;
  #disposed = false;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#leadMs = deps.refreshLeadMs ?? 60_000;
    this.#retryMs = deps.refreshRetryMs ?? 30_000;
  }

  /** The current session as the renderer may see it, or `null` when signed out. */
  info(): SessionInfo | null {
    const s = this.#session;
    return s ? { subscriber: { ...s.subscriber }, persisted: s.persisted } : null;
  }

  isSignedIn(): boolean {
    return this.#session !== null;
  }

  /** True when a keychain is available to keep sessions between launches. */
  get keychainAvailable(): boolean {
    return this.#deps.vault !== null;
  }

  /**
   * Signs in. With `keepSignedIn` and a keychain, the refresh token goes to the vault under the
   * E.164 phone; without a keychain it is kept in memory only (`persisted: false`).
   */
  async signIn(params: SignInParams): Promise<SessionInfo> {
    const { vault, log } = this.#deps;
    const response = await this.#signInSolvingCaptcha(params);
    if (this.#session) await this.signOut();
    const account = response.subscriber.phone;
    let persisted = false;
    if (vault && params.keepSignedIn) {
      try {
        await vault.set(account, response.refreshToken);
        persisted = true;
      } catch (error) {
        log.warn(
          { err: error },
          'session: the keychain refused the token; staying signed in for this run only',
        );
      }
    } else if (vault) {
      // A token saved earlier for this number is from an older session the person no longer wants kept.
      await this.#deleteEntry(account);
    }
    this.#pending = null;
    this.#start(response, account, persisted);
    return this.info()!;
  }

  /**
   * When the API asks for a proof of work first (after repeated failures), solves the challenge
   * it sent and tries once more with the solution.
   */
  async #signInSolvingCaptcha(params: SignInParams) {
    const { api } = this.#deps;
    const credentials = { phone: params.phone, password: params.password };
    try {
      return await api.signIn(credentials);
    } catch (error) {
      const challenge = error instanceof AppError ? error.extra.captcha : undefined;
      if (!challenge || (error as AppError).code !== 'captcha_required') throw error;
      return api.signIn({ ...credentials, captcha: await solveCaptcha(challenge) });
    }
  }

  /**
   * On launch: continues a saved session (preferring the last phone's entry). A rejected saved
   * token is deleted and the result says why; a network failure throws (the renderer offers
   * Retry) and keeps the entry.
   */
  resume(): Promise<ResumeResult> {
    this.#resuming ??= this.#resume().finally(() => {
      this.#resuming = null;
    });
    return this.#resuming;
  }

  async #resume(): Promise<ResumeResult> {
    const { vault, api, log } = this.#deps;
    const current = this.info();
    if (current) return { status: 'signed-in', session: current };
    if (!vault) return { status: 'signed-out', notice: 'none' };
    let entries: VaultEntry[];
    try {
      entries = await vault.list();
    } catch (error) {
      log.warn({ err: error }, 'session: the keychain could not be read; starting signed out');
      return { status: 'signed-out', notice: 'none' };
    }
    const candidates = entries.filter((e) => E164Phone.safeParse(e.account).success);
    const lastPhone = this.#deps.settings.get().lastPhone;
    const entry = candidates.find((e) => e.account === lastPhone) ?? candidates[0];
    if (!entry) return { status: 'signed-out', notice: 'none' };
    const expired: ResumeResult = {
      status: 'signed-out',
      notice: 'session_expired',
      message: SESSION_MESSAGES.savedExpired,
    };
    if (!RefreshToken.safeParse(entry.secret).success) {
      await this.#deleteEntry(entry.account);
      return expired;
    }
    const generation = this.#generation;
    let response: SignInResponse;
    try {
      response = await api.refresh(entry.secret);
    } catch (error) {
      if (isRejectedRefresh(error)) {
        this.#pending = null;
        await this.#deleteEntry(entry.account);
        return expired;
      }
      this.#pending = { entry };
      throw error;
    }
    this.#pending = null;
    if (generation !== this.#generation || this.#session) {
      // Signed in or out while this was in flight: that wins, and this family is ended.
      void api.signOut(response.refreshToken).catch(() => undefined);
      if (this.#session?.account !== entry.account) await this.#deleteEntry(entry.account);
      const info = this.info();
      return info
        ? { status: 'signed-in', session: info }
        : { status: 'signed-out', notice: 'none' };
    }
    const account = response.subscriber.phone;
    let persisted = true;
    try {
      await vault.set(account, response.refreshToken);
    } catch (error) {
      persisted = false;
      log.warn(
        { err: error },
        'session: could not save the rotated token; this session will not be kept',
      );
    }
    // The old entry now holds a used token (or another number's key): it must not be presented again.
    if (!persisted || account !== entry.account) await this.#deleteEntry(entry.account);
    this.#start(response, account, persisted);
    return { status: 'signed-in', session: this.info()! };
  }

  /**
   * Signs out: forgets the session at once, deletes its vault entry, then asks the server to
   * revoke it (best effort: offline, the person is still signed out here).
   */
  async signOut(): Promise<void> {
    const session = this.#session;
    const pending = this.#pending;
    this.#pending = null;
    this.#clear();
    // A refresh in flight must finish (or see it is stale) before the vault entry goes.
    await this.#refreshing?.catch(() => undefined);
    const account = session?.account ?? pending?.entry.account;
    const token = session?.refreshToken ?? pending?.entry.secret;
    if (account && (session?.persisted || pending)) await this.#deleteEntry(account);
    if (token) {
      try {
        await this.#deps.api.signOut(token);
      } catch (error) {
        this.#deps.log.info(
          { err: error },
          'session: could not revoke on the server; signed out locally',
        );
      }
    }
  }

  /**
   * Deletes every saved sign-in of this app from the vault without contacting any server.
   * Resolves false when the keychain could not be cleaned.
   */
  async dropSavedSignIns(): Promise<boolean> {
    const { vault, log } = this.#deps;
    if (!vault) return true;
    this.#pending = null;
    try {
      for (const entry of await vault.list()) await vault.delete(entry.account);
      return true;
    } catch (error) {
      log.error({ err: error }, 'session: could not remove saved sign-ins from the keychain');
      return false;
    }
  }

  /** Signs out, removes every vault entry of the app, resets the settings. */
  async forgetDevice(): Promise<void> {
    await this.signOut();
    const cleaned = await this.dropSavedSignIns();
    this.#deps.settings.reset();
    if (!cleaned) throw new AppError('keychain_unavailable', SESSION_MESSAGES.keychainCleanup);
  }

  /** Account calls with the current access token (refreshed and retried once on a 401). */
  readonly account = {
    summary: (): Promise<AccountSummary> => this.#withAccess((t) => this.#deps.api.summary(t)),
    plan: (): Promise<Plan> => this.#withAccess((t) => this.#deps.api.plan(t)),
    usage: (cycle?: string): Promise<UsageResponse> =>
      this.#withAccess((t) => this.#deps.api.usage(t, cycle)),
    statements: (page?: PageParams): Promise<StatementList> =>
      this.#withAccess((t) => this.#deps.api.statements(t, page)),
    statement: (id: string): Promise<StatementDetail> =>
      this.#withAccess((t) => this.#deps.api.statement(t, id)),
    payments: (page?: PageParams): Promise<PaymentList> =>
      this.#withAccess((t) => this.#deps.api.payments(t, page)),
  };

  /** Stops the refresh timer without signing out (app quit). */
  dispose(): void {
    this.#disposed = true;
    this.#cancelTimer();
  }

  async #withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    let session = this.#session;
    if (!session) throw notSignedIn();
    const generation = this.#generation;
    if (session.expiresAt - this.#deps.clock.now() <= EXPIRY_MARGIN_MS)
      session = await this.#refresh();
    let result: T;
    try {
      result = await call(session.accessToken);
    } catch (error) {
      if (!isAppError(error) || !ACCESS_REJECTED.has(error.code)) throw error;
      const current = this.#session;
      if (!current || this.#generation !== generation) throw notSignedIn();
      // Another call may already have refreshed: then the new token is simply used.
      const fresh = current.accessToken !== session.accessToken ? current : await this.#refresh();
      result = await call(fresh.accessToken);
    }
    // Data that arrives after sign-out belongs to nobody on screen any more.
    if (this.#generation !== generation) throw notSignedIn();
    return result;
  }

  #refresh(): Promise<ActiveSession> {
    this.#refreshing ??= this.#doRefresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #doRefresh(): Promise<ActiveSession> {
    const { api, vault, log } = this.#deps;
    const session = this.#session;
    if (!session) throw notSignedIn();
    const generation = this.#generation;
    let response: SignInResponse;
    try {
      response = await api.refresh(session.refreshToken);
    } catch (error) {
      if (generation !== this.#generation) throw notSignedIn();
      if (isRejectedRefresh(error)) throw await this.#expire(session, error);
      throw error;
    }
    if (generation !== this.#generation) throw notSignedIn();
    const next: ActiveSession = {
      ...session,
      subscriber: response.subscriber,
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      expiresAt: this.#deps.clock.now() + response.expiresIn * 1000,
    };
    this.#session = next;
    if (next.persisted && vault) {
      try {
        await vault.set(next.account, next.refreshToken);
      } catch (error) {
        // The vault now holds a used token: presenting it later would end the session as stolen.
        log.warn(
          { err: error },
          'session: could not save the rotated token; this session will not be kept',
        );
        next.persisted = false;
        await this.#deleteEntry(next.account);
      }
    }
    if (generation !== this.#generation) throw notSignedIn();
    this.#schedule(next);
    return next;
  }

  /** A rejected refresh: the session is over everywhere. Returns the error the caller gets. */
  async #expire(session: ActiveSession, error: AppError): Promise<AppError> {
    const message =
      error.code === 'refresh_token_reused' ? SESSION_MESSAGES.reused : SESSION_MESSAGES.expired;
    this.#clear();
    if (session.persisted) await this.#deleteEntry(session.account);
    this.#deps.log.info({ errorCode: error.code }, 'session: the server ended the session');
    try {
      this.#deps.emit('session:expired', { message });
    } catch (emitError) {
      this.#deps.log.error(
        { err: emitError },
        'session: could not tell the window the session ended',
      );
    }
    return new AppError('session_expired', message);
  }

  #start(response: SignInResponse, account: string, persisted: boolean): void {
    this.#clear();
    const session: ActiveSession = {
      subscriber: response.subscriber,
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      expiresAt: this.#deps.clock.now() + response.expiresIn * 1000,
      persisted,
      account,
    };
    this.#session = session;
    if (this.#deps.settings.get().rememberPhone) this.#deps.settings.setLastPhone(account);
    this.#schedule(session);
  }

  #clear(): void {
    this.#generation += 1;
    this.#session = null;
    this.#cancelTimer();
  }

  #schedule(session: ActiveSession): void {
    const lifetime = session.expiresAt - this.#deps.clock.now();
    // Short-lived tokens (under two leads) are refreshed half-way instead.
    const delay = lifetime > 2 * this.#leadMs ? lifetime - this.#leadMs : Math.max(0, lifetime / 2);
    this.#arm(delay);
  }

  #arm(delayMs: number): void {
    this.#cancelTimer();
    if (this.#disposed) return;
    const generation = this.#generation;
    this.#timer = this.#deps.timers.setTimeout(() => {
      this.#timer = null;
      if (generation !== this.#generation) return;
      this.#refresh().catch((error: unknown) => {
        if (
          !isAppError(error) ||
          error.code === 'session_expired' ||
          error.code === 'not_signed_in'
        ) {
          if (!isAppError(error))
            this.#deps.log.error({ err: error }, 'session: background refresh failed');
          return;
        }
        this.#deps.log.warn(
          { errorCode: error.code },
          'session: background refresh failed; will try again',
        );
        if (generation === this.#generation && this.#session) this.#arm(this.#retryMs);
      });
    }, delayMs);
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.#deps.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #deleteEntry(account: string): Promise<void> {
    try {
      await this.#deps.vault?.delete(account);
    } catch (error) {
      this.#deps.log.warn({ err: error }, 'session: could not delete a keychain entry');
    }
  }
}
