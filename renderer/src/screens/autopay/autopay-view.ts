import type { ApiError } from '../../../../contract/errors';
import type { AutopayRun, AutopayRunReason } from '../../../../contract/http/autopay';
import type { Message, TranslationKey } from '../../i18n/keys';
import { errorMessage } from '../../lib/errors';
import { declineMessage } from '../../lib/messages';

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

/** A run that charged nothing, by the API's reason code, in the person's language. */
const RUN_REASONS: Record<Exclude<AutopayRunReason, 'declined'>, TranslationKey> = {
  too_late: 'autopay.lastRun.reasonTooLate',
  card_removed: 'autopay.lastRun.reasonCardRemoved',
  card_expired: 'autopay.lastRun.reasonCardExpired',
  turned_off: 'autopay.lastRun.reasonTurnedOff',
  covered: 'autopay.lastRun.reasonCovered',
};

/** Why a run failed or was skipped, in words a subscriber understands; null for a payment. */
export function runReason(run: AutopayRun): Message | null {
  if (run.status === 'succeeded') return null;
  if (run.declineCode !== null) return declineMessage(run.declineCode);
  if (run.reason !== null && run.reason !== 'declined') return { key: RUN_REASONS[run.reason] };
  // Runs recorded before reasons had codes: the API's own (English) words.
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
