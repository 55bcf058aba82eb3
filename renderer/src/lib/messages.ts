import type { z } from 'zod';
import type { CardBrand, DeclineCode } from '../../../contract/cards';
import type { ErrorCode } from '../../../contract/errors';
import { validationIssueOf, type ValidationIssue } from '../../../contract/validation';
import type { Message, TranslationKey } from '../i18n/keys';

/*
 * The contract's codes in words, each from the catalogue by its value: error codes
 * (`errors.<code>`), validation issues (`validation.<key>`), card brands (`cards.brand.<brand>`)
 * and decline reasons (`cards.decline.<code>`). The keys are typed against the English
 * catalogue, so a value without an English entry does not compile; a unit test checks Spanish.
 */

export function codeMessage(code: ErrorCode): Message {
  const key: TranslationKey = `errors.${code}`;
  return { key };
}

export function validationMessage(issue: ValidationIssue): Message {
  const key: TranslationKey = `validation.${issue}`;
  return { key };
}

/** A card's brand as printed on it; "Card" when the brand is not known. */
export function brandMessage(brand: CardBrand | null | undefined): Message {
  const key: TranslationKey = `cards.brand.${brand ?? 'unknown'}`;
  return { key };
}

/** Why a card was refused; the general refusal when no reason was recorded. */
export function declineMessage(code: DeclineCode | null | undefined): Message {
  const key: TranslationKey = `cards.decline.${code ?? 'card_declined'}`;
  return { key };
}

/**
 * An issue of an error body (`ErrorIssue`) or of a contract schema parsed here (a zod issue): its
 * words by key. An issue without a key (a check no person is expected to fail) keeps its text.
 */
export function issueMessage(issue: {
  issue?: ValidationIssue | undefined;
  message: string;
}): Message {
  const key = issue.issue ?? validationIssueOf(issue);
  return key ? validationMessage(key) : { text: issue.message };
}

/** The first issue of a failed parse in words; `fallback` when the parse gave none. */
export function parseErrorMessage(error: z.ZodError, fallback: ValidationIssue): Message {
  const first = error.issues[0];
  return first ? issueMessage(first) : validationMessage(fallback);
}
