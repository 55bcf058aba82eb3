import type { ApiError } from '../../../../contract/errors';
import { Password } from '../../../../contract/http/auth';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { errorMessage, isRetryable } from '../../lib/errors';
import { parseErrorMessage } from '../../lib/messages';
import { feedbackMessage } from '../../lib/password-feedback';
import { PasswordStrength, type PasswordChecker } from '../../lib/password-strength.svelte';
import { fieldIssue } from './field-issue';

export type ChangePasswordOutcome =
  | { kind: 'done' }
  | { kind: 'invalid'; field: 'current' | 'new' | 'confirm' }
  | { kind: 'failed' }
  | { kind: 'ignored' };

/**
 * Changing the password: the current one, the new one with the live strength meter, and the new
 * one again. Every other device is signed out by the change; the message says how many were.
 */
export class ChangePasswordForm {
  current = $state('');
  confirm = $state('');
  showPasswords = $state(false);
  readonly strength: PasswordStrength;

  #currentError = $state.raw<Message | null>(null);
  #newError = $state.raw<Message | null>(null);
  #confirmError = $state.raw<Message | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #done = $state.raw<Message | null>(null);
  #busy = $state(false);
  readonly #onChanged: () => void;
  readonly #onError: (error: ApiError) => void;

  constructor(
    options: {
      onChanged?: () => void;
      onError?: (error: ApiError) => void;
      check?: PasswordChecker;
      checkDelayMs?: number;
    } = {},
  ) {
    this.#onChanged = options.onChanged ?? (() => {});
    this.#onError = options.onError ?? (() => {});
    this.strength = new PasswordStrength('change', {
      ...(options.check ? { check: options.check } : {}),
      ...(options.checkDelayMs !== undefined ? { delayMs: options.checkDelayMs } : {}),
    });
  }

  get currentError(): Message | null {
    return this.#currentError;
  }
  get newError(): Message | null {
    return this.#newError;
  }
  get confirmError(): Message | null {
    return this.#confirmError;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  get errorMessage(): Message | null {
    return this.#error ? errorMessage(this.#error) : null;
  }
  get retryable(): boolean {
    return this.#error !== null && isRetryable(this.#error.code);
  }
  /** "Password changed. 2 other devices were signed out." */
  get done(): Message | null {
    return this.#done;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get canSubmit(): boolean {
    return !this.#busy && this.strength.ok;
  }

  editedCurrent(): void {
    this.#currentError = null;
    this.#done = null;
  }
  editedNew(): void {
    this.#newError = null;
    this.#done = null;
    if (this.#confirmError && this.confirm === this.strength.password) this.#confirmError = null;
  }
  editedConfirm(): void {
    if (this.#confirmError && this.confirm === this.strength.password) this.#confirmError = null;
  }

  async submit(): Promise<ChangePasswordOutcome> {
    if (this.#busy) return { kind: 'ignored' };
    this.#done = null;
    this.#error = null;
    const current = Password.safeParse(this.current);
    this.#currentError = current.success
      ? null
      : parseErrorMessage(current.error, 'password.empty');
    this.#newError = this.strength.password === '' ? { key: 'validation.password.newEmpty' } : null;
    this.#confirmError =
      this.confirm !== this.strength.password ? { key: 'password.mismatch' } : null;
    if (this.#currentError) return { kind: 'invalid', field: 'current' };
    if (this.#newError) return { kind: 'invalid', field: 'new' };
    const verdict = await this.strength.checkNow();
    if (!verdict?.ok) return { kind: 'invalid', field: 'new' };
    if (this.#confirmError) return { kind: 'invalid', field: 'confirm' };

    this.#busy = true;
    const result = await settle(() =>
      airtime().security.changePassword({
        currentPassword: this.current,
        newPassword: this.strength.password,
      }),
    );
    this.#busy = false;
    if (!result.ok) return this.#fail(result.error);
    const others = result.value.otherSessionsSignedOut;
    this.#done =
      others === 0
        ? { key: 'security.password.changedAlone' }
        : { key: 'security.password.changed', values: { count: others } };
    this.current = '';
    this.confirm = '';
    this.showPasswords = false;
    this.strength.clear();
    this.#onChanged();
    return { kind: 'done' };
  }

  dispose(): void {
    this.strength.dispose();
  }

  #fail(error: ApiError): ChangePasswordOutcome {
    if (error.code === 'wrong_password') {
      this.#currentError = { key: 'errors.wrong_password' };
      return { kind: 'invalid', field: 'current' };
    }
    if (error.code === 'weak_password') {
      this.#newError = error.feedback?.warning
        ? feedbackMessage(error.feedback.warning)
        : { key: 'errors.weak_password' };
      return { kind: 'invalid', field: 'new' };
    }
    const issue = fieldIssue(error, { currentPassword: 'current', newPassword: 'new' } as const);
    if (issue) {
      if (issue.field === 'current') this.#currentError = issue.message;
      else this.#newError = issue.message;
      return { kind: 'invalid', field: issue.field };
    }
    this.#error = error;
    this.#onError(error);
    return { kind: 'failed' };
  }
}
