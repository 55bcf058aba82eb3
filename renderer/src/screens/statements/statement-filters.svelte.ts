import type { ApiError } from '../../../../contract/errors';
import type { StatementSummary } from '../../../../contract/http/account';
import type { StatementFilters } from '../../../../contract/ipc';
import type { TranslationKey } from '../../i18n/keys';
import { airtime, settle } from '../../lib/airtime';
import type { ResourceOptions } from '../../lib/resource.svelte';

/** The API's ceiling for an amount filter, in cents. */
export const MAX_AMOUNT_CENTS = 100_000_000_00;
export const SEARCH_PAGE_SIZE = 10;

export type AmountParse =
  { ok: true; cents: number | undefined } | { ok: false; error: TranslationKey };

/**
 * Dollars as typed → whole cents: `45`, `45.5`, `$1,234.50`. Empty means "no bound". Worked on
 * the digits, not on a float, so `0.29` is 29 cents and not 28.999….
 */
export function parseDollars(text: string): AmountParse {
  const trimmed = text.trim().replace(/^\$\s*/, '');
  if (trimmed === '') return { ok: true, cents: undefined };
  if (/^-/.test(trimmed)) return { ok: false, error: 'statements.invalid.negative' };
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(trimmed);
  if (!match) return { ok: false, error: 'statements.invalid.amount' };
  const whole = match[1]!.replaceAll(',', '');
  const fraction = (match[2] ?? '').padEnd(2, '0');
  if (whole.length > 12) return { ok: false, error: 'statements.invalid.tooLarge' };
  const cents = Number(whole) * 100 + Number(fraction);
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, error: 'statements.invalid.tooLarge' };
  return { ok: true, cents };
}

/** What `<input type="month">` gives (`2026-04`), or empty for every month. */
export function parseMonth(text: string): { ok: true; month: string | undefined } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, month: undefined };
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(trimmed) ? { ok: true, month: trimmed } : { ok: false };
}

export type FilterField = 'month' | 'min' | 'max';

/**
 * The statement search form: a month and a range of totals in dollars, checked here with a
 * sentence for each field before anything is sent.
 */
export class StatementFilterForm {
  month = $state('');
  min = $state('');
  max = $state('');
  #errors = $state.raw<Partial<Record<FilterField, TranslationKey>>>({});

  constructor(initial: StatementFilters = {}) {
    this.month = initial.month ?? '';
    this.min = initial.minAmountCents === undefined ? '' : dollars(initial.minAmountCents);
    this.max = initial.maxAmountCents === undefined ? '' : dollars(initial.maxAmountCents);
  }

  get errors(): Partial<Record<FilterField, TranslationKey>> {
    return this.#errors;
  }

  /** The first field with a problem, in the form's order: where focus goes. */
  get firstInvalid(): FilterField | null {
    return (['month', 'min', 'max'] as const).find((f) => this.#errors[f]) ?? null;
  }

  /** A field being edited loses its message; the others keep theirs until the next check. */
  edited(field: FilterField): void {
    if (this.#errors[field]) {
      const { [field]: _gone, ...rest } = this.#errors;
      this.#errors = rest;
    }
  }

  /** The filters the form stands for, or `null` (with messages set) when something is wrong. */
  validate(): StatementFilters | null {
    const errors: Partial<Record<FilterField, TranslationKey>> = {};
    const month = parseMonth(this.month);
    if (!month.ok) errors.month = 'statements.invalid.month';
    const min = parseDollars(this.min);
    if (!min.ok) errors.min = min.error;
    const max = parseDollars(this.max);
    if (!max.ok) errors.max = max.error;
    if (
      min.ok &&
      max.ok &&
      min.cents !== undefined &&
      max.cents !== undefined &&
      min.cents > max.cents
    ) {
      errors.max = 'statements.invalid.order';
    }
    this.#errors = errors;
    if (!month.ok || !min.ok || !max.ok || Object.keys(errors).length > 0) return null;
    return {
      ...(month.month !== undefined ? { month: month.month } : {}),
      ...(min.cents !== undefined ? { minAmountCents: min.cents } : {}),
      ...(max.cents !== undefined ? { maxAmountCents: max.cents } : {}),
    };
  }

  clear(): void {
    this.month = '';
    this.min = '';
    this.max = '';
    this.#errors = {};
  }
}

/** Cents → the dollars a person would type back (`4500` → `45`, `4550` → `45.50`). */
function dollars(cents: number): string {
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(2, '0')}`;
}

/**
 * The statements matching the applied filters: a first page, then older ones on request. A
 * newer search wins over an older one still in flight.
 */
export class StatementSearch {
  #filters = $state.raw<StatementFilters>({});
  #items = $state.raw<StatementSummary[]>([]);
  #nextCursor = $state<string | null>(null);
  #status = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');
  #moreLoading = $state(false);
  #error = $state.raw<ApiError | null>(null);
  #generation = 0;
  readonly #options: ResourceOptions;

  constructor(options: ResourceOptions = {}) {
    this.#options = options;
  }

  get filters(): StatementFilters {
    return this.#filters;
  }
  get items(): StatementSummary[] {
    return this.#items;
  }
  get status(): 'idle' | 'loading' | 'ready' | 'error' {
    return this.#status;
  }
  get error(): ApiError | null {
    return this.#error;
  }
  get hasMore(): boolean {
    return this.#nextCursor !== null;
  }
  get moreLoading(): boolean {
    return this.#moreLoading;
  }

  async search(filters: StatementFilters): Promise<void> {
    const generation = ++this.#generation;
    this.#filters = filters;
    this.#status = 'loading';
    this.#error = null;
    this.#moreLoading = false;
    const result = await settle(() =>
      airtime().account.statements({ ...filters, limit: SEARCH_PAGE_SIZE }),
    );
    if (generation !== this.#generation) return;
    if (result.ok) {
      this.#items = result.value.items;
      this.#nextCursor = result.value.nextCursor;
      this.#status = 'ready';
    } else {
      this.#items = [];
      this.#nextCursor = null;
      this.#error = result.error;
      this.#status = 'error';
      this.#options.onError?.(result.error);
    }
  }

  async loadMore(): Promise<void> {
    const cursor = this.#nextCursor;
    if (!cursor || this.#moreLoading || this.#status !== 'ready') return;
    const generation = this.#generation;
    this.#moreLoading = true;
    this.#error = null;
    const result = await settle(() =>
      airtime().account.statements({ ...this.#filters, cursor, limit: SEARCH_PAGE_SIZE }),
    );
    if (generation !== this.#generation) return;
    this.#moreLoading = false;
    if (result.ok) {
      this.#items = [...this.#items, ...result.value.items];
      this.#nextCursor = result.value.nextCursor;
    } else {
      this.#error = result.error;
      this.#options.onError?.(result.error);
    }
  }
}
