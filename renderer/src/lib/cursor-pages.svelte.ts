import type { ApiError } from '../../../contract/errors';
import type { Result } from '../../../contract/ipc';
import { settle } from './airtime';
import { Resource, type ResourceOptions } from './resource.svelte';

/** One page of a keyset-paginated list, as the API sends it. */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A list shown a page at a time: the newest page as a `Resource` (with its loading and error
 * states), and older pages appended by "Show more". Used by the dashboard's statements and the
 * security center's history.
 */
export class CursorPages<T> {
  readonly first: Resource<CursorPage<T>>;
  #older = $state.raw<T[]>([]);
  #nextCursor = $state<string | null>(null);
  #moreLoading = $state(false);
  #moreError = $state.raw<ApiError | null>(null);
  readonly #fetchPage: (page: { cursor?: string; limit: number }) => Promise<Result<CursorPage<T>>>;
  readonly #limit: number;
  readonly #options: ResourceOptions;

  constructor(
    fetchPage: (page: { cursor?: string; limit: number }) => Promise<Result<CursorPage<T>>>,
    limit: number,
    options: ResourceOptions,
  ) {
    this.#fetchPage = fetchPage;
    this.#limit = limit;
    this.#options = options;
    this.first = new Resource(() => fetchPage({ limit }), options);
  }

  get items(): T[] {
    return [...(this.first.value?.items ?? []), ...this.#older];
  }
  get hasMore(): boolean {
    return this.#nextCursor !== null;
  }
  get moreLoading(): boolean {
    return this.#moreLoading;
  }
  get moreError(): ApiError | null {
    return this.#moreError;
  }

  async load(): Promise<void> {
    this.#older = [];
    this.#moreError = null;
    const page = await this.first.load();
    this.#nextCursor = page?.nextCursor ?? null;
  }

  /** The newest page again, keeping the list on show; older pages are dropped (they shifted). */
  async refresh(): Promise<void> {
    const page = await this.first.refresh();
    if (!page) return;
    this.#older = [];
    this.#moreError = null;
    this.#nextCursor = page.nextCursor;
  }

  async loadMore(): Promise<void> {
    const cursor = this.#nextCursor;
    if (!cursor || this.#moreLoading) return;
    this.#moreLoading = true;
    this.#moreError = null;
    const result = await settle(() => this.#fetchPage({ cursor, limit: this.#limit }));
    this.#moreLoading = false;
    if (result.ok) {
      this.#older = [...this.#older, ...result.value.items];
      this.#nextCursor = result.value.nextCursor;
    } else {
      this.#moreError = result.error;
      this.#options.onError?.(result.error);
    }
  }
}
