import type { ApiError } from '../../../../contract/errors';
import { StaffPinInput } from '../../../../contract/kiosk';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { Countdown } from '../../lib/countdown.svelte';
import { errorMessage } from '../../lib/errors';
import { parseErrorMessage } from '../../lib/messages';

/** Longest staff PIN the policy accepts (contract/kiosk.ts). */
export const STAFF_PIN_MAX_LENGTH = 12;

export type StaffExitOutcome =
  | { kind: 'exiting' }
  | { kind: 'invalid' }
  | { kind: 'wrong' }
  | { kind: 'failed'; error: ApiError }
  | { kind: 'ignored' };

/**
 * The staff PIN prompt: digits typed on the keypad, checked by main against the policy's hash.
 * A wrong PIN says so, and when main asks for a pause, counts down until the next try.
 */
export class StaffExitForm {
  pin = $state('');
  #submitting = $state(false);
  #exiting = $state(false);
  #pinError = $state.raw<Message | null>(null);
  #wrong = $state(false);
  #error = $state.raw<ApiError | null>(null);
  #wait = new Countdown();

  get submitting(): boolean {
    return this.#submitting;
  }
  /** True once main accepted the PIN: the app is closing. */
  get exiting(): boolean {
    return this.#exiting;
  }
  get pinError(): Message | null {
    return this.#pinError;
  }
  /** The wrong PIN or another failure in words. */
  get errorMessage(): Message | null {
    if (this.#wrong) return { key: 'kiosk.staff.wrongPin' };
    return this.#error ? errorMessage(this.#error) : null;
  }
  /** Seconds before another PIN may be tried. */
  get waitSeconds(): number {
    return this.#wait.remaining;
  }
  get canSubmit(): boolean {
    return !this.#submitting && !this.#exiting && !this.#wait.running;
  }

  async submit(): Promise<StaffExitOutcome> {
    if (!this.canSubmit) return { kind: 'ignored' };
    const parsed = StaffPinInput.safeParse({ pin: this.pin });
    if (!parsed.success) {
      this.#pinError = parseErrorMessage(parsed.error, 'staffPin');
      return { kind: 'invalid' };
    }
    this.#pinError = null;
    this.#wrong = false;
    this.#error = null;
    this.#submitting = true;
    const result = await settle(() => airtime().kiosk.staffExit(parsed.data));
    this.#submitting = false;
    // The PIN never stays in memory longer than one try.
    this.pin = '';
    if (!result.ok) {
      this.#error = result.error;
      return { kind: 'failed', error: result.error };
    }
    if (result.value.ok) {
      this.#exiting = true;
      return { kind: 'exiting' };
    }
    this.#wrong = true;
    if (result.value.retryAfterSeconds > 0) this.#wait.start(result.value.retryAfterSeconds);
    return { kind: 'wrong' };
  }

  dispose(): void {
    this.#wait.stop();
    this.pin = '';
  }
}
