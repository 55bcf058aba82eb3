import type { PasswordCheckResult } from '../../contract/ipc';
import { checkPassword, type PasswordContext } from '../../contract/password-policy';

export type PasswordPurpose = 'reset' | 'change';

/** Where the account details a new password must not be built from come from, per purpose. */
export interface PasswordContextSource {
  /** The account being reset: only its phone is known before the reset is done. */
  reset(): PasswordContext;
  /** The signed-in subscriber: phone, name and e-mail. */
  change(): PasswordContext;
}

/**
 * The verdict of the server's own password policy on a new password, for the live meter. Run in
 * main so the account's details come from main's state (the phone being reset, the signed-in
 * subscriber) rather than from what the page sends, and the page does not need the dictionaries.
 */
export function passwordVerdict(
  password: string,
  purpose: PasswordPurpose,
  contexts: PasswordContextSource,
): PasswordCheckResult {
  const check = checkPassword(password, contexts[purpose]());
  return {
    ok: check.ok,
    score: check.score,
    warning: check.feedback.warning,
    suggestions: [...check.feedback.suggestions],
  };
}
