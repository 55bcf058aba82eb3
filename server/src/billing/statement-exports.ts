import type { Kysely } from 'kysely';
import type { ExportFilters, Payment } from '../../../contract/http/account';
import { lineItemText } from '../../../contract/line-item-words';
import { Language } from '../../../contract/settings';
import type { Clock } from '../clock';
import type { Database } from '../db/schema';
import { unauthorized } from '../errors';
import { PAYMENT_COLUMNS, type AccountService } from '../account/account-service';
import { isoDay } from './billing-cycle';
import { toCsv } from './csv';
import { msRangeOf, narrowByFilters } from './export-filters';
import { readLineItem } from './line-items';
import { filteredStatements, statementStatus } from './statement-query';
import type { StatementDocument } from './statement-pdf';

export const STATEMENTS_CSV_HEADER = [
  'statement_id',
  'period_start',
  'period_end',
  'issue_date',
  'due_date',
  'plan',
  'total',
  'paid',
  'amount_due',
  'currency',
  'status',
] as const;

export const PAYMENTS_CSV_HEADER = [
  'payment_id',
  'created_at',
  'amount',
  'currency',
  'method',
  'description',
  'card_last4',
  'status',
  'statement_id',
] as const;

/** Downloads of the signed-in subscriber's own statements and payments (PDF and CSV). */
export class StatementExports {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly account: AccountService,
  ) {}

  /** What the statement PDF shows; 404 statement_not_found for an id not on this account. */
  async statementDocument(subscriberId: string, statementId: string): Promise<StatementDocument> {
    const statement = await this.account.statement(subscriberId, statementId);
    const [subscriber, payments] = await Promise.all([
      this.db
        .selectFrom('subscribers')
        .select(['name', 'phone'])
        .where('id', '=', subscriberId)
        .executeTakeFirst(),
      this.db
        .selectFrom('payments')
        .select(PAYMENT_COLUMNS)
        .where('subscriber_id', '=', subscriberId)
        .where('statement_id', '=', statement.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    ]);
    if (!subscriber) throw unauthorized('This account no longer exists.');
    const received = payments
      .filter((p) => p.status === 'succeeded')
      .reduce((sum, p) => sum + Number(p.amount_cents), 0);
    return {
      statement,
      subscriber,
      // What is paid is allocated oldest statement first, so it differs from the payments made
      // against this statement by what came from (or went to) the rest of the account.
      creditApplied: {
        amountCents: statement.paid.amountCents - received,
        currency: statement.paid.currency,
      },
      payments: payments.map((r): Payment => ({
        id: r.id,
        createdAt: new Date(r.created_at).toISOString(),
        amount: { amountCents: r.amount_cents, currency: r.currency },
        method: r.method,
        item: readLineItem(r.item),
        cardLast4: r.card_last4,
        cardBrand: r.card_last4 ? (r.card_brand ?? 'unknown') : null,
        status: r.status,
      })),
    };
  }

  /**
   * Every statement the filters select, newest first, as CSV. Not paginated: one account has
   * one statement a month, so even decades of history are a few hundred rows.
   */
  async statementsCsv(subscriberId: string, filters: ExportFilters): Promise<string> {
    const today = isoDay(this.clock.now());
    const rows = await filteredStatements(this.db, subscriberId, filters)
      .select([
        'st.id',
        'st.period_start',
        'st.period_end',
        'st.issued_at',
        'st.due_date',
        'st.plan_name',
        'st.total_cents',
        'st.currency',
      ])
      .orderBy('st.period_start', 'desc')
      .orderBy('st.id', 'desc')
      .execute();
    return toCsv(
      STATEMENTS_CSV_HEADER,
      rows.map((r) => {
        const paidCents = Number(r.paid);
        return [
          r.id,
          r.period_start,
          r.period_end,
          isoDay(Number(r.issued_at)),
          r.due_date,
          r.plan_name,
          { cents: r.total_cents },
          { cents: paidCents },
          { cents: Math.max(0, r.total_cents - paidCents) },
          r.currency,
          statementStatus(r.total_cents, paidCents, r.due_date, today),
        ];
      }),
    );
  }

  /**
   * Every payment the filters select (by the month it was made in), newest first, as CSV. The
   * `description` column words each payment in `filters.lang`; the other columns are codes and
   * figures, the same in every language.
   */
  async paymentsCsv(subscriberId: string, filters: ExportFilters): Promise<string> {
    const language = filters.lang ?? 'en';
    const range = msRangeOf(filters);
    const rows = await narrowByFilters(
      this.db.selectFrom('payments').where('subscriber_id', '=', subscriberId),
      'created_at',
      'amount_cents',
      range,
      filters,
    )
      .select([...PAYMENT_COLUMNS, 'statement_id'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return toCsv(
      PAYMENTS_CSV_HEADER,
      rows.map((r) => [
        r.id,
        new Date(Number(r.created_at)).toISOString(),
        { cents: r.amount_cents },
        r.currency,
        r.method,
        lineItemText(readLineItem(r.item), language),
        r.card_last4,
        r.status,
        r.statement_id,
      ]),
    );
  }
}

/**
 * The language a download is asked for: `lang` of its query when given, else the first language
 * of `Accept-Language` this API writes files in (by the order of preference it gives), else
 * English.
 */
export function documentLanguage(
  lang: Language | undefined,
  acceptLanguage: string | string[] | undefined,
): Language {
  if (lang) return lang;
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find((m) => m !== null);
      return { primary: tag.trim().toLowerCase().split('-')[0]!, q: q ? Number(q[1]) : 1, index };
    })
    .filter((choice) => choice.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const choice of ranked) {
    const language = Language.safeParse(choice.primary);
    if (language.success) return language.data;
  }
  return 'en';
}
