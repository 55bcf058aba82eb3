import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiHttpError } from '../errors';

/*
 * What the parts of 2-step verification share: the hashes its codes and tokens are stored
 * under, and the answers more than one part gives.
 */

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
export const codeHash = (salt: string, code: string): string => sha256(`${salt}:${code}`);

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The answer for a second step whose challenge is gone (used, expired, burned or unknown). */
export const signInExpired = (message = 'This sign-in has expired. Please sign in again.') =>
  new ApiHttpError(401, 'unauthorized', message);

export const alreadyEnabled = () =>
  new ApiHttpError(409, 'two_factor_already_enabled', '2-step verification is already on.');

export const notEnabled = () =>
  new ApiHttpError(409, 'two_factor_not_enabled', '2-step verification is not on.');

export const noSmsSender = () =>
  new ApiHttpError(
    503,
    'service_unavailable',
    'This service cannot send text messages. Use an authenticator app instead.',
  );

export const rateLimited = (retryAfterMs: number, message: string) =>
  new ApiHttpError(429, 'rate_limited', message, { retryAfterSeconds: seconds(retryAfterMs) });

export const codeExpired = () =>
  new ApiHttpError(
    410,
    'code_expired',
    'This code has expired or was already used. Ask for a new one.',
  );

export const tooManyAttempts = () =>
  new ApiHttpError(
    429,
    'too_many_attempts',
    'Too many wrong codes, so this one no longer works. Ask for a new code.',
  );
