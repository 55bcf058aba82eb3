import { z } from 'zod';

/**
 * Payment cards as every part of Airtime names them: the API stores and sends these values, main
 * prints them on kiosk receipts, the renderer words them from its catalogue by value
 * (`cards.brand.<brand>`, `cards.decline.<code>`).
 */

/** The card networks told apart; any other card is `unknown` (still a card that can be used). */
export const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover', 'unknown'] as const;
export const CardBrand = z.enum(CARD_BRANDS);
export type CardBrand = z.infer<typeof CardBrand>;

/**
 * A brand as printed on the card, for the English text the API and main write themselves
 * (e-mailed and printed receipts). The renderer words brands from its catalogues instead.
 */
export const CARD_BRAND_NAMES: Readonly<Record<CardBrand, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  unknown: 'Card',
};

/**
 * Why a card was refused by its issuer or the processor. `card_declined` is the general refusal,
 * the one given when nothing more specific is known; `invalid_token` is a saved card the
 * processor no longer has.
 */
export const DECLINE_CODES = ['card_declined', 'insufficient_funds', 'invalid_token'] as const;
export const DeclineCode = z.enum(DECLINE_CODES);
export type DeclineCode = z.infer<typeof DeclineCode>;

/**
 * A decline code in an answer of the API. Processors add reasons over time: one this version does
 * not know yet is read as the general refusal rather than making the whole answer unreadable.
 * Sending is strict: the API may only send a {@link DeclineCode}.
 */
export const DeclineCodeField = DeclineCode.catch('card_declined');
