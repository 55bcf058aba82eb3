import type { ApiError } from '../../../../contract/errors';
import type { ActiveSession } from '../../../../contract/http/security';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { errorMessage } from '../../lib/errors';

/**
 * Signing other devices out: one at a time or all but this computer, each after a confirmation.
 * The list is refreshed afterwards (by `onChanged`), whatever the answer.
 */
export class SessionActions {
  confirmOne = $state(false);
  confirmOthers = $state(false);

  #target = $state.raw<ActiveSession | null>(null);
  #busy = $state(false);
  #error = $state.raw<Message | null>(null);
  #done = $state.raw<Message | null>(null);
  readonly #onChanged: () => void;
  readonly #onError: (error: ApiError) => void;

  constructor(options: { onChanged?: () => void; onError?: (error: ApiError) => void } = {}) {
    this.#onChanged = options.onChanged ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  /** The device the sign-out dialog is about. */
  get target(): ActiveSession | null {
    return this.#target;
  }
  get busy(): boolean {
    return this.#busy;
  }
  /** Why the dialog's action failed. */
  get error(): Message | null {
    return this.#error;
  }
  /** "Pixel 8 was signed out.", said once. */
  get done(): Message | null {
    return this.#done;
  }

  ask(session: ActiveSession): void {
    if (session.current) return;
    this.#target = session;
    this.#error = null;
    this.#done = null;
    this.confirmOne = true;
  }

  askOthers(): void {
    this.#error = null;
    this.#done = null;
    this.confirmOthers = true;
  }

  async signOutOne(): Promise<boolean> {
    const target = this.#target;
    if (!target || this.#busy) return false;
    this.#busy = true;
    this.#error = null;
    const result = await settle(() => airtime().security.signOutSession({ id: target.id }));
    this.#busy = false;
    // Already gone is what was wanted: say it is signed out, and refresh the list either way.
    if (result.ok || result.error.code === 'session_not_found') {
      this.confirmOne = false;
      this.#done = { key: 'security.sessions.signedOutOne', values: { device: target.deviceName } };
      this.#onChanged();
      return true;
    }
    this.#error = errorMessage(result.error);
    this.#onError(result.error);
    return false;
  }

  async signOutOthers(): Promise<boolean> {
    if (this.#busy) return false;
    this.#busy = true;
    this.#error = null;
    const result = await settle(() => airtime().security.signOutOthers());
    this.#busy = false;
    if (!result.ok) {
      this.#error = errorMessage(result.error);
      this.#onError(result.error);
      return false;
    }
    this.confirmOthers = false;
    const count = result.value.signedOut;
    this.#done =
      count === 0
        ? { key: 'security.sessions.noneSignedOut' }
        : { key: 'security.sessions.signedOutOthers', values: { count } };
    this.#onChanged();
    return true;
  }
}
