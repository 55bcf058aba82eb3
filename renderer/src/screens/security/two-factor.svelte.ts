import type { ApiError, ErrorCode } from '../../../../contract/errors';
import type { TwoFactorMethod } from '../../../../contract/http/two-factor';
import { Password } from '../../../../contract/http/auth';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { isCompleteCode, sanitizeCode } from '../../lib/codes';
import { Countdown } from '../../lib/countdown.svelte';
import { errorMessage, isRetryable } from '../../lib/errors';
import { issueMessage, parseErrorMessage } from '../../lib/messages';

export type TwoFactorStage =
  | { name: 'idle' }
  | { name: 'choose' }
  | { name: 'totp'; secret: string; otpauthUri: string }
  | { name: 'sms'; destination: string }
  /** Ten recovery codes, shown once: after turning 2-step on, or after asking for new ones. */
  | { name: 'codes'; codes: string[]; reason: 'enabled' | 'replaced' };

type Busy = 'enrol' | 'confirm' | 'resend' | 'disable' | 'codes';

export type ActionOutcome =
  | { kind: 'done' }
  | { kind: 'invalid'; field: 'code' | 'password' }
  | { kind: 'failed' }
  | { kind: 'ignored' };

/** Answers after which the overview is out of date (2-step was turned on or off elsewhere). */
const STALE: ReadonlySet<ErrorCode> = new Set([
  'two_factor_already_enabled',
  'two_factor_not_enabled',
]);

/**
 * Turning 2-step verification on (choose a method, scan the QR code or get a text, confirm a
 * code, save the recovery codes), turning it off, and replacing the recovery codes. The last two
 * ask for the password again.
 */
export class TwoFactorSetup {
  method = $state<TwoFactorMethod>('totp');
  code = $state('');
  /** "I saved these codes": the codes may be put away only once this is ticked. */
  saved = $state(false);
  /** The password typed into the turn-off or new-codes dialog. */
  password = $state('');
  confirmDisable = $state(false);
  confirmCodes = $state(false);

  #stage = $state.raw<TwoFactorStage>({ name: 'idle' });
  #busy = $state<Busy | null>(null);
  #error = $state.raw<ApiError | null>(null);
  #codeError = $state.raw<Message | null>(null);
  #passwordError = $state.raw<Message | null>(null);
  #dialogError = $state.raw<Message | null>(null);
  #done = $state.raw<Message | null>(null);
  readonly #resendCooldown: Countdown;
  readonly #onChanged: () => void;
  readonly #onError: (error: ApiError) => void;

  constructor(
    options: {
      onChanged?: () => void;
      onError?: (error: ApiError) => void;
      now?: () => number;
    } = {},
  ) {
    this.#onChanged = options.onChanged ?? (() => {});
    this.#onError = options.onError ?? (() => {});
    this.#resendCooldown = new Countdown(options.now ? { now: options.now } : {});
  }

  get stage(): TwoFactorStage {
    return this.#stage;
  }
  get busy(): Busy | null {
    return this.#busy;
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
  get codeError(): Message | null {
    return this.#codeError;
  }
  get passwordError(): Message | null {
    return this.#passwordError;
  }
  /** Why the dialog's action failed, when it was not the password. */
  get dialogError(): Message | null {
    return this.#dialogError;
  }
  /** What just changed, said once ("2-step verification is on."). */
  get done(): Message | null {
    return this.#done;
  }
  get resendSeconds(): number {
    return this.#resendCooldown.remaining;
  }

  /** "Turn on": choose how codes will come. */
  begin(): void {
    this.#reset();
    this.method = 'totp';
    this.#stage = { name: 'choose' };
  }

  /** Leaves the setup before it is confirmed; 2-step stays off. */
  cancelSetup(): void {
    this.#reset();
    this.#stage = { name: 'idle' };
  }

  /** Asks for the secret (authenticator app) or for a text with a code. */
  async enrol(): Promise<ActionOutcome> {
    if (this.#busy) return { kind: 'ignored' };
    this.#begin('enrol');
    const result = await settle(() => airtime().security.twoFactorEnrol({ method: this.method }));
    this.#busy = null;
    if (!result.ok) return this.#fail(result.error);
    const setup = result.value;
    this.code = '';
    this.#codeError = null;
    if (setup.method === 'totp') {
      this.#stage = { name: 'totp', secret: setup.secret, otpauthUri: setup.otpauthUri };
    } else {
      this.#stage = { name: 'sms', destination: setup.destination };
      this.#resendCooldown.start(setup.resendAfterSeconds);
    }
    return { kind: 'done' };
  }

  /** Another text with a code, once the cooldown allows. */
  async resend(): Promise<ActionOutcome> {
    if (this.#busy || this.#stage.name !== 'sms' || this.#resendCooldown.running) {
      return { kind: 'ignored' };
    }
    this.#begin('resend');
    const result = await settle(() => airtime().security.twoFactorResend());
    this.#busy = null;
    if (!result.ok) {
      const error = result.error;
      if (error.code === 'rate_limited' && error.retryAfterSeconds !== undefined) {
        this.#resendCooldown.start(error.retryAfterSeconds);
      }
      return this.#fail(error);
    }
    this.#stage = { name: 'sms', destination: result.value.destination };
    this.#resendCooldown.start(result.value.resendAfterSeconds);
    this.#done = {
      key: 'security.twoFactor.resent',
      values: { destination: result.value.destination },
    };
    return { kind: 'done' };
  }

  setCode(raw: string): void {
    this.code = sanitizeCode(raw, 'digits');
    if (this.#codeError && isCompleteCode(this.code, 'digits')) this.#codeError = null;
  }

  /** Proves the app or the phone works: 2-step turns on, and the recovery codes are shown. */
  async confirm(): Promise<ActionOutcome> {
    if (this.#busy) return { kind: 'ignored' };
    if (!isCompleteCode(this.code, 'digits')) {
      this.#codeError = { key: 'validation.code.sixDigits' };
      return { kind: 'invalid', field: 'code' };
    }
    this.#begin('confirm');
    const result = await settle(() => airtime().security.twoFactorConfirm({ code: this.code }));
    this.#busy = null;
    if (!result.ok) {
      const error = result.error;
      if (error.code === 'invalid_code') {
        this.#codeError = errorMessage(error);
        return { kind: 'invalid', field: 'code' };
      }
      return this.#fail(error);
    }
    this.#resendCooldown.reset();
    this.code = '';
    this.saved = false;
    this.#stage = { name: 'codes', codes: result.value.recoveryCodes, reason: 'enabled' };
    this.#onChanged();
    return { kind: 'done' };
  }

  /** The codes are put away (only once "I saved these codes" is ticked). */
  finish(): boolean {
    const stage = this.#stage;
    if (stage.name !== 'codes' || !this.saved) return false;
    this.#stage = { name: 'idle' };
    this.saved = false;
    this.#done = {
      key:
        stage.reason === 'enabled' ? 'security.twoFactor.enabled' : 'security.twoFactor.codesSaved',
    };
    return true;
  }

  /** Opens the turn-off dialog. */
  askDisable(): void {
    this.#resetDialog();
    this.confirmDisable = true;
  }

  /** Opens the new-recovery-codes dialog. */
  askNewCodes(): void {
    this.#resetDialog();
    this.confirmCodes = true;
  }

  editedPassword(): void {
    this.#passwordError = null;
  }

  async disable(): Promise<ActionOutcome> {
    if (this.#busy) return { kind: 'ignored' };
    const password = this.#checkedPassword();
    if (password === null) return { kind: 'invalid', field: 'password' };
    this.#begin('disable');
    const result = await settle(() => airtime().security.twoFactorDisable({ password }));
    this.#busy = null;
    if (!result.ok) return this.#failInDialog(result.error);
    this.confirmDisable = false;
    this.password = '';
    this.#stage = { name: 'idle' };
    this.#done = { key: 'security.twoFactor.disabled' };
    this.#onChanged();
    return { kind: 'done' };
  }

  async replaceCodes(): Promise<ActionOutcome> {
    if (this.#busy) return { kind: 'ignored' };
    const password = this.#checkedPassword();
    if (password === null) return { kind: 'invalid', field: 'password' };
    this.#begin('codes');
    const result = await settle(() => airtime().security.recoveryCodes({ password }));
    this.#busy = null;
    if (!result.ok) return this.#failInDialog(result.error);
    this.confirmCodes = false;
    this.password = '';
    this.saved = false;
    this.#stage = { name: 'codes', codes: result.value.recoveryCodes, reason: 'replaced' };
    this.#onChanged();
    return { kind: 'done' };
  }

  dispose(): void {
    this.#resendCooldown.stop();
  }

  #checkedPassword(): string | null {
    const parsed = Password.safeParse(this.password);
    if (parsed.success) return parsed.data;
    this.#passwordError = parseErrorMessage(parsed.error, 'password.empty');
    return null;
  }

  #begin(busy: Busy): void {
    this.#busy = busy;
    this.#error = null;
    this.#dialogError = null;
    this.#done = null;
  }

  #reset(): void {
    this.#resendCooldown.reset();
    this.code = '';
    this.saved = false;
    this.#error = null;
    this.#codeError = null;
    this.#done = null;
  }

  #resetDialog(): void {
    this.password = '';
    this.#passwordError = null;
    this.#dialogError = null;
    this.#done = null;
  }

  #fail(error: ApiError): ActionOutcome {
    this.#error = error;
    this.#onError(error);
    if (STALE.has(error.code)) {
      this.#stage = { name: 'idle' };
      this.#onChanged();
    }
    return { kind: 'failed' };
  }

  #failInDialog(error: ApiError): ActionOutcome {
    if (error.code === 'wrong_password') {
      this.#passwordError = { key: 'errors.wrong_password' };
      return { kind: 'invalid', field: 'password' };
    }
    if (error.code === 'invalid_request' && error.issues?.[0]?.path === 'password') {
      this.#passwordError = issueMessage(error.issues[0]);
      return { kind: 'invalid', field: 'password' };
    }
    if (STALE.has(error.code)) {
      // Already off (or on) from another device: nothing left to confirm here.
      this.confirmDisable = false;
      this.confirmCodes = false;
      return this.#fail(error);
    }
    this.#dialogError = errorMessage(error);
    this.#onError(error);
    return { kind: 'failed' };
  }
}
