import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { KIOSK_CREDENTIAL_HEADER } from '../../../contract/http/kiosk';
import { ApiHttpError } from '../errors';
import { KIOSK_VISIT_TTL_MS, type KioskService } from './kiosk-service';
import { registerRoutes } from '../http/register';
import type { RateLimits } from '../http/shared';

export interface KioskRoutesOptions {
  kiosks: KioskService;
  rateLimits: RateLimits;
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

  registerRoutes(
    app,
    ['kiosk.startVisit', 'kiosk.endVisits'],
    {
      'kiosk.startVisit': async (request, reply) => {
        const visit = await opts.kiosks.startVisit(request.kiosk!.id);
        return reply.code(201).send({
          visitId: visit.visitId,
          expiresIn: Math.round(KIOSK_VISIT_TTL_MS / 1000),
        });
      },
      'kiosk.endVisits': async (request) => ({
        revokedSessions: await opts.kiosks.endVisits(request.kiosk!.id),
      }),
    },
    {
      rateLimits: opts.rateLimits,
      config: {
        // Starting a visit is what gives the app a visit id.
        'kiosk.startVisit': { kioskVisitOptional: true },
        // At start-up, before any customer, the app has no visit id yet.
        'kiosk.endVisits': { kioskVisitOptional: true },
      },
    },
  );
};
