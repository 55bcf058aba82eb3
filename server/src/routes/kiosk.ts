import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import {
  KIOSK_CREDENTIAL_HEADER,
  KIOSK_VISIT_HEADER,
  KioskVisitEndResponse,
  KioskVisitStartResponse,
} from '../../../contract/http/kiosk';
import { ApiHttpError } from '../errors';
import { KIOSK_VISIT_TTL_MS, type KioskService } from '../services/kiosk-service';
import { JSON_BODY_ERRORS, rateLimitConfig, type RouteRateLimit } from './shared';

export interface KioskRoutesOptions {
  kiosks: KioskService;
  /** Per-client limit for these routes, or `false` when turned off. */
  rateLimit: RouteRateLimit;
}

/** `/v1/kiosk/*`: what an enrolled store kiosk asks of the API itself (no bearer token). */
export const kioskRoutes: FastifyPluginAsyncZod<KioskRoutesOptions> = async (app, opts) => {
  // Before the body is read: only a kiosk may ask (the credential itself was checked already).
  app.addHook('onRequest', async (request) => {
    if (!request.kiosk) {
      throw new ApiHttpError(
        401,
        'unauthorized',
        `Only an enrolled store kiosk may do this: send its credential in the ${KIOSK_CREDENTIAL_HEADER} header.`,
      );
    }
  });

  app.post(
    '/visits',
    {
      // Starting a visit is what gives the app a visit id.
      config: { ...rateLimitConfig(opts.rateLimit), kioskVisitOptional: true },
      schema: {
        summary: 'Start a customer visit at this kiosk',
        description: `Needs the kiosk credential in ${KIOSK_CREDENTIAL_HEADER}; no bearer token. Issues the visit id the app then sends in ${KIOSK_VISIT_HEADER} with every request of that customer: the API accepts only ids it issued to this kiosk, until visits/end or expiry (then 403 kiosk_visit_unknown). 401 unauthorized without a credential, 403 kiosk_not_enrolled for an unknown, malformed or revoked one.`,
        tags: ['kiosk'],
        security: [{ kioskCredential: [] }],
        body: z.strictObject({}).nullish(),
        response: {
          201: KioskVisitStartResponse,
          401: ApiErrorBody,
          403: ApiErrorBody,
          ...JSON_BODY_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const visit = await opts.kiosks.startVisit(request.kiosk!.id);
      return reply.code(201).send({
        visitId: visit.visitId,
        expiresIn: Math.round(KIOSK_VISIT_TTL_MS / 1000),
      });
    },
  );

  app.post(
    '/visits/end',
    {
      // At start-up, before any customer, the app has no visit id yet.
      config: { ...rateLimitConfig(opts.rateLimit), kioskVisitOptional: true },
      schema: {
        summary: 'End every session opened at this kiosk',
        description: `Needs the kiosk credential in ${KIOSK_CREDENTIAL_HEADER} (the ${KIOSK_VISIT_HEADER} header is optional here); no bearer token. Every open visit of this kiosk ends and every live session signed in at it is revoked, so a customer who walked away, or a kiosk that crashed or restarted, leaves none behind. The app calls it whenever it wipes a customer's session and when it starts. 401 unauthorized without a credential, 403 kiosk_not_enrolled for an unknown, malformed or revoked one.`,
        tags: ['kiosk'],
        security: [{ kioskCredential: [] }],
        body: z.strictObject({}).nullish(),
        response: {
          200: KioskVisitEndResponse,
          401: ApiErrorBody,
          403: ApiErrorBody,
          ...JSON_BODY_ERRORS,
        },
      },
    },
    async (request) => ({ revokedSessions: await opts.kiosks.endVisits(request.kiosk!.id) }),
  );
};
