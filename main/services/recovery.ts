import type { ResetChannel } from '../../contract/http/recovery';
import type { RecoveryStartResult, RecoveryVerifyResult, SignInOutcome } from '../../contract/ipc';
import { AppError, isAppError } from '../errors';
import type { ApiCaller } from './api-client';
import { solveCaptcha } from './captcha-solver';
import type { Clock } from './clock';
import type { Log } from './logger';
import type { SignInParams } from './session';

export interface RecoveryDeps {
  api: ApiCaller;
  /** The sign-in the new password is used for: the same path as `auth:sign-in`. */
  session: {
    signIn(params: SignInParams): Promise<SignInOutcome>;
    forgetRememberedDevice(phone: string): Promise<void>;
  };
  clock: Clock;
  log: Log;
}

/** A reset in progress: the phone it is for and, once the code is proven, the ticket. */
interface RecoveryFlow {
  /** E.164. */
  phone: string;
  channel: ResetChannel;
  ticket: { value: string; expiresAt: number } | null;
}

export const RECOVERY_MESSAGES = {
  notStarted: 'Start again: enter your phone number to get a new code.',
  ticketExpired:
    'This password reset took too long. Start again: enter your phone number to get a new code.',
} as const;

const notStarted = () => new AppError('invalid_request', RECOVERY_MESSAGES.notStarted);
/** Answers after which the code or ticket can no longer be used: the flow starts over. */
const TICKET_ENDED = new Set(['reset_ticket_invalid']);
const CAPTCHA_REFUSED = new Set(['captcha_required', 'captcha_invalid']);

/**
 * "Forgot password": a code by text or e-mail, then a new password, then a sign-in with it. The
 * phone and the reset ticket stay in the main process between the steps; the renderer only
 * learns where the code went and how long each step lasts.
 */
export class RecoveryService {
  readonly #deps: RecoveryDeps;
  #flow: RecoveryFlow | null = null;

  constructor(deps: RecoveryDeps) {
    this.#deps = deps;
  }

  /** The phone being reset, for the password meter; null when no reset is in progress. */
  get phone(): string | null {
    return this.#flow?.phone ?? null;
  }

  /**
   * Sends a code. Every start needs a solved proof of work, fetched and solved here; asking
   * again for the same phone (resend) starts over, dropping a ticket already obtained.
   */
  async start(params: { phone: string; channel: ResetChannel }): Promise<RecoveryStartResult> {
    const { api } = this.#deps;
    const send = (captcha: string) =>
      api.call('auth.resetStart', {
        body: { phone: params.phone, channel: params.channel, captcha },
      });
    let sent;
    try {
      sent = await send(await solveCaptcha(await api.call('auth.captchaChallenge')));
    } catch (error) {
      // The challenge can run out while it is solved on a slow computer; the answer brings a fresh one.
      const fresh = isAppError(error) && CAPTCHA_REFUSED.has(error.code) && error.extra.captcha;
      if (!fresh) throw error;
      sent = await send(await solveCaptcha(fresh));
    }
    this.#flow = { phone: params.phone, channel: params.channel, ticket: null };
    return {
      channel: sent.channel,
      resendAfterSeconds: sent.resendAfterSeconds,
      codeExpiresIn: sent.codeExpiresIn,
    };
  }

  /** Proves the code; the ticket it earns is kept here for {@link complete}. */
  async verify(params: { code: string }): Promise<RecoveryVerifyResult> {
    const flow = this.#flow;
    if (!flow) throw notStarted();
    const verified = await this.#deps.api.call('auth.resetVerify', {
      body: { phone: flow.phone, code: params.code },
    });
    if (this.#flow !== flow) throw notStarted();
    flow.ticket = {
      value: verified.ticket,
      expiresAt: this.#deps.clock.now() + verified.expiresIn * 1000,
    };
    return {
      channel: verified.channel,
      destination: verified.destination,
      expiresIn: verified.expiresIn,
    };
  }

  /**
   * Sets the new password, then signs in with it exactly as `auth:sign-in` does (so a 2-step
   * account answers with its second step). A refused password (`weak_password`) leaves the
   * flow open to try another.
   */
  async complete(params: { newPassword: string; keepSignedIn: boolean }): Promise<SignInOutcome> {
    const { api, clock, session, log } = this.#deps;
    const flow = this.#flow;
    if (!flow?.ticket) throw notStarted();
    if (clock.now() >= flow.ticket.expiresAt) {
      this.#flow = null;
      throw new AppError('reset_ticket_invalid', RECOVERY_MESSAGES.ticketExpired);
    }
    try {
      await api.call('auth.resetComplete', {
        body: { ticket: flow.ticket.value, newPassword: params.newPassword },
      });
    } catch (error) {
      if (isAppError(error) && TICKET_ENDED.has(error.code) && this.#flow === flow) {
        this.#flow = null;
      }
      throw error;
    }
    if (this.#flow === flow) this.#flow = null;
    log.info({}, 'recovery: the password was reset; signing in with the new one');
    // A reset ends what the old password allowed, remembered computers included.
    await session.forgetRememberedDevice(flow.phone);
    return session.signIn({
      phone: flow.phone,
      password: params.newPassword,
      keepSignedIn: params.keepSignedIn,
    });
  }

  cancel(): void {
    this.#flow = null;
  }
}
