import type { ApiError } from '../../../../contract/errors';
import type {
  AccountSummary,
  PaymentList,
  StatementList,
  StatementSummary,
  UsageResponse,
} from '../../../../contract/http/account';
import type { UsageInsights } from '../../../../contract/http/insights';
import { airtime, settle } from '../../lib/airtime';
import { Resource, type ResourceOptions } from '../../lib/resource.svelte';

/** How many rows the dashboard lists at first. */
export const PAYMENTS_SHOWN = 5;
export const STATEMENTS_PER_PAGE = 6;

/** The statements list: a first page, and older pages appended on request. */
export class StatementPages {
  readonly first: Resource<StatementList>;
  #older = $state.raw<StatementSummary[]>([]);
  #nextCursor = $state<string | null>(null);
  #moreLoading = $state(false);
  #moreError = $state.raw<ApiError | null>(null);
  readonly #options: ResourceOptions;

  constructor(options: ResourceOptions) {
    this.#options = options;
    this.first = new Resource(
      () => airtime().account.statements({ limit: STATEMENTS_PER_PAGE }),
      options,
    );
  }

  get items(): StatementSummary[] {
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

  async loadMore(): Promise<void> {
    const cursor = this.#nextCursor;
    if (!cursor || this.#moreLoading) return;
    this.#moreLoading = true;
    this.#moreError = null;
    const result = await settle(() =>
      airtime().account.statements({ cursor, limit: STATEMENTS_PER_PAGE }),
    );
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

/**
 * Everything the dashboard shows. The summary comes first (it is all the first paint needs);
 * the chart, payments and statements load after it, each on its own.
 */
export class DashboardData {
  readonly summary: Resource<AccountSummary>;
  readonly usage: Resource<UsageResponse>;
  /** The data forecast and the plan advisor. */
  readonly insights: Resource<UsageInsights>;
  readonly payments: Resource<PaymentList>;
  readonly statements: StatementPages;

  constructor(options: ResourceOptions) {
    this.summary = new Resource(() => airtime().account.summary(), options);
    this.usage = new Resource(() => airtime().account.usage(), options);
    this.insights = new Resource(() => airtime().account.insights(), options);
    this.payments = new Resource(
      () => airtime().account.payments({ limit: PAYMENTS_SHOWN }),
      options,
    );
    this.statements = new StatementPages(options);
  }

  async load(): Promise<void> {
    const summary = await this.summary.load();
    if (!summary) return;
    void this.usage.load();
    void this.insights.load();
    void this.payments.load();
    void this.statements.load();
  }

  /** Loads on the first visit; coming back from a statement keeps what is already there. */
  ensure(): void {
    if (this.summary.status === 'idle') void this.load();
  }
}
