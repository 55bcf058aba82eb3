import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DeclineCode } from '../../../contract/cards';
import type { AutopayRunReasonCode, AutopayRunsTable, Database, PaymentsTable } from '../db/schema';
import type { Clock } from '../clock';
import type { ChargeResult } from './processor';
import { storedLineItem } from './line-items';
import { receiptNumber } from './receipts';
import { ledgerBalance, lockSubscriber } from '../account/plan-change-store';
import { ClaimLost } from './autopay-claims';
import { newId } from '../db/ids';

type Db = Kysely<Database> | Transaction<Database>;

export type Outcome = 'succeeded' | 'failed' | 'skipped' | 'deferred';

const DECLINE_REASONS: Record<DeclineCode, string> = {
  card_declined: 'the card was declined',
  insufficient_funds: 'the card was declined for insufficient funds',
  invalid_token: 'the saved card can no longer be charged',
};

function dollars(cents: number, currency: string): string {
  return `${currency === 'USD' ? '$' : `${currency} `}${(cents / 100).toFixed(2)}`;
}

export async function finishWithoutCharge(
  db: Db,
  clock: Clock,
  id: string,
  token: string,
  state: 'failed' | 'skipped',
  reason: AutopayRunReasonCode,
  message: string,
): Promise<Outcome> {
  const done = await db
    .updateTable('autopay_runs')
    .set({ state, reason, message, finished_at: clock.now(), claim_token: null, lease_until: null })
    .where('id', '=', id)
    .where('claim_token', '=', token)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) !== 1) throw new ClaimLost();
  return state;
}

/** The payment row, the ledger credit (on success) and the run's outcome, together or not at all. */
export async function recordCharge(
  db: Kysely<Database>,
  clock: Clock,
  run: Selectable<AutopayRunsTable>,
  token: string,
  charge: ChargeResult,
): Promise<Outcome> {
  const now = clock.now();
  const succeeded = charge.status === 'succeeded';
  const amountCents = run.amount_cents!;
  const currency = run.currency!;
  const declineCode = succeeded ? null : (charge.declineCode ?? 'card_declined');
  const brand = run.card_brand && run.card_brand !== 'unknown' ? `${run.card_brand} ` : '';
  const card = `${brand}card ending ${run.card_last4 ?? ''}`;
  const message = succeeded
    ? `Paid ${dollars(amountCents, currency)} with the ${card} for the renewal on ${run.renews_on}.`
    : `AutoPay could not pay ${dollars(amountCents, currency)} for the renewal on ${run.renews_on}: ${DECLINE_REASONS[declineCode!]}. Pay by another card before the renewal.`;
  const paymentId = newId('pay');
  const item = storedLineItem({
    kind: 'autopay_payment',
    brand: run.card_brand ?? 'unknown',
    last4: run.card_last4,
  });
  await db.transaction().execute(async (trx) => {
    // First statement a write: on SQLite the transaction takes the write lock at once (and waits
    // for it) instead of failing to upgrade a read later. It is the subscriber's lock, taken
    // before the run's row as `decideCharge` does, so the two never wait on each other in a
    // cycle, and the balance read below is the one this payment lands on.
    await lockSubscriber(trx, run.subscriber_id);
    const taken = await trx
      .updateTable('autopay_runs')
      .set({
        state: succeeded ? 'succeeded' : 'failed',
        message,
        reason: succeeded ? null : 'declined',
        decline_code: declineCode,
        finished_at: now,
        claim_token: null,
        lease_until: null,
      })
      .where('id', '=', run.id)
      .where('claim_token', '=', token)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) throw new ClaimLost();
    const payment: Selectable<PaymentsTable> = {
      id: paymentId,
      subscriber_id: run.subscriber_id,
      amount_cents: amountCents,
      currency,
      method: 'autopay',
      card_last4: run.card_last4,
      card_brand: run.card_brand,
      status: succeeded ? 'succeeded' : 'failed',
      item,
      created_at: now,
      statement_id: null,
      receipt_number: receiptNumber(now),
      balance_after_cents: succeeded
        ? (await ledgerBalance(trx, run.subscriber_id)) + amountCents
        : null,
      decline_code: declineCode,
    };
    await trx.insertInto('payments').values(payment).execute();
    if (succeeded) {
      await trx
        .insertInto('ledger_entries')
        .values({
          id: `${paymentId}-credit`,
          subscriber_id: run.subscriber_id,
          kind: 'payment',
          amount_cents: amountCents,
          currency,
          item,
          created_at: now,
          statement_id: null,
          payment_id: paymentId,
        })
        .execute();
    }
    await trx
      .updateTable('autopay_runs')
      .set({ payment_id: paymentId })
      .where('id', '=', run.id)
      .execute();
  });
  return succeeded ? 'succeeded' : 'failed';
}
