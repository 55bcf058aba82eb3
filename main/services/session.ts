import type {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../contract/http/account';
import type { UsageInsights } from '../../contract/http/insights';
import type { ResumeResult, SessionInfo, SignInOutcome } from '../../contract/ipc';
import { AppError } from '../errors';
import type { CallInput } from './api-client';
import { SessionKeeper } from './session/keeper';
import { SavedSignIns } from './session/saved-sign-ins';
import {
  deleteEntry,
  SESSION_MESSAGES,
  type SecondFactorParams,
  type SessionDeps,
  type SignInParams,
} from './session/shared';
import { SignIn } from './session/sign-in';

export {
  SESSION_MESSAGES,
  type PushEmitter,
  type SecondFactorParams,
  type SessionDeps,
  type SessionSettings,
  type SignInParams,
} from './session/shared';

/**
 * The signed-in session: the access token lives only in this object's memory; the refresh token
 * too, plus the vault when the person chose "keep me signed in" and a keychain exists (never a
 * file). Refreshes ahead of expiry on a timer and once on a 401, single-flight; refresh tokens
 * rotate on every use, so each new one replaces the vault's copy.
 *
 * Signing in to a 2-step account takes two calls: the password answers with what code to ask
 * for, and {@link completeSecondFactor} finishes it. The API's challenge stays in here.
 *
 * Each job is its own module under `session/`: signing in ({@link SignIn}), keeping the session
 * ({@link SessionKeeper}) and the saved sign-ins ({@link SavedSignIns}); signing out, which ends
 * all three, is here.
 */
export class SessionService {
  readonly #deps: SessionDeps;
  readonly #keeper: SessionKeeper;
  readonly #saved: SavedSignIns;
  readonly #signIn: SignIn;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#keeper = new SessionKeeper(deps);
    this.#saved = new SavedSignIns(deps, this.#keeper);
    this.#signIn = new SignIn(deps, {
      keeper: this.#keeper,
      signOut: () => this.signOut(),
      forgetPendingResume: () => this.#saved.forgetPending(),
    });
  }

  /** The current session as the renderer may see it, or `null` when signed out. */
  info(): SessionInfo | null {
    return this.#keeper.info();
  }

  isSignedIn(): boolean {
    return this.#keeper.current !== null;
  }

  /** True when a keychain is available to keep sessions between launches. */
  get keychainAvailable(): boolean {
    return this.#deps.vault !== null;
  }

  /** "Remember this computer" needs somewhere safe to keep the token, and a non-kiosk app. */
  get canRememberDevice(): boolean {
    return this.#signIn.canRememberDevice;
  }

  /** Signs in with the password: see {@link SignIn.signIn}. */
  signIn(params: SignInParams): Promise<SignInOutcome> {
    return this.#signIn.signIn(params);
  }

  /** Finishes a 2-step sign-in with the code: see {@link SignIn.completeSecondFactor}. */
  completeSecondFactor(params: SecondFactorParams): Promise<SessionInfo> {
    return this.#signIn.completeSecondFactor(params);
  }

  /** Another text with the code, for an `sms` second step. */
  resendSecondFactor(): Promise<{ destination: string; resendAfterSeconds: number }> {
    return this.#signIn.resendSecondFactor();
  }

  /** Abandons a second step (the person went back to the password). */
  cancelSecondFactor(): void {
    this.#signIn.cancelSecondFactor();
  }

  /**
   * Forgets that this computer was remembered for `phone`: see
   * {@link SignIn.forgetRememberedDevice}.
   */
  forgetRememberedDevice(phone: string): Promise<void> {
    return this.#signIn.forgetRememberedDevice(phone);
  }

  /** On launch: continues a saved session; see {@link SavedSignIns.resume}. */
  resume(): Promise<ResumeResult> {
    return this.#saved.resume();
  }

  /**
   * Signs out: forgets the session at once, deletes its vault entry, then asks the server to
   * revoke it (best effort: offline, the person is still signed out here).
   */
  async signOut(): Promise<void> {
    const session = this.#keeper.current;
    const pending = this.#saved.takePending();
    this.#signIn.cancelSecondFactor();
    this.#keeper.clear();
    // A refresh in flight must finish (or see it is stale) before the vault entry goes.
    await this.#keeper.refreshSettled();
    const account = session?.account ?? pending?.entry.account;
    const token = session?.refreshToken ?? pending?.entry.secret;
    if (account && (session?.persisted || pending)) await deleteEntry(this.#deps, account);
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
   * Deletes every saved sign-in of this app from the vault without contacting any server, with
   * the remembered computers and device cookies: see {@link SavedSignIns.dropAll}. Resolves
   * false when the keychain could not be cleaned.
   */
  dropSavedSignIns(): Promise<boolean> {
    return this.#saved.dropAll();
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
    this.#keeper.dispose();
  }

  /**
   * Runs an account API call with the current access token, refreshed when needed: see
   * {@link SessionKeeper.withAccess}. For services that call bearer routes (security center);
   * they never see the refresh token.
   */
  withAccess<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    return this.#keeper.withAccess(call);
  }
}
