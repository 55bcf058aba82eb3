import type { TwoFactorMethod } from '../../contract/http/two-factor';
import type { SignInOutcome } from '../../contract/ipc';
import { AppError } from '../errors';

/** A sign-in whose password was right and which waits for its second step. */
export interface PendingSecondFactor {
  /** E.164, as signed in with. */
  phone: string;
  keepSignedIn: boolean;
  /** The API's challenge: a credential for this sign-in, so it never leaves the main process. */
  challenge: string;
  method: TwoFactorMethod;
  destination: string | null;
  resendAfterSeconds: number;
  /** Epoch ms, by the injected clock. */
  expiresAt: number;
}

export const SECOND_FACTOR_MESSAGES = {
  over: 'This sign-in was not finished in time or can no longer be used. Please sign in again with your phone number and password.',
} as const;

/** The step is over (expired, used, cancelled, or never started): back to the password. */
export const secondStepOver = (): AppError =>
  new AppError('session_expired', SECOND_FACTOR_MESSAGES.over);

/**
 * At most one sign-in waiting for its second step. Expiry is checked by the local clock too, so
 * a code typed after the challenge ran out is refused here without a round trip.
 */
export class SecondStep {
  #pending: PendingSecondFactor | null = null;

  /**
   * Starts waiting when `error` is the API's `second_factor_required`; returns the new pending
   * step, or null for any other error.
   */
  begin(
    error: unknown,
    signIn: { phone: string; keepSignedIn: boolean },
    now: number,
  ): PendingSecondFactor | null {
    if (!(error instanceof AppError) || error.code !== 'second_factor_required') return null;
    const factor = error.extra.secondFactor;
    if (!factor) return null;
    this.#pending = {
      phone: signIn.phone,
      keepSignedIn: signIn.keepSignedIn,
      challenge: factor.challenge,
      method: factor.method,
      destination: factor.destination ?? null,
      resendAfterSeconds: factor.resendAfterSeconds ?? 0,
      expiresAt: now + factor.expiresIn * 1000,
    };
    return this.#pending;
  }

  /** The pending step; throws {@link secondStepOver} (and forgets it) when none is open. */
  current(now: number): PendingSecondFactor {
    const pending = this.#pending;
    if (!pending) throw secondStepOver();
    if (now >= pending.expiresAt) {
      this.#pending = null;
      throw secondStepOver();
    }
    return pending;
  }

  isCurrent(pending: PendingSecondFactor): boolean {
    return this.#pending === pending;
  }

  /** Forgets the pending step; with an argument, only if it is still that one. */
  clear(pending?: PendingSecondFactor): void {
    if (pending === undefined || this.#pending === pending) this.#pending = null;
  }
}

/** What the renderer learns about a pending step: which code to ask for, nothing secret. */
export function secondFactorOutcome(
  pending: PendingSecondFactor,
  now: number,
  canRememberDevice: boolean,
): SignInOutcome {
  return {
    status: 'second-factor',
    method: pending.method,
    destination: pending.method === 'sms' ? pending.destination : null,
    resendAfterSeconds: pending.method === 'sms' ? pending.resendAfterSeconds : 0,
    expiresIn: Math.max(1, Math.ceil((pending.expiresAt - now) / 1000)),
    canRememberDevice,
  };
}
