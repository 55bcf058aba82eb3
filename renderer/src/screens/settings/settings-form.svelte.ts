import { ApiBaseUrl } from '../../../../contract/settings';
import type { SettingsPatch } from '../../../../contract/settings';
import type { Message } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import { errorMessage } from '../../lib/errors';
import { parseErrorMessage } from '../../lib/messages';
import type { AppState } from '../../state/app.svelte';

export type ConnectionTest =
  | { state: 'idle' }
  | { state: 'testing' }
  | { state: 'ok'; latencyMs: number }
  | { state: 'error'; message: Message };

/**
 * The settings screen's own state: the address being edited (validated with the contract's
 * ApiBaseUrl before it is saved or tested), the connection test, and the forget-this-computer
 * confirmation. Language, theme and the phone toggle go straight to `AppState`.
 */
export class SettingsForm {
  apiBaseUrl = $state('');
  confirmForget = $state(false);

  #addressError = $state.raw<Message | null>(null);
  #saving = $state(false);
  #saved = $state(false);
  #test = $state.raw<ConnectionTest>({ state: 'idle' });
  #changeError = $state.raw<Message | null>(null);
  #forgetting = $state(false);
  readonly #app: AppState;

  constructor(app: AppState) {
    this.#app = app;
    this.apiBaseUrl = app.settings?.apiBaseUrl ?? '';
  }

  get addressError(): Message | null {
    return this.#addressError;
  }
  get saving(): boolean {
    return this.#saving;
  }
  get saved(): boolean {
    return this.#saved;
  }
  get test(): ConnectionTest {
    return this.#test;
  }
  /** Why the last change could not be saved, if it could not. */
  get changeError(): Message | null {
    return this.#changeError;
  }
  get forgetting(): boolean {
    return this.#forgetting;
  }

  /** Clears the address's messages as soon as it is edited. */
  editedAddress(): void {
    this.#addressError = null;
    this.#saved = false;
    this.#test = { state: 'idle' };
  }

  /** The normalised address, or `null` (with the inline error set) when it is not acceptable. */
  #checkedAddress(): string | null {
    const parsed = ApiBaseUrl.safeParse(this.apiBaseUrl);
    if (parsed.success) {
      this.#addressError = null;
      return parsed.data;
    }
    this.#addressError = parseErrorMessage(parsed.error, 'apiBaseUrl.empty');
    return null;
  }

  /** Saves the address; returns false when it was refused (the field then says why). */
  async saveAddress(): Promise<boolean> {
    const address = this.#checkedAddress();
    if (address === null) return false;
    this.#saving = true;
    this.#saved = false;
    const result = await this.#app.updateSettings({ apiBaseUrl: address });
    this.#saving = false;
    if (!result.ok) {
      this.#addressError = errorMessage(result.error);
      return false;
    }
    this.apiBaseUrl = result.value.apiBaseUrl;
    this.#saved = true;
    return true;
  }

  /** Asks main to reach the address being edited (saved or not) and reports the latency. */
  async testConnection(): Promise<boolean> {
    const address = this.#checkedAddress();
    if (address === null) return false;
    this.#test = { state: 'testing' };
    const result = await settle(() => airtime().settings.testConnection({ apiBaseUrl: address }));
    this.#test = result.ok
      ? { state: 'ok', latencyMs: Math.round(result.value.latencyMs) }
      : { state: 'error', message: errorMessage(result.error) };
    return true;
  }

  /** Language, theme and the phone toggle: applied at once, rolled back if main refuses. */
  async change(patch: SettingsPatch): Promise<void> {
    this.#changeError = null;
    const result = await this.#app.updateSettings(patch);
    if (!result.ok) this.#changeError = { key: 'settings.saveFailed' };
  }

  async forget(): Promise<void> {
    this.#forgetting = true;
    this.#changeError = null;
    const result = await this.#app.forgetDevice();
    this.#forgetting = false;
    this.confirmForget = false;
    if (!result.ok) this.#changeError = errorMessage(result.error);
  }
}
