import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import {
  ApiErrorBody,
  ERROR_TRAITS,
  type ApiError,
  type ErrorCode,
} from '../../../contract/errors';

/**
 * Asserts an API error response: the status, a JSON body in the contract's error shape with
 * nothing beyond it, and the stable code, with a status and details its traits allow. Returns
 * the error for further checks.
 */
export function expectError(
  res: LightMyRequestResponse,
  status: number,
  code: ErrorCode,
): ApiError {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body: unknown = res.json();
  const parsed = ApiErrorBody.safeParse(body);
  expect(parsed.success, res.body).toBe(true);
  // zod drops unknown keys, so equality means the body carries nothing beyond the contract.
  expect(parsed.data).toEqual(body);
  expect(parsed.data!.error.code).toBe(code);
  // The contract's traits say which statuses each code comes with: hold the API to them.
  expect(ERROR_TRAITS[code].status, `${code} with ${status}`).toContain(status);
  for (const field of Object.keys(parsed.data!.error)) {
    if (field === 'code' || field === 'message') continue;
    expect(ERROR_TRAITS[code].details, `${code} carrying ${field}`).toContain(field);
  }
  return parsed.data!.error;
}
