import type { ApiError } from '../../../../contract/errors';
import type {
  RecoveryStartResult,
  RecoveryVerifyResult,
  SessionInfo,
} from '../../../../contract/ipc';
import type { ResetChannel } from '../../../../contract/http/recovery';
import { parsePhone } from '../../../../contract/phone';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { isCompleteCode, sanitizeCode } from '../../lib/codes';
import { Countdown } from '../../lib/countdown.svelte';
import { errorMessage, isRetryable, isTimedWait, waitMessage } from '../../lib/errors';
import { issueMessage, validationMessage } from '../../lib/messages';
import { feedbackMessage } from '../../lib/password-feedback';
import { PasswordStrength, type PasswordChecker } from '../../lib/password-strength.svelte';
import type { SecondFactorChallenge } from '../../state/app.svelte';

export type RecoveryStep = 'choose' | 'code' | 'password';

/** What the error banner offers besides its words. */
export type RecoveryAction = 'retry' | 'send-new' | 'other-channel' | null;

/** What a step's submit led to, so the screen can move focus (or leave). */
export type StepOutcome =
  | { kind: 'next' }
  | { kind: 'invalid'; field: 'phone' | 'code' | 'password' }
  | { kind: 'failed' }
  | { kind: 'ignored' };

export type CompleteOutcome =
  | StepOutcome
  | { kind: 'signed-in'; session: SessionInfo }
  | { kind: 'second-factor'; challenge: SecondFactorChallenge };

type Operation = 'send' | 'verify' | 'complete';

/**
 * "Forgot password?": where to send a code (text or e-mail), the code, then a new password with
 * a live strength meter. Codes can be resent after a cooldown; a code that stopped working, a
 * delivery that failed or a reset that expired each say what to do next.
 */
export class RecoveryFlow {
  phone = $state('');
  channel = $state<ResetChannel>('sms');
  code = $state('');
  keepSignedIn = $state(false);
  showPassword = $state(false);
  readonly strength: PasswordStrength;

  #step = $state<RecoveryStep>('choose');
  #e164 = '';
  #started = $state.raw<RecoveryStartResult | null>(null);
  #verified = $state.raw<RecoveryVerifyResult | null>(null);
  #phoneError = $state.raw<Message | null>(null);
  #codeError = $state.raw<Message | null>(null);
  #passwordError = $state.raw<Message | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #notice = $state.raw<Message | null>(null);
  #busy = $state<Operation | null>(null);
  #lastOperation: Operation = 'send';
  /** The code in hand no longer works (too many tries, expired): only a new one helps. */
  #codeDead = $state(false);
  readonly #resendCooldown: Countdown;
  readonly #wait: Countdown;
  readonly #ticket: Countdown;

  constructor(
    phone: string,
    options: { check?: PasswordChecker; now?: () => number; checkDelayMs?: number } = {},
  ) {
    this.phone = phone;
    const now = options.now ? { now: options.now } : {};
    this.#resendCooldown = new Countdown(now);
    this.#wait = new Countdown(now);
    // The reset ticket lives in main; when its time is up, the person has to start over.
    this.#ticket = new Countdown({ ...now, onDone: () => this.#restart() });
    this.strength = new PasswordStrength('reset', {
      ...(options.check ? { check: options.check } : {}),
      ...(options.checkDelayMs !== undefined ? { delayMs: options.checkDelayMs } : {}),
    });
  }

  get step(): RecoveryStep {
    return this.#step;
  }
  /** Where the code was sent (`sms` or `email`), once one was. */
  get sentBy(): ResetChannel | null {
    return this.#started?.channel ?? null;
  }
  /** Seconds the code stays valid, as the service said when sending it. */
  get codeExpiresIn(): number {
    return this.#started?.codeExpiresIn ?? 0;
  }
  /** The proven code's masked destination (`j•••@example.com`), after `verify`. */
  get destination(): string | null {
    return this.#verified?.destination ?? null;
  }
  /** Seconds the service gave to choose the new password. */
  get passwordExpiresIn(): number {
    return this.#verified?.expiresIn ?? 0;
  }
  get phoneError(): Message | null {
    return this.#phoneError;
  }
  get codeError(): Message | null {
    return this.#codeError;
  }
  get passwordError(): Message | null {
    return this.#passwordError;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  /** Something to say that is not an error: a new code went out, the reset had to start over. */
  get notice(): Message | null {
    return this.#notice;
  }
  get busy(): Operation | null {
    return this.#busy;
  }
  get resendSeconds(): number {
    return this.#resendCooldown.remaining;
  }
  /** Seconds of a rate limit still to wait. */
  get waitSeconds(): number {
    return this.#wait.remaining;
  }
  get waiting(): boolean {
    return this.#wait.running;
  }
  get canSend(): boolean {
    return this.#busy === null && !this.waiting;
  }
  get canResend(): boolean {
    return this.canSend && !this.#resendCooldown.running;
  }
  /** The code in hand can still be tried. */
  get canVerify(): boolean {
    return this.#busy === null && !this.waiting && !this.#codeDead;
  }
  /** The new password may be set: the policy accepts it and nothing else is under way. */
  get canComplete(): boolean {
    return this.#busy === null && this.strength.ok;
  }

  get errorMessage(): Message | null {
    const error = this.#error;
    if (!error) return null;
    if (error.code === 'delivery_failed') {
      return {
        key:
          this.sentBy === 'email' ? 'recovery.deliveryFailedEmail' : 'recovery.deliveryFailedSms',
      };
    }
    if (isTimedWait(error) && !this.waiting) return { key: 'errors.waitOver' };
    return errorMessage(error);
  }
  get waitMessage(): Message | null {
    return this.#error && this.waiting ? waitMessage(this.#error) : null;
  }
  get errorAction(): RecoveryAction {
    const error = this.#error;
    if (!error) return null;
    if (isRetryable(error.code)) return 'retry';
    if (error.code === 'delivery_failed') return 'other-channel';
    if (this.#codeDead) return 'send-new';
    return null;
  }
  /** The channel "try the other one" switches to. */
  get otherChannel(): ResetChannel {
    return (this.sentBy ?? this.channel) === 'sms' ? 'email' : 'sms';
  }

  /** Step 1 (and every resend): sends a code to the chosen channel. */
  async send(): Promise<StepOutcome> {
    if (!this.canSend) return { kind: 'ignored' };
    if (this.#step === 'choose') {
      const phone = parsePhone(this.phone);
      if (!phone.ok) {
        this.#phoneError = validationMessage(phone.issue);
        return { kind: 'invalid', field: 'phone' };
      }
      this.#phoneError = null;
      this.#e164 = phone.e164;
    }
    const resending = this.#step === 'code';
    this.#begin('send');
    const result = await settle(() =>
      airtime().recovery.start({ phone: this.#e164, channel: this.channel }),
    );
    this.#busy = null;
    if (!result.ok) return this.#fail(result.error);
    this.#started = result.value;
    this.channel = result.value.channel;
    this.#resendCooldown.start(result.value.resendAfterSeconds);
    this.#codeDead = false;
    this.code = '';
    this.#codeError = null;
    if (resending) this.#notice = { key: 'recovery.resent' };
    this.#step = 'code';
    return { kind: 'next' };
  }

  /** Tries the other channel after a delivery failed. */
  async useOtherChannel(): Promise<StepOutcome> {
    this.channel = this.otherChannel;
    this.#resendCooldown.reset();
    return this.send();
  }

  /** Takes what was typed or pasted into the code field. */
  setCode(raw: string): void {
    this.code = sanitizeCode(raw, 'digits');
    if (this.#codeError && isCompleteCode(this.code, 'digits')) this.#codeError = null;
  }

  /** The new password was edited: its earlier refusal no longer applies. */
  editedPassword(): void {
    this.#passwordError = null;
  }

  /** Step 2: proves the code. */
  async verify(): Promise<StepOutcome> {
    if (!this.canVerify) return { kind: 'ignored' };
    if (!isCompleteCode(this.code, 'digits')) {
      this.#codeError = { key: 'validation.code.sixDigits' };
      return { kind: 'invalid', field: 'code' };
    }
    this.#begin('verify');
    const result = await settle(() => airtime().recovery.verify({ code: this.code }));
    this.#busy = null;
    if (!result.ok) return this.#fail(result.error);
    this.#verified = result.value;
    this.#resendCooldown.reset();
    this.#ticket.start(result.value.expiresIn);
    this.strength.clear();
    this.#step = 'password';
    return { kind: 'next' };
  }

  /** Step 3: sets the new password, which signs in (or leads to the second step). */
  async complete(): Promise<CompleteOutcome> {
    if (this.#busy !== null) return { kind: 'ignored' };
    if (this.strength.password === '') {
      this.#passwordError = { key: 'validation.password.newEmpty' };
      return { kind: 'invalid', field: 'password' };
    }
    const verdict = await this.strength.checkNow();
    if (!verdict?.ok) return { kind: 'invalid', field: 'password' };
    this.#begin('complete');
    this.#passwordError = null;
    const result = await settle(() =>
      airtime().recovery.complete({
        newPassword: this.strength.password,
        keepSignedIn: this.keepSignedIn,
      }),
    );
    this.#busy = null;
    if (!result.ok) return this.#fail(result.error);
    this.dispose();
    this.strength.clear();
    const outcome = result.value;
    return outcome.status === 'signed-in'
      ? { kind: 'signed-in', session: outcome.session }
      : { kind: 'second-factor', challenge: outcome };
  }

  /** Does again what failed for a connection problem. */
  retry(): Promise<CompleteOutcome> {
    if (this.#lastOperation === 'verify') return this.verify();
    if (this.#lastOperation === 'complete') return this.complete();
    return this.send();
  }

  /** From the code step back to choosing where to send it. */
  changeMethod(): void {
    this.#clearMessages();
    this.#codeError = null;
    this.#step = 'choose';
  }

  /** Leaves the flow: main forgets the reset in progress. */
  async cancel(): Promise<void> {
    this.dispose();
    await settle(() => airtime().recovery.cancel());
  }

  dispose(): void {
    this.#resendCooldown.stop();
    this.#wait.stop();
    this.#ticket.stop();
    this.strength.dispose();
  }

  #begin(operation: Operation): void {
    this.#busy = operation;
    this.#lastOperation = operation;
    this.#clearMessages();
  }

  #clearMessages(): void {
    this.#error = null;
    this.#notice = null;
  }

  #fail(error: ApiError): StepOutcome {
    switch (error.code) {
      case 'invalid_code':
        this.#codeError = errorMessage(error);
        if (error.attemptsLeft === 0) {
          // The code is used up: say so in the banner, with "Send a new code".
          this.#codeDead = true;
          this.#error = error;
          return { kind: 'failed' };
        }
        return { kind: 'invalid', field: 'code' };
      case 'code_expired':
      case 'too_many_attempts':
        this.#codeDead = true;
        this.code = '';
        break;
      case 'reset_ticket_invalid':
        this.#restart();
        return { kind: 'failed' };
      case 'weak_password':
        this.#passwordError = error.feedback?.warning
          ? feedbackMessage(error.feedback.warning)
          : errorMessage(error);
        return { kind: 'invalid', field: 'password' };
      case 'invalid_request': {
        const issue = error.issues?.[0];
        const field = issue ? fieldOf(issue.path) : null;
        if (issue && field) {
          const message = issueMessage(issue);
          if (field === 'phone') {
            this.#phoneError = message;
            this.#step = 'choose';
          } else if (field === 'code') {
            this.#codeError = message;
          } else {
            this.#passwordError = message;
          }
          return { kind: 'invalid', field };
        }
        if (this.#step !== 'choose') {
          // Nothing wrong with what was typed: main holds no reset to go on with (it was
          // restarted, or the reset ended), so the only way on is from the start.
          this.#restart();
          return { kind: 'failed' };
        }
        break;
      }
    }
    this.#error = error;
    if (isTimedWait(error) && error.retryAfterSeconds !== undefined) {
      this.#wait.start(error.retryAfterSeconds);
    }
    return { kind: 'failed' };
  }

  /** The reset cannot go on (it expired): back to the first step, saying why. */
  #restart(): void {
    this.#ticket.stop();
    this.#resendCooldown.reset();
    this.#started = null;
    this.#verified = null;
    this.#codeDead = false;
    this.code = '';
    this.strength.clear();
    this.#error = null;
    this.#codeError = null;
    this.#passwordError = null;
    this.#notice = { key: 'recovery.expired' };
    this.#step = 'choose';
  }
}

function fieldOf(path: string): 'phone' | 'code' | 'password' | null {
  if (path === 'phone') return 'phone';
  if (path === 'code') return 'code';
  if (path === 'newPassword') return 'password';
  return null;
}
