import type {
  AccountSummary,
  PaymentList,
  StatementSummary,
  UsageResponse,
} from '../../../../contract/http/account';
import type { AutopayView } from '../../../../contract/http/autopay';
import type { UsageInsights } from '../../../../contract/http/insights';
import { airtime } from '../../lib/airtime';
import { CursorPages } from '../../lib/cursor-pages.svelte';
import { Resource, type ResourceOptions } from '../../lib/resource.svelte';

/** How many rows the dashboard lists at first. */
export const PAYMENTS_SHOWN = 5;
export const STATEMENTS_PER_PAGE = 6;

/** The statements list: a first page, and older pages appended on request. */
export class StatementPages extends CursorPages<StatementSummary> {
  constructor(options: ResourceOptions) {
    super((page) => airtime().account.statements(page), STATEMENTS_PER_PAGE, options);
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
  /** AutoPay's details, fetched only when the summary flags a failed run or an expiring card. */
  readonly autopay: Resource<AutopayView>;

  constructor(options: ResourceOptions) {
    this.summary = new Resource(() => airtime().account.summary(), options);
    this.usage = new Resource(() => airtime().account.usage(), options);
    this.insights = new Resource(() => airtime().account.insights(), options);
    this.payments = new Resource(
      () => airtime().account.payments({ limit: PAYMENTS_SHOWN }),
      options,
    );
    this.statements = new StatementPages(options);
    this.autopay = new Resource(() => airtime().autopay.get(), options);
  }

  async load(): Promise<void> {
    const summary = await this.summary.load();
    if (!summary) return;
    void this.usage.load();
    void this.insights.load();
    void this.payments.load();
    void this.statements.load();
    if (summary.autopay?.lastRunFailed || summary.autopay?.cardExpiresSoon) {
      void this.autopay.load();
    }
  }

  /** Loads on the first visit; coming back from a statement keeps what is already there. */
  ensure(): void {
    if (this.summary.status === 'idle') void this.load();
  }
}
