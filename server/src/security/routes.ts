import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service';
import type { SecurityService } from './security-service';
import type { ClientInfo } from './security-log';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';
import type { RateLimits } from '../http/shared';

export interface SecurityRoutesOptions {
  auth: AuthService;
  security: SecurityService;
  /** The `password` class limits the routes that take the password, on top of the lockout. */
  rateLimits: RateLimits;
}

const clientOf = (request: FastifyRequest): ClientInfo => ({
  userAgent: request.headers['user-agent'],
  ip: request.ip,
});

/**
 * `/v1/account/*` security center: overview, password and contact changes, signed-in devices and
 * the security history. Every route needs a bearer token, like the rest of `/v1/account`.
 */
export const securityRoutes: FastifyPluginAsyncZod<SecurityRoutesOptions> = async (app, opts) => {
  requireBearerToken(app, opts.auth);

  registerRoutes(
    app,
    [
      'security.overview',
      'security.changePassword',
      'security.changeContact',
      'security.sessions',
      'security.signOutSession',
      'security.signOutOthers',
      'security.events',
    ],
    {
      'security.overview': async (request) => opts.security.overview(request.subscriberId),
      'security.changePassword': async (request) =>
        opts.security.changePassword(
          request.subscriberId,
          request.sessionId,
          request.body,
          clientOf(request),
        ),
      'security.changeContact': async (request) =>
        opts.security.changeContact(
          request.subscriberId,
          request.sessionId,
          request.body,
          clientOf(request),
        ),
      'security.sessions': async (request) =>
        opts.security.sessions(request.subscriberId, request.sessionId),
      'security.signOutSession': async (request, reply) => {
        await opts.security.signOutSession(
          request.subscriberId,
          request.sessionId,
          request.params.id,
          clientOf(request),
        );
        return reply.code(204).send(null);
      },
      'security.signOutOthers': async (request) =>
        opts.security.signOutOthers(request.subscriberId, request.sessionId, clientOf(request)),
      'security.events': async (request) =>
        opts.security.securityEvents(
          request.subscriberId,
          request.query.limit,
          request.query.cursor,
        ),
    },
    { rateLimits: opts.rateLimits },
  );
};
