import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import { PageQuery } from '../../../contract/http/account';
import {
  ChangeContactRequest,
  ChangePasswordRequest,
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionIdParams,
  SessionList,
  SignOutOthersResponse,
} from '../../../contract/http/security';
import type { AuthService } from '../services/auth-service';
import type { SecurityService } from '../services/security-service';
import type { ClientInfo } from '../services/security-log';
import { requireBearerToken } from './bearer-auth';
import { JSON_BODY_ERRORS, rateLimitConfig, type RouteRateLimit } from './shared';

export interface SecurityRoutesOptions {
  auth: AuthService;
  security: SecurityService;
  /** Per-client limit for the routes that take the password, or `false` when turned off. */
  rateLimit: RouteRateLimit;
}

const security = [{ bearerAuth: [] }];
const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
/** A POST may carry a body, so it can also be too large or not JSON. */
const postErrors = { ...JSON_BODY_ERRORS, 401: ApiErrorBody };

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
  // The routes that check a password are limited per client on top of the account lockout.
  const limited = rateLimitConfig(opts.rateLimit);

  app.get(
    '/security',
    {
      schema: {
        summary: "The account's protection at a glance",
        tags: ['security'],
        security,
        response: { 200: SecurityOverview, ...errors },
      },
    },
    async (request) => opts.security.overview(request.subscriberId),
  );

  app.post(
    '/password',
    {
      config: limited,
      schema: {
        summary: 'Change the password; every other session ends',
        description:
          'Needs the current password (401 wrong_password; wrong ones count toward the account lockout, 423 account_locked). The new one must pass the password policy (422 weak_password with feedback). Remembered computers are forgotten, and a notice is e-mailed.',
        tags: ['security'],
        security,
        body: ChangePasswordRequest,
        response: {
          200: ChangePasswordResponse,
          422: ApiErrorBody,
          423: ApiErrorBody,
          ...postErrors,
        },
      },
    },
    async (request) =>
      opts.security.changePassword(
        request.subscriberId,
        request.sessionId,
        request.body,
        clientOf(request),
      ),
  );

  app.post(
    '/contact',
    {
      config: limited,
      schema: {
        summary: 'Change the e-mail address and/or the contact number',
        description:
          'Needs the password (401 wrong_password, 423 account_locked). `contactPhone: null` removes the contact number. A new e-mail address is announced at the old one.',
        tags: ['security'],
        security,
        body: ChangeContactRequest,
        response: { 200: SecurityOverview, 423: ApiErrorBody, ...postErrors },
      },
    },
    async (request) =>
      opts.security.changeContact(
        request.subscriberId,
        request.sessionId,
        request.body,
        clientOf(request),
      ),
  );

  app.get(
    '/sessions',
    {
      schema: {
        summary: 'Signed-in devices, most recently used first',
        tags: ['security'],
        security,
        response: { 200: SessionList, ...errors },
      },
    },
    async (request) => opts.security.sessions(request.subscriberId, request.sessionId),
  );

  app.post(
    '/sessions/:id/sign-out',
    {
      schema: {
        summary: 'Sign out one device (this one included)',
        tags: ['security'],
        security,
        params: SessionIdParams,
        response: { 204: z.null(), 404: ApiErrorBody, ...postErrors },
      },
    },
    async (request, reply) => {
      await opts.security.signOutSession(
        request.subscriberId,
        request.sessionId,
        request.params.id,
        clientOf(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/sessions/sign-out-others',
    {
      schema: {
        summary: 'Sign out every device except this one',
        tags: ['security'],
        security,
        response: { 200: SignOutOthersResponse, ...postErrors },
      },
    },
    async (request) =>
      opts.security.signOutOthers(request.subscriberId, request.sessionId, clientOf(request)),
  );

  app.get(
    '/security-events',
    {
      schema: {
        summary: 'The sign-in and security history, newest first, paginated by cursor',
        tags: ['security'],
        security,
        querystring: PageQuery,
        response: { 200: SecurityEventList, ...errors },
      },
    },
    async (request) =>
      opts.security.securityEvents(request.subscriberId, request.query.limit, request.query.cursor),
  );
};
