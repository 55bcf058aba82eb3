import type { FastifyContextConfig, FastifyReply } from 'fastify';
import type { RateLimitClass } from '../../../contract/http/routes';
import type { IdempotentAnswer } from '../billing/idempotency';

/** Per-client limit for a group of routes, or `false` when turned off. */
export type RouteRateLimit = { max: number; timeWindow: number } | false;

/** This server's limit for each rate-limit class of the route table. */
export type RateLimits = Record<Exclude<RateLimitClass, 'none'>, RouteRateLimit>;

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

/**
 * Sends what an idempotent operation answered: the first answer, or the stored one again for a
 * retry with the same key (marked as a replay). A stored answer may be an error body, so the
 * reply is not typed by the route's success schema here.
 */
export function sendAnswer(reply: FastifyReply, answer: IdempotentAnswer): FastifyReply {
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(answer.status).send(answer.body as never);
}
