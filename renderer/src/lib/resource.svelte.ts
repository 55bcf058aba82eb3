import type { ApiError } from '../../../contract/errors';
import type { Result } from '../../../contract/ipc';
import { settle } from './airtime';

export type ResourceStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ResourceOptions {
  /** Called with every error, e.g. to return to sign-in when the session has ended. */
  onError?: (error: ApiError) => void;
}

/**
 * One piece of data fetched over the bridge, with its loading, ready and error states.
 * A newer `load()` wins over an older one still in flight.
 */
export class Resource<T> {
  #status = $state<ResourceStatus>('idle');
  #value = $state.raw<T | undefined>(undefined);
  #error = $state.raw<ApiError | null>(null);
  #generation = 0;
  readonly #fetch: () => Promise<Result<T>>;
  readonly #options: ResourceOptions;

  constructor(fetch: () => Promise<Result<T>>, options: ResourceOptions = {}) {
    this.#fetch = fetch;
    this.#options = options;
  }

  get status(): ResourceStatus {
    return this.#status;
  }

  get value(): T | undefined {
    return this.#value;
  }

  get error(): ApiError | null {
    return this.#error;
  }

  get loading(): boolean {
    return this.#status === 'loading' || this.#status === 'idle';
  }

  /** Fetches (again); resolves with the value, or `undefined` on error. */
  async load(): Promise<T | undefined> {
    const generation = ++this.#generation;
    this.#status = 'loading';
    this.#error = null;
    const result = await settle(this.#fetch);
    if (generation !== this.#generation) return this.#value;
    if (result.ok) {
      this.#value = result.value;
      this.#status = 'ready';
      return result.value;
    }
    this.#error = result.error;
    this.#status = 'error';
    this.#options.onError?.(result.error);
    return undefined;
  }

  /**
   * Fetches again while the current value stays on show (no skeleton, nothing moves under the
   * person's focus). A failure leaves the value as it was; `onError` still hears of it.
   */
  async refresh(): Promise<T | undefined> {
    if (this.#status !== 'ready') return this.load();
    const generation = ++this.#generation;
    const result = await settle(this.#fetch);
    if (generation !== this.#generation) return this.#value;
    if (result.ok) {
      this.#value = result.value;
      return result.value;
    }
    this.#options.onError?.(result.error);
    return undefined;
  }

  /** Takes a fresh value that arrived another way (the answer to a change, say). */
  replace(value: T): void {
    this.#generation++;
    this.#value = value;
    this.#error = null;
    this.#status = 'ready';
  }

  /** Loads once; later calls do nothing unless the first one failed. */
  ensure(): void {
    if (this.#status === 'idle') void this.load();
  }
}
