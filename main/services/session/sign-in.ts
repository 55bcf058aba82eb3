import type { SignInResponse } from '../../../contract/http/auth';
import type { SessionInfo, SignInOutcome } from '../../../contract/ipc';
import { AppError, isAppError, refusesCredential } from '../../errors';
import type { CallInput } from '../api-client';
import { solveCaptcha } from '../captcha-solver';
import { DEVICE_COOKIE, PhoneSecrets, REMEMBERED_DEVICE } from '../device';
import { SecondStep, secondFactorOutcome, secondStepOver } from '../second-factor';
import type { SessionKeeper } from './keeper';
import {
  deleteEntry,
  type SecondFactorParams,
  type SessionDeps,
  type SignInParams,
} from './shared';

/** What `POST /v1/auth/sign-in` takes, as the contract declares it. */
type SignInBody = CallInput<'auth.signIn'>['body'];

/** Second-step answers after which the challenge cannot be used again. */
function challengeEnded(error: unknown): error is AppError {
  return isAppError(error) && (refusesCredential(error.code) || error.code === 'account_locked');
}

/** What signing in needs of the rest of the session. */
export interface SignInHost {
  readonly keeper: SessionKeeper;
  /** Ends the current session as signing out does. */
  signOut(): Promise<void>;
  /** A new session replaces a saved sign-in still waiting to be resumed. */
  forgetPendingResume(): void;
}

/**
 * Signing in: the password step (solving the API's captcha when it asks), the device cookie and
 * the remembered computer sent with it, and the second step of a 2-step account.
 *
 * Signing in to a 2-step account takes two calls: the password answers with what code to ask
 * for, and {@link completeSecondFactor} finishes it. The API's challenge stays in here.
 */
export class SignIn {
  readonly #deps: SessionDeps;
  readonly #host: SignInHost;
  readonly #secondStep = new SecondStep();
  readonly #devices: PhoneSecrets;
  readonly #cookies: PhoneSecrets;

  constructor(deps: SessionDeps, host: SignInHost) {
    this.#deps = deps;
    this.#host = host;
    this.#devices = new PhoneSecrets(deps.vault, deps.log, REMEMBERED_DEVICE);
    this.#cookies = new PhoneSecrets(deps.vault, deps.log, DEVICE_COOKIE);
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
    const { keeper } = this.#host;
    if (keeper.current) await this.#host.signOut();
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
      await deleteEntry(this.#deps, account);
    }
    this.#host.forgetPendingResume();
    keeper.start(response, account, persisted);
    return keeper.info()!;
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
}
