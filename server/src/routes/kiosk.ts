import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import {
  KIOSK_CREDENTIAL_HEADER,
  KIOSK_VISIT_HEADER,
  KioskVisitEndResponse,
} from '../../../contract/http/kiosk';
import { ApiHttpError } from '../errors';
import type { KioskService } from '../services/kiosk-service';
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
    '/visits/end',
    {
      // At start-up, before any customer, the app has no visit id yet.
      config: { ...rateLimitConfig(opts.rateLimit), kioskVisitOptional: true },
      schema: {
        summary: 'End every session opened at this kiosk',
        description: `Needs the kiosk credential in ${KIOSK_CREDENTIAL_HEADER} (the ${KIOSK_VISIT_HEADER} header is optional here); no bearer token. Every live session signed in at this kiosk is revoked, so a customer who walked away, or a kiosk that crashed or restarted, leaves none behind. The app calls it whenever it wipes a customer's session and when it starts. 401 unauthorized without a credential, 403 kiosk_not_enrolled for an unknown, malformed or revoked one.`,
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
