import { solveCaptcha } from './captcha-solver';
import type { DeviceInfo, SignInResponse, SubscriberProfile } from '../../contract/http/auth';
import { RefreshToken } from '../../contract/http/auth';
import type {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../contract/http/account';
import type { UsageInsights } from '../../contract/http/insights';
import type {
  PushEvent,
  PushPayload,
  ResumeResult,
  SessionInfo,
  SignInOutcome,
} from '../../contract/ipc';
import { E164Phone } from '../../contract/phone';
import type { Settings } from '../../contract/settings';
import { AppError, endsSession, isAppError, refusesCredential } from '../errors';
import type { CallInput, ApiCaller } from './api-client';
import type { Clock, TimerHandle, Timers } from './clock';
import { DEVICE_COOKIE, PhoneSecrets, REMEMBERED_DEVICE } from './device';
import type { Log } from './logger';
import { SecondStep, secondFactorOutcome, secondStepOver } from './second-factor';
import type { CredentialVault, VaultEntry } from './vault';

/** What `POST /v1/auth/sign-in` takes, as the contract declares it. */
type SignInBody = CallInput<'auth.signIn'>['body'];

/** Sends a push event to the renderer. */
export type PushEmitter = <E extends PushEvent>(event: E, payload: PushPayload<E>) => void;

/** What the session needs of the settings. */
export interface SessionSettings {
  get(): Settings;
  setLastPhone(phone: string | null): void;
  reset(): void;
}

export interface SessionDeps {
  api: ApiCaller;
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
  /** This computer as sign-ins describe it to the API (see main/services/device.ts). */
  device: () => DeviceInfo;
  /**
   * False where "remember this computer" must not be offered even with a keychain (a shared
   * kiosk). Read at every sign-in. Default: allowed.
   */
  allowRememberDevice?: () => boolean;
  /**
   * False where the API's device cookie must be neither kept nor sent even with a keychain (a
   * shared kiosk: one customer's cookie must not vouch for the next). Read at every sign-in.
   * Default: allowed.
   */
  allowDeviceCookie?: () => boolean;
}

export interface SignInParams {
  /** E.164 (the IPC schema has already normalised what was typed). */
  phone: string;
  password: string;
  keepSignedIn: boolean;
}

export interface SecondFactorParams {
  code: string;
  rememberDevice: boolean;
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

/** Second-step answers after which the challenge cannot be used again. */
function challengeEnded(error: unknown): error is AppError {
  return isAppError(error) && (refusesCredential(error.code) || error.code === 'account_locked');
}
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
  return isAppError(error) && endsSession(error.code);
}

/**
 * The signed-in session: the access token lives only in this object's memory; the refresh token
 * too, plus the vault when the person chose "keep me signed in" and a keychain exists (never a
 * file). Refreshes ahead of expiry on a timer and once on a 401, single-flight; refresh tokens
 * rotate on every use, so each new one replaces the vault's copy.
 *
 * Signing in to a 2-step account takes two calls: the password answers with what code to ask
 * for, and {@link completeSecondFactor} finishes it. The API's challenge stays in here.
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
  readonly #secondStep = new SecondStep();
  readonly #devices: PhoneSecrets;
  readonly #cookies: PhoneSecrets;
  #disposed = false;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#leadMs = deps.refreshLeadMs ?? 60_000;
    this.#retryMs = deps.refreshRetryMs ?? 30_000;
    this.#devices = new PhoneSecrets(deps.vault, deps.log, REMEMBERED_DEVICE);
    this.#cookies = new PhoneSecrets(deps.vault, deps.log, DEVICE_COOKIE);
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

  /** "Remember this computer" needs somewhere safe to keep the token, and a non-kiosk app. */
  get canRememberDevice(): boolean {
    return this.#devices.available && (this.#deps.allowRememberDevice?.() ?? true);
  }

  /** Device cookies are kept where there is a keychain, outside a kiosk. */
  get #keepsDeviceCookies(): boolean {
    return this.#cookies.available && (this.#deps.allowDeviceCookie?.() ?? true);
  }

  /**
   * Signs in with the password. With `keepSignedIn` and a keychain, the refresh token goes to the
   * vault under the E.164 phone; without a keychain it is kept in memory only (`persisted:
   * false`). A 2-step account answers `second-factor` instead (unless this computer is
   * remembered for it), and {@link completeSecondFactor} finishes the sign-in.
   *
   * The device cookie of the last sign-in to this phone goes along, so guesses at the number
   * from elsewhere do not lock this computer out; the one the API answers with replaces it
   * (see {@link #establish}).
   */
  async signIn(params: SignInParams): Promise<SignInOutcome> {
    const { clock } = this.#deps;
    // A new password step replaces a second step left open.
    this.#secondStep.clear();
    const deviceToken = this.canRememberDevice ? await this.#devices.get(params.phone) : undefined;
    const deviceCookie = this.#keepsDeviceCookies
      ? await this.#cookies.get(params.phone)
      : undefined;
    let response: SignInResponse;
    try {
      response = await this.#signInSolvingCaptcha({
        phone: params.phone,
        password: params.password,
        device: this.#deps.device(),
        deviceToken,
        deviceCookie,
      });
    } catch (error) {
      const pending = this.#secondStep.begin(error, params, clock.now());
      if (!pending) throw error;
      // The server asked again despite the token: it no longer remembers this computer.
      if (deviceToken) await this.#devices.forget(params.phone);
      return secondFactorOutcome(pending, clock.now(), this.canRememberDevice);
    }
    return { status: 'signed-in', session: await this.#establish(response, params.keepSignedIn) };
  }

  /**
   * Finishes a 2-step sign-in with the code. A wrong code passes through (`invalid_code` with
   * `attemptsLeft`) and the step stays open; a used, expired or locked-out challenge closes it.
   * With `rememberDevice` (where offered) the API's device token is kept in the vault under
   * `device:<phone>` and sent with this phone's next sign-ins.
   */
  async completeSecondFactor(params: SecondFactorParams): Promise<SessionInfo> {
    const { api, clock } = this.#deps;
    const pending = this.#secondStep.current(clock.now());
    const rememberDevice = params.rememberDevice && this.canRememberDevice;
    let response: SignInResponse;
    try {
      response = await api.call('auth.secondFactor', {
        body: {
          challenge: pending.challenge,
          code: params.code,
          rememberDevice,
          device: this.#deps.device(),
        },
      });
    } catch (error) {
      if (!challengeEnded(error)) throw error;
      this.#secondStep.clear(pending);
      throw error.code === 'account_locked' ? error : secondStepOver();
    }
    if (!this.#secondStep.isCurrent(pending)) {
      // Cancelled or replaced by another sign-in while the code was checked: nobody wants it.
      void api
        .call('auth.signOut', { body: { refreshToken: response.refreshToken } })
        .catch(() => undefined);
      throw secondStepOver();
    }
    this.#secondStep.clear();
    if (rememberDevice && response.deviceToken) {
      await this.#devices.keep(response.subscriber.phone, response.deviceToken);
    }
    return this.#establish(response, pending.keepSignedIn);
  }

  /** Another text with the code, for an `sms` second step. */
  async resendSecondFactor(): Promise<{ destination: string; resendAfterSeconds: number }> {
    const pending = this.#secondStep.current(this.#deps.clock.now());
    try {
      const sent = await this.#deps.api.call('auth.secondFactorResend', {
        body: { challenge: pending.challenge },
      });
      return { destination: sent.destination, resendAfterSeconds: sent.resendAfterSeconds };
    } catch (error) {
      if (!challengeEnded(error)) throw error;
      this.#secondStep.clear(pending);
      throw error.code === 'account_locked' ? error : secondStepOver();
    }
  }

  /** Abandons a second step (the person went back to the password). */
  cancelSecondFactor(): void {
    this.#secondStep.clear();
  }

  /**
   * Forgets that this computer was remembered for `phone` (the server revokes remembered
   * computers when the password changes). Saved sign-ins are not touched, nor is the device
   * cookie: it vouches for this computer, not for the old password.
   */
  forgetRememberedDevice(phone: string): Promise<void> {
    return this.#devices.forget(phone);
  }

  /**
   * Starts the session a successful sign-in answered with, replacing any current one. Its device
   * cookie is kept whatever `keepSignedIn` says, and stays after signing out: alone it signs
   * nobody in (it only counts with the right password), and it is what lets the subscriber back
   * in here while someone elsewhere guesses at the number. "Forget this computer" removes it.
   */
  async #establish(response: SignInResponse, keepSignedIn: boolean): Promise<SessionInfo> {
    const { vault, log } = this.#deps;
    if (this.#session) await this.signOut();
    const account = response.subscriber.phone;
    if (response.deviceCookie && this.#keepsDeviceCookies) {
      await this.#cookies.keep(account, response.deviceCookie);
    }
    let persisted = false;
    if (vault && keepSignedIn) {
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
  async #signInSolvingCaptcha(body: SignInBody) {
    const { api } = this.#deps;
    try {
      return await api.call('auth.signIn', { body });
    } catch (error) {
      const challenge = error instanceof AppError ? error.extra.captcha : undefined;
      if (!challenge || (error as AppError).code !== 'captcha_required') throw error;
      return api.call('auth.signIn', { body: { ...body, captcha: await solveCaptcha(challenge) } });
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
    // Saved sign-ins are the bare E.164 entries; `device:` and `device-cookie:` ones are not.
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
      response = await api.call('auth.refresh', { body: { refreshToken: entry.secret } });
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
      void api
        .call('auth.signOut', { body: { refreshToken: response.refreshToken } })
        .catch(() => undefined);
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
    this.#secondStep.clear();
    this.#clear();
    // A refresh in flight must finish (or see it is stale) before the vault entry goes.
    await this.#refreshing?.catch(() => undefined);
    const account = session?.account ?? pending?.entry.account;
    const token = session?.refreshToken ?? pending?.entry.secret;
    if (account && (session?.persisted || pending)) await this.#deleteEntry(account);
    if (token) {
      try {
        await this.#deps.api.call('auth.signOut', { body: { refreshToken: token } });
      } catch (error) {
        this.#deps.log.info(
          { err: error },
          'session: could not revoke on the server; signed out locally',
        );
      }
    }
  }

  /**
   * Deletes every saved sign-in of this app from the vault without contacting any server, and
   * with them the remembered-computer tokens (`device:<phone>`) and device cookies
   * (`device-cookie:<phone>`): all belong to the server that issued them. Resolves false when
   * the keychain could not be cleaned.
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

  /**
   * Signs out, removes every vault entry of the app (remembered computers and device cookies
   * included), resets the settings (which gives the installation a new device id).
   */
  async forgetDevice(): Promise<void> {
    await this.signOut();
    const cleaned = await this.dropSavedSignIns();
    this.#deps.settings.reset();
    if (!cleaned) throw new AppError('keychain_unavailable', SESSION_MESSAGES.keychainCleanup);
  }

  /** Account calls with the current access token (refreshed and retried once on a 401). */
  readonly account = {
    summary: (): Promise<AccountSummary> =>
      this.withAccess((t) => this.#deps.api.call('account.summary', { accessToken: t })),
    plan: (): Promise<Plan> =>
      this.withAccess((t) => this.#deps.api.call('account.plan', { accessToken: t })),
    usage: (cycle?: string): Promise<UsageResponse> =>
      this.withAccess((t) =>
        this.#deps.api.call('account.usage', {
          accessToken: t,
          ...(cycle !== undefined ? { query: { cycle } } : {}),
        }),
      ),
    insights: (): Promise<UsageInsights> =>
      this.withAccess((t) => this.#deps.api.call('account.insights', { accessToken: t })),
    statements: (query?: CallInput<'account.statements'>['query']): Promise<StatementList> =>
      this.withAccess((t) =>
        this.#deps.api.call('account.statements', {
          accessToken: t,
          ...(query !== undefined ? { query } : {}),
        }),
      ),
    statement: (id: string): Promise<StatementDetail> =>
      this.withAccess((t) =>
        this.#deps.api.call('account.statement', { accessToken: t, params: { id } }),
      ),
    payments: (page?: CallInput<'account.payments'>['query']): Promise<PaymentList> =>
      this.withAccess((t) =>
        this.#deps.api.call('account.payments', {
          accessToken: t,
          ...(page !== undefined ? { query: page } : {}),
        }),
      ),
  };

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
