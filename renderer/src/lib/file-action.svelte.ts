import type { ApiError } from '../../../contract/errors';
import type { Result, SaveOutcome } from '../../../contract/ipc';
import { settle } from './airtime';
import type { ResourceOptions } from './resource.svelte';

/** Where a download or export stands, for the status line under its button. */
export type FileActionState =
  | { status: 'idle' }
  | { status: 'working' }
  | { status: 'saved'; fileName: string }
  | { status: 'opened'; fileName: string }
  | { status: 'cancelled' }
  | { status: 'failed'; error: ApiError; opening: boolean };

/**
 * One "save a file" or "open a file" action (a statement PDF, a CSV export). The bytes never
 * reach the renderer: main asks where to save and answers only the file name. One at a time;
 * a second click while one runs does nothing.
 */
export class FileAction {
  #state = $state.raw<FileActionState>({ status: 'idle' });
  readonly #options: ResourceOptions;

  constructor(options: ResourceOptions = {}) {
    this.#options = options;
  }

  get state(): FileActionState {
    return this.#state;
  }
  get busy(): boolean {
    return this.#state.status === 'working';
  }

  async save(call: () => Promise<Result<SaveOutcome>>): Promise<void> {
    if (this.busy) return;
    this.#state = { status: 'working' };
    const result = await settle(call);
    if (!result.ok) return this.#failed(result.error, false);
    this.#state = result.value.saved
      ? { status: 'saved', fileName: result.value.fileName }
      : { status: 'cancelled' };
  }

  async open(call: () => Promise<Result<{ fileName: string }>>): Promise<void> {
    if (this.busy) return;
    this.#state = { status: 'working' };
    const result = await settle(call);
    if (!result.ok) return this.#failed(result.error, true);
    this.#state = { status: 'opened', fileName: result.value.fileName };
  }

  /** Forgets the last outcome (the filters it was for changed, say). */
  reset(): void {
    if (!this.busy) this.#state = { status: 'idle' };
  }

  #failed(error: ApiError, opening: boolean): void {
    this.#state = { status: 'failed', error, opening };
    this.#options.onError?.(error);
  }
}
