import type { ApiError } from '../../../contract/errors';
import type { PasswordCheckResult, Result } from '../../../contract/ipc';
import type { Message } from '../i18n/keys';
import { airtime, settle } from './airtime';
import { feedbackMessage, strengthMeter, type StrengthMeter } from './password-feedback';

/** Whose password is being chosen: an account being reset, or the signed-in subscriber's. */
export type PasswordPurpose = 'reset' | 'change';

export type PasswordChecker = (password: string) => Promise<Result<PasswordCheckResult>>;

/**
 * How long typing must pause before the password is checked: long enough not to ask main on
 * every keystroke, short enough that the meter feels live.
 */
export const CHECK_DELAY_MS = 300;

/** `password:check` refuses anything longer; such a password is far past the policy's limit anyway. */
const CHECK_MAX_LENGTH = 1024;
const TOO_LONG: PasswordCheckResult = {
  ok: false,
  score: 0,
  warning: 'Use at most 128 characters.',
  suggestions: [],
};

/**
 * A new password being typed and the policy's verdict on it, asked of main (which applies the
 * same rules the server enforces) once typing pauses. Only the verdict for exactly the text in
 * the field counts as `ok`; a slower answer for earlier text never overwrites a newer one.
 */
export class PasswordStrength {
  #password = $state('');
  /** The latest verdict and the text it is about (which may be behind the field while typing). */
  #latest = $state.raw<{ password: string; value: PasswordCheckResult } | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;
  readonly #check: PasswordChecker;
  readonly #delayMs: number;

  constructor(
    purpose: PasswordPurpose,
    options: { check?: PasswordChecker; delayMs?: number } = {},
  ) {
    this.#check =
      options.check ??
      ((password) => settle(() => airtime().password.check({ password, purpose })));
    this.#delayMs = options.delayMs ?? CHECK_DELAY_MS;
  }

  get password(): string {
    return this.#password;
  }
  set password(value: string) {
    if (value === this.#password) return;
    this.#password = value;
    this.#error = null;
    this.#schedule();
  }

  /** The verdict for the text now in the field; `null` while it is being checked. */
  get result(): PasswordCheckResult | null {
    const latest = this.#latest;
    return latest && latest.password === this.#password ? latest.value : null;
  }
  /** True while the field's text has no verdict yet (typing, or the check is on its way). */
  get pending(): boolean {
    return this.#password !== '' && this.result === null && this.#error === null;
  }
  /** The policy accepts the text now in the field. */
  get ok(): boolean {
    return this.result?.ok === true;
  }
  /** The meter for the latest verdict; it stays while the next one is on its way, so it does not flicker. */
  get meter(): StrengthMeter | null {
    if (this.#password === '' || !this.#latest) return null;
    return strengthMeter(this.#latest.value.score);
  }
  /** Why the password is weak, in the person's language when the sentence is known. */
  get warning(): Message | null {
    if (this.#password === '' || !this.#latest?.value.warning) return null;
    return feedbackMessage(this.#latest.value.warning);
  }
  get suggestions(): Message[] {
    if (this.#password === '' || !this.#latest) return [];
    return this.#latest.value.suggestions.map(feedbackMessage);
  }
  /** Why the last check could not be made (the connection, usually). */
  get error(): ApiError | null {
    return this.#error;
  }

  /** Checks the field's text at once (on submit, or to retry a failed check). */
  async checkNow(): Promise<PasswordCheckResult | null> {
    this.#cancelTimer();
    const password = this.#password;
    if (password === '') {
      this.#latest = null;
      return null;
    }
    if (this.result) return this.result;
    if (password.length > CHECK_MAX_LENGTH) {
      this.#latest = { password, value: TOO_LONG };
      return TOO_LONG;
    }
    const generation = ++this.#generation;
    const result = await this.#check(password);
    if (generation !== this.#generation) return this.result;
    if (result.ok) {
      this.#latest = { password, value: result.value };
      this.#error = null;
      return result.value;
    }
    this.#error = result.error;
    return null;
  }

  /** Empties the field and forgets every verdict (after a password was set). */
  clear(): void {
    this.#cancelTimer();
    this.#generation++;
    this.#password = '';
    this.#latest = null;
    this.#error = null;
  }

  dispose(): void {
    this.#cancelTimer();
    this.#generation++;
  }

  #schedule(): void {
    this.#cancelTimer();
    if (this.#password === '') {
      this.#generation++;
      this.#latest = null;
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.checkNow();
    }, this.#delayMs);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
