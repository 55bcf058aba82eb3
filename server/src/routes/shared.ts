import type { FastifyContextConfig } from 'fastify';
import { ApiErrorBody } from '../../../contract/errors';

/** Per-client limit for a group of routes, or `false` when turned off. */
export type RouteRateLimit = { max: number; timeWindow: number } | false;

/** Error answers every route with a JSON body can give, for its response schemas. */
export const JSON_BODY_ERRORS = {
  400: ApiErrorBody,
  413: ApiErrorBody,
  415: ApiErrorBody,
  429: ApiErrorBody,
};

/** The route config that applies a group's rate limit, if any. */
export function rateLimitConfig(limit: RouteRateLimit): FastifyContextConfig {
  return limit ? { rateLimit: limit } : {};
}

/**
 * The OpenAPI security of the routes that come before a session (sign-in, 2-step, refresh,
 * sign-out, password reset): anyone may call them, a store kiosk with its credential. Declared
 * rather than left out, so the document says so instead of saying nothing.
 */
export const PUBLIC_OR_KIOSK: Array<Record<string, string[]>> = [{}, { kioskCredential: [] }];
