import type { ApiError, ErrorCode } from '../../../../contract/errors';
import type { SessionInfo } from '../../../../contract/ipc';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { isCompleteCode, sanitizeCode, type CodeKind } from '../../lib/codes';
import { Countdown } from '../../lib/countdown.svelte';
import {
  errorMessage,
  isRetryable,
  isSessionEnded,
  isTimedWait,
  waitMessage,
} from '../../lib/errors';
import { issueMessage } from '../../lib/messages';
import type { Notice, SecondFactorChallenge } from '../../state/app.svelte';

/** Why the second step is over, as the sign-in screen then says it. */
export type StepEnded = Extract<Notice, 'second_factor_expired' | 'second_factor_failed'>;

export type SecondFactorOutcome =
  | { kind: 'signed-in'; session: SessionInfo }
  | { kind: 'invalid' }
  | { kind: 'failed'; error: ApiError }
  | { kind: 'ended'; notice: StepEnded }
  | { kind: 'ignored' };

export type ResendOutcome =
  | { kind: 'sent' }
  | { kind: 'failed'; error: ApiError }
  | { kind: 'ended'; notice: StepEnded }
  | { kind: 'ignored' };

/**
 * Answers that mean this second step cannot go on and the password must be entered again: the
 * challenge was refused or main no longer holds it (a session-ending answer), or the code
 * expired or was used up by wrong codes.
 */
function stepEnded(code: ErrorCode): boolean {
  return isSessionEnded(code) || code === 'code_expired' || code === 'too_many_attempts';
}

/**
 * The second step of a sign-in: the code from an authenticator app or a text (or a recovery
 * code instead), "remember this computer", resending a texted code after its cooldown, and the
 * step's own expiry, after which the person starts again from the password.
 */
export class SecondFactorForm {
  code = $state('');
  rememberDevice = $state(false);

  #useRecoveryCode = $state(false);
  #destination = $state<string | null>(null);
  #codeError = $state.raw<Message | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #submitting = $state(false);
  #resending = $state(false);
  #resent = $state(false);
  /** Set after a wrong code that was the last one allowed: the step ending next is because of it. */
  #lastTry = false;
  readonly #challenge: SecondFactorChallenge;
  readonly #lock: Countdown;
  readonly #resendCooldown: Countdown;
  readonly #expiry: Countdown;

  constructor(
    challenge: SecondFactorChallenge,
    options: { onExpired?: () => void; now?: () => number } = {},
  ) {
    this.#challenge = challenge;
    this.#destination = challenge.destination;
    const now = options.now;
    this.#lock = new Countdown(now ? { now } : {});
    this.#resendCooldown = new Countdown(now ? { now } : {});
    this.#expiry = new Countdown({ ...(now ? { now } : {}), onDone: () => options.onExpired?.() });
    this.#expiry.start(challenge.expiresIn);
    if (challenge.method === 'sms') this.#resendCooldown.start(challenge.resendAfterSeconds);
  }

  get method(): SecondFactorChallenge['method'] {
    return this.#challenge.method;
  }
  /** Where the texted code went, masked (`•••-0100`); `null` for an authenticator app. */
  get destination(): string | null {
    return this.#destination;
  }
  get canRememberDevice(): boolean {
    return this.#challenge.canRememberDevice;
  }
  get usingRecoveryCode(): boolean {
    return this.#useRecoveryCode;
  }
  get codeKind(): CodeKind {
    return this.#useRecoveryCode ? 'recovery' : 'digits';
  }
  get codeError(): Message | null {
    return this.#codeError;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  get submitting(): boolean {
    return this.#submitting;
  }
  get resending(): boolean {
    return this.#resending;
  }
  /** A new text went out (said once, until the next submit). */
  get resent(): boolean {
    return this.#resent;
  }
  /** Seconds before another text may be asked for. */
  get resendSeconds(): number {
    return this.#resendCooldown.remaining;
  }
  get canResend(): boolean {
    return (
      this.method === 'sms' && !this.#resending && !this.#resendCooldown.running && !this.waiting
    );
  }
  /** Seconds until a code may be tried again (after too many wrong ones). */
  get waitSeconds(): number {
    return this.#lock.remaining;
  }
  get waiting(): boolean {
    return this.#lock.running;
  }
  /** Seconds left before this step expires. */
  get expiresIn(): number {
    return this.#expiry.remaining;
  }
  get canSubmit(): boolean {
    return !this.#submitting && !this.waiting;
  }
  get errorMessage(): Message | null {
    const error = this.#error;
    if (!error) return null;
    if (isTimedWait(error) && !this.waiting) return { key: 'errors.waitOver' };
    return errorMessage(error);
  }
  get waitMessage(): Message | null {
    return this.#error && this.waiting ? waitMessage(this.#error) : null;
  }
  get retryable(): boolean {
    return this.#error !== null && isRetryable(this.#error.code);
  }

  /** Switches between the usual code and a recovery code; what was typed is cleared. */
  toggleRecoveryCode(): void {
    this.#useRecoveryCode = !this.#useRecoveryCode;
    this.code = '';
    this.#codeError = null;
  }

  /** Takes what was typed or pasted into the code field. */
  setCode(raw: string): void {
    this.code = sanitizeCode(raw, this.codeKind);
    if (this.#codeError && isCompleteCode(this.code, this.codeKind)) this.#codeError = null;
  }

  async submit(): Promise<SecondFactorOutcome> {
    if (!this.canSubmit) return { kind: 'ignored' };
    if (!isCompleteCode(this.code, this.codeKind)) {
      this.#codeError = {
        key: this.#useRecoveryCode ? 'validation.code.recovery' : 'validation.code.sixDigits',
      };
      return { kind: 'invalid' };
    }
    this.#submitting = true;
    this.#error = null;
    this.#codeError = null;
    this.#resent = false;
    const result = await settle(() =>
      airtime().auth.secondFactor({
        code: this.code,
        rememberDevice: this.canRememberDevice && this.rememberDevice,
      }),
    );
    this.#submitting = false;
    if (result.ok) {
      this.dispose();
      return { kind: 'signed-in', session: result.value };
    }
    const error = result.error;
    if (stepEnded(error.code)) return this.#ended(error);
    if (error.code === 'invalid_code') {
      this.#codeError = errorMessage(error);
      this.#lastTry = error.attemptsLeft !== undefined && error.attemptsLeft <= 1;
      return { kind: 'invalid' };
    }
    if (error.code === 'invalid_request' && error.issues?.[0]) {
      this.#codeError = issueMessage(error.issues[0]);
      return { kind: 'invalid' };
    }
    this.#error = error;
    if (isTimedWait(error) && error.retryAfterSeconds !== undefined) {
      this.#lock.start(error.retryAfterSeconds);
    }
    return { kind: 'failed', error };
  }

  /** Texts another code, once the cooldown allows it. */
  async resend(): Promise<ResendOutcome> {
    if (!this.canResend) return { kind: 'ignored' };
    this.#resending = true;
    this.#resent = false;
    this.#error = null;
    const result = await settle(() => airtime().auth.secondFactorResend());
    this.#resending = false;
    if (result.ok) {
      this.#destination = result.value.destination;
      this.#resendCooldown.start(result.value.resendAfterSeconds);
      this.#resent = true;
      this.code = '';
      this.#codeError = null;
      return { kind: 'sent' };
    }
    const error = result.error;
    if (stepEnded(error.code)) return this.#ended(error);
    if (error.code === 'rate_limited' && error.retryAfterSeconds !== undefined) {
      // Too soon for another text: the cooldown says how long, the code already sent still works.
      this.#resendCooldown.start(error.retryAfterSeconds);
    }
    this.#error = error;
    return { kind: 'failed', error };
  }

  /** Gives the step up (Cancel, or it expired): main forgets the challenge. */
  async cancel(): Promise<void> {
    this.dispose();
    await settle(() => airtime().auth.secondFactorCancel());
  }

  dispose(): void {
    this.#lock.stop();
    this.#resendCooldown.stop();
    this.#expiry.stop();
  }

  #ended(error: ApiError): { kind: 'ended'; notice: StepEnded } {
    this.dispose();
    const failed = error.code === 'too_many_attempts' || this.#lastTry;
    return { kind: 'ended', notice: failed ? 'second_factor_failed' : 'second_factor_expired' };
  }
}
