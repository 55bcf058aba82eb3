import type { ApiError } from '../../../../contract/errors';
import type { AutopayRun } from '../../../../contract/http/autopay';
import type { Message, TranslationKey } from '../../i18n/keys';
import { errorMessage } from '../../lib/errors';

/** A card's expiry as the API keeps it. */
export interface CardExpiry {
  expMonth: number;
  expYear: number;
}

/**
 * True once the card's month is over (cards work until the end of their expiry month), judged
 * on the calendar of this computer, as people read the date printed on a card.
 */
export function cardExpired(card: CardExpiry, today: Date = new Date()): boolean {
  const thisMonth = today.getFullYear() * 12 + today.getMonth();
  return card.expYear * 12 + (card.expMonth - 1) < thisMonth;
}

/** `08/29`: a card's expiry as printed on it. */
export function expiryText(card: CardExpiry): string {
  return `${String(card.expMonth).padStart(2, '0')}/${String(card.expYear % 100).padStart(2, '0')}`;
}

/** The processor's decline reasons, in plain words. */
const DECLINES: Partial<Record<string, TranslationKey>> = {
  card_declined: 'autopay.decline.card_declined',
  insufficient_funds: 'autopay.decline.insufficient_funds',
  invalid_token: 'autopay.decline.invalid_token',
};

/**
 * Reasons the API gives for a run that charged nothing. They arrive as English sentences (the
 * run keeps no code for them), so the known ones are matched here to be said in the person's
 * language; one not listed is shown as the API wrote it.
 */
const RUN_REASONS: ReadonlyArray<[prefix: string, key: TranslationKey]> = [
  ['The renewal day passed before AutoPay', 'autopay.lastRun.reasonTooLate'],
  ['The AutoPay card was removed', 'autopay.lastRun.reasonCardRemoved'],
  ['The AutoPay card ending', 'autopay.lastRun.reasonCardExpired'],
  ['AutoPay was turned off', 'autopay.lastRun.reasonTurnedOff'],
  ['The balance already covers this renewal', 'autopay.lastRun.reasonCovered'],
];

/** Why a run failed or was skipped, in words a subscriber understands; null for a payment. */
export function runReason(run: AutopayRun): Message | null {
  if (run.status === 'succeeded') return null;
  if (run.declineCode !== null) {
    return { key: DECLINES[run.declineCode] ?? 'autopay.decline.other' };
  }
  const known = RUN_REASONS.find(([prefix]) => run.message.startsWith(prefix));
  if (known) return { key: known[1] };
  return run.message.trim() === '' ? null : { text: run.message };
}

/**
 * What the person is told when turning AutoPay on or off did not work. The API refuses an expired
 * card with `card_invalid` and a card no longer saved with `payment_method_not_found`.
 */
export function autopayErrorMessage(error: ApiError): Message {
  if (error.code === 'card_invalid') return { key: 'autopay.errors.cardExpired' };
  if (error.code === 'payment_method_not_found') return { key: 'autopay.errors.cardGone' };
  return errorMessage(error);
}
