import type { ApiError } from '../../../../contract/errors';
import { Password } from '../../../../contract/http/auth';
import type { ChangeContactRequest, SecurityOverview } from '../../../../contract/http/security';
import { formatPhone, parsePhone } from '../../../../contract/phone';
import { EmailAddress } from '../../../../contract/subscriber';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { errorMessage, isRetryable } from '../../lib/errors';
import { parseErrorMessage, validationMessage } from '../../lib/messages';
import { fieldIssue } from './field-issue';

export type ContactOutcome =
  | { kind: 'done'; overview: SecurityOverview }
  | { kind: 'invalid'; field: 'email' | 'contactPhone' | 'password' }
  | { kind: 'failed' }
  | { kind: 'ignored' };

/** The request for what differs from the overview, or `null` when nothing does. */
export function contactChanges(
  overview: Pick<SecurityOverview, 'email' | 'contactPhone'>,
  edit: { email: string; contactPhone: string | null },
): Omit<ChangeContactRequest, 'password'> | null {
  const changes: Omit<ChangeContactRequest, 'password'> = {};
  if (edit.email.toLowerCase() !== overview.email.toLowerCase()) changes.email = edit.email;
  if (edit.contactPhone !== overview.contactPhone) changes.contactPhone = edit.contactPhone;
  return Object.keys(changes).length > 0 ? changes : null;
}

/**
 * Editing the e-mail address and the contact number; saving asks for the password. Changing the
 * e-mail sends a notice to the old address, and the message after saving says so.
 */
export class ContactForm {
  editing = $state(false);
  email = $state('');
  contactPhone = $state('');
  password = $state('');

  #emailError = $state.raw<Message | null>(null);
  #phoneError = $state.raw<Message | null>(null);
  #passwordError = $state.raw<Message | null>(null);
  #formError = $state.raw<Message | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #done = $state.raw<Message | null>(null);
  #busy = $state(false);
  readonly #onError: (error: ApiError) => void;

  constructor(options: { onError?: (error: ApiError) => void } = {}) {
    this.#onError = options.onError ?? (() => {});
  }

  get emailError(): Message | null {
    return this.#emailError;
  }
  get phoneError(): Message | null {
    return this.#phoneError;
  }
  get passwordError(): Message | null {
    return this.#passwordError;
  }
  /** A problem with the form as a whole (nothing was changed), or the request's error. */
  get errorMessage(): Message | null {
    if (this.#formError) return this.#formError;
    return this.#error ? errorMessage(this.#error) : null;
  }
  get retryable(): boolean {
    return this.#error !== null && isRetryable(this.#error.code);
  }
  get done(): Message | null {
    return this.#done;
  }
  get busy(): boolean {
    return this.#busy;
  }

  open(overview: Pick<SecurityOverview, 'email' | 'contactPhone'>): void {
    this.email = overview.email;
    this.contactPhone = overview.contactPhone ? formatPhone(overview.contactPhone) : '';
    this.password = '';
    this.#emailError = null;
    this.#phoneError = null;
    this.#passwordError = null;
    this.#formError = null;
    this.#error = null;
    this.#done = null;
    this.editing = true;
  }

  close(): void {
    this.editing = false;
    this.password = '';
  }

  edited(field: 'email' | 'contactPhone' | 'password'): void {
    if (field === 'email') this.#emailError = null;
    if (field === 'contactPhone') this.#phoneError = null;
    if (field === 'password') this.#passwordError = null;
    this.#formError = null;
  }

  async submit(
    overview: Pick<SecurityOverview, 'email' | 'contactPhone'>,
  ): Promise<ContactOutcome> {
    if (this.#busy) return { kind: 'ignored' };
    this.#error = null;
    this.#formError = null;
    this.#done = null;

    const email = EmailAddress.safeParse(this.email);
    this.#emailError = email.success ? null : parseErrorMessage(email.error, 'email.empty');
    let contactPhone: string | null = null;
    this.#phoneError = null;
    if (this.contactPhone.trim() !== '') {
      const phone = parsePhone(this.contactPhone);
      if (phone.ok) contactPhone = phone.e164;
      else this.#phoneError = validationMessage(phone.issue);
    }
    const password = Password.safeParse(this.password);
    this.#passwordError = password.success
      ? null
      : parseErrorMessage(password.error, 'password.empty');
    if (!email.success) return { kind: 'invalid', field: 'email' };
    if (this.#phoneError) return { kind: 'invalid', field: 'contactPhone' };

    const changes = contactChanges(overview, { email: email.data, contactPhone });
    if (!changes) {
      this.#formError = { key: 'security.contact.nothingChanged' };
      return { kind: 'invalid', field: 'email' };
    }
    if (!password.success) return { kind: 'invalid', field: 'password' };

    this.#busy = true;
    const result = await settle(() =>
      airtime().security.changeContact({ ...changes, password: this.password }),
    );
    this.#busy = false;
    if (!result.ok) return this.#fail(result.error);
    this.#done = {
      key: changes.email !== undefined ? 'security.contact.savedEmail' : 'security.contact.saved',
    };
    this.close();
    return { kind: 'done', overview: result.value };
  }

  #fail(error: ApiError): ContactOutcome {
    if (error.code === 'wrong_password') {
      this.#passwordError = { key: 'errors.wrong_password' };
      return { kind: 'invalid', field: 'password' };
    }
    const issue = fieldIssue(error, {
      email: 'email',
      contactPhone: 'contactPhone',
      password: 'password',
    } as const);
    if (issue) {
      if (issue.field === 'email') this.#emailError = issue.message;
      else if (issue.field === 'contactPhone') this.#phoneError = issue.message;
      else this.#passwordError = issue.message;
      return { kind: 'invalid', field: issue.field };
    }
    this.#error = error;
    this.#onError(error);
    return { kind: 'failed' };
  }
}
