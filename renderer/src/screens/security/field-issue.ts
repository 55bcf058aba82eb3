import type { ApiError } from '../../../../contract/errors';
import type { Message } from '../../i18n/keys';
import { issueMessage } from '../../lib/messages';

/**
 * When the API refused the request as invalid, the form field its first issue is about (by the
 * form's own name for it) and the issue in words; `null` when no field of the form is named.
 */
export function fieldIssue<F extends string>(
  error: ApiError,
  fieldsByPath: Readonly<Record<string, F>>,
): { field: F; message: Message } | null {
  const issue = error.code === 'invalid_request' ? error.issues?.[0] : undefined;
  if (!issue || !Object.hasOwn(fieldsByPath, issue.path)) return null;
  return { field: fieldsByPath[issue.path]!, message: issueMessage(issue) };
}
