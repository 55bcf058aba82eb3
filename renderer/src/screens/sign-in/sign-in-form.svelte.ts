import type { ApiError } from '../../../../contract/errors';
import type { SessionInfo } from '../../../../contract/ipc';
import type { SecondFactorChallenge } from '../../state/app.svelte';
import { Password } from '../../../../contract/http/auth';
import { formatPhone, parsePhone } from '../../../../contract/phone';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { Countdown } from '../../lib/countdown.svelte';
import { errorMessage, isRetryable, isTimedWait, waitMessage } from '../../lib/errors';
import { issueMessage, parseErrorMessage, validationMessage } from '../../lib/messages';

/** What a submit led to, so the screen can move focus to the right place. */
export type SubmitOutcome =
  | { kind: 'signed-in'; session: SessionInfo }
  | { kind: 'second-factor'; challenge: SecondFactorChallenge }
  | { kind: 'invalid'; field: 'phone' | 'password' }
  | { kind: 'failed'; error: ApiError }
  | { kind: 'ignored' };

/**
 * The sign-in form: field values, validation before anything is sent, the request, and what
 * went wrong in words (with a live countdown while the account is locked).
 */
export class SignInForm {
  phone = $state('');
  password = $state('');
  keepSignedIn = $state(false);
  showPassword = $state(false);

  #phoneError = $state.raw<Message | null>(null);
  #passwordError = $state.raw<Message | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #submitting = $state(false);
  #countdown = new Countdown();
  /** Set once a submit has failed validation, so fields re-check as they are corrected. */
  #validateLive = false;
  /** On a kiosk nothing of the customer is kept: no remembered number, no saved session. */
  readonly #kiosk: boolean;
  /** Whether this computer has a keychain to keep what lets it back in between sign-ins. */
  readonly #keychain: boolean;

  /**
   * `draft` is what the field held before the person stepped away (to reset a password or to a
   * second step); otherwise the remembered number, if any, is filled in (never on a kiosk).
   */
  constructor(
    lastPhone: string | null,
    draft: string | null = null,
    options: { kiosk?: boolean; keychain?: boolean } = {},
  ) {
    this.#kiosk = options.kiosk ?? false;
    this.#keychain = options.keychain ?? true;
    if (draft) this.phone = draft;
    else if (lastPhone && !this.#kiosk) this.phone = formatPhone(lastPhone);
  }

  get phoneError(): Message | null {
    return this.#phoneError;
  }
  get passwordError(): Message | null {
    return this.#passwordError;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  get submitting(): boolean {
    return this.#submitting;
  }
  /** Seconds until sign-in may be tried again (locked account or too many requests). */
  get waitSeconds(): number {
    return this.#countdown.remaining;
  }
  /** True while the account is locked or rate-limited and the countdown runs. */
  get waiting(): boolean {
    return this.#countdown.running;
  }
  get canSubmit(): boolean {
    return !this.#submitting && !this.waiting;
  }
  /** The error in words; once a lock has run out, says so instead. */
  get errorMessage(): Message | null {
    const error = this.#error;
    if (!error) return null;
    if (isTimedWait(error) && !this.waiting) return { key: 'errors.unlocked' };
    return errorMessage(error);
  }
  /** How long the wait is, in words, while it lasts (announced with the error). */
  get waitMessage(): Message | null {
    return this.#error && this.waiting ? waitMessage(this.#error) : null;
  }
  /** True while sign-in is paused after too many tries: a reset code can unlock it now. */
  get locked(): boolean {
    return this.#error?.code === 'account_locked' && this.waiting;
  }
  /**
   * While sign-in is paused: why, and what to do, sentence by sentence. Only a computer that
   * keeps the API's device cookie (a keychain, not a kiosk) has an allowance of its own to
   * promise; a kiosk customer changes the password elsewhere, as a kiosk has no security center.
   */
  get lockHelp(): Message[] {
    if (!this.locked) return [];
    const ownAllowance = this.#keychain && !this.#kiosk;
    return [
      { key: 'signIn.lockHelp.why' },
      ...(ownAllowance ? [{ key: 'signIn.lockHelp.ownAllowance' } as const] : []),
      { key: this.#kiosk ? 'signIn.lockHelp.whatToDoKiosk' : 'signIn.lockHelp.whatToDo' },
    ];
  }
  /** Whether the error offers a Retry button (the connection failed, not the credentials). */
  get retryable(): boolean {
    return this.#error !== null && isRetryable(this.#error.code);
  }

  /** Re-checks fields as they are edited, once a submit has shown what is wrong. */
  revalidate(): void {
    if (this.#validateLive) this.#validate();
  }

  /** Returns the phone number in E.164 when both fields are acceptable. */
  #validate(): { phone: string } | { invalid: 'phone' | 'password' } {
    const phone = parsePhone(this.phone);
    this.#phoneError = phone.ok ? null : validationMessage(phone.issue);
    const password = Password.safeParse(this.password);
    this.#passwordError = password.success
      ? null
      : parseErrorMessage(password.error, 'password.empty');
    if (!phone.ok) return { invalid: 'phone' };
    if (!password.success) return { invalid: 'password' };
    return { phone: phone.e164 };
  }

  async submit(): Promise<SubmitOutcome> {
    if (!this.canSubmit) return { kind: 'ignored' };
    const checked = this.#validate();
    if ('invalid' in checked) {
      this.#validateLive = true;
      return { kind: 'invalid', field: checked.invalid };
    }
    this.#submitting = true;
    this.#error = null;
    const result = await settle(() =>
      airtime().auth.signIn({
        phone: checked.phone,
        password: this.password,
        keepSignedIn: this.keepSignedIn && !this.#kiosk,
      }),
    );
    this.#submitting = false;
    if (result.ok) {
      this.password = '';
      this.#countdown.reset();
      const outcome = result.value;
      return outcome.status === 'signed-in'
        ? { kind: 'signed-in', session: outcome.session }
        : { kind: 'second-factor', challenge: outcome };
    }
    this.#fail(result.error);
    return { kind: 'failed', error: result.error };
  }

  #fail(error: ApiError): void {
    if (error.code === 'invalid_request' && error.issues?.length) {
      // Main re-validates what was sent; show its word next to the field it is about.
      const issue = error.issues[0]!;
      const message = issueMessage(issue);
      if (issue.path === 'phone') this.#phoneError = message;
      if (issue.path === 'password') this.#passwordError = message;
    }
    this.#error = error;
    if (isTimedWait(error) && error.retryAfterSeconds !== undefined) {
      this.#countdown.start(error.retryAfterSeconds);
    } else {
      this.#countdown.reset();
    }
  }

  dispose(): void {
    this.#countdown.stop();
  }
}
