import type { SignInResponse } from '../../../contract/http/auth';
import type { SessionInfo } from '../../../contract/ipc';
import { AppError, isAppError, refusesCredential } from '../../errors';
import type { TimerHandle } from '../clock';
import {
  type ActiveSession,
  deleteEntry,
  isRejectedRefresh,
  notSignedIn,
  SESSION_MESSAGES,
  type SessionDeps,
} from './shared';

/** An access token this close to expiry is refreshed before use rather than sent. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * Keeps the session once it is open: the access token lives only in this object's memory, and
 * is refreshed ahead of expiry on a timer and once on a 401, single-flight; refresh tokens
 * rotate on every use, so each new one replaces the vault's copy.
 */
export class SessionKeeper {
  readonly #deps: SessionDeps;
  readonly #leadMs: number;
  readonly #retryMs: number;
  #session: ActiveSession | null = null;
  /** Bumped whenever the session is replaced or cleared: late results of older work are dropped. */
  #generation = 0;
  #timer: TimerHandle | null = null;
  #refreshing: Promise<ActiveSession> | null = null;
  #disposed = false;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#leadMs = deps.refreshLeadMs ?? 60_000;
    this.#retryMs = deps.refreshRetryMs ?? 30_000;
  }

  /** The open session, or `null` when signed out. */
  get current(): ActiveSession | null {
    return this.#session;
  }

  /** Changes whenever the session is replaced or cleared. */
  get generation(): number {
    return this.#generation;
  }

  /** The current session as the renderer may see it, or `null` when signed out. */
  info(): SessionInfo | null {
    const s = this.#session;
    return s ? { subscriber: { ...s.subscriber }, persisted: s.persisted } : null;
  }

  /** Settles once a refresh in flight has finished (or seen it is stale); never rejects. */
  refreshSettled(): Promise<unknown> | undefined {
    return this.#refreshing?.catch(() => undefined);
  }

  /** Stops the refresh timer without signing out (app quit). */
  dispose(): void {
    this.#disposed = true;
    this.#cancelTimer();
  }

  /**
   * Runs an account API call with the current access token: refreshed first when about to
   * expire, and refreshed and retried once when the API answers 401. For services that call
   * bearer routes (security center); they never see the refresh token.
   */
  async withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    let session = this.#session;
    if (!session) throw notSignedIn();
    const generation = this.#generation;
    if (session.expiresAt - this.#deps.clock.now() <= EXPIRY_MARGIN_MS)
      session = await this.#refresh();
    let result: T;
    try {
      result = await call(session.accessToken);
    } catch (error) {
      if (!isAppError(error) || !refusesCredential(error.code)) throw error;
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
      response = await api.call('auth.refresh', {
        body: { refreshToken: session.refreshToken },
      });
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
        await deleteEntry(this.#deps, next.account);
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
    this.clear();
    if (session.persisted) await deleteEntry(this.#deps, session.account);
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

  /** Opens the session a sign-in or a resumed saved sign-in answered with. */
  start(response: SignInResponse, account: string, persisted: boolean): void {
    this.clear();
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

  /** Forgets the session here (nothing else) and drops the late results of work begun for it. */
  clear(): void {
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
}
