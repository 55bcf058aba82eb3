import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  KIOSK_CREDENTIAL_HEADER,
  KIOSK_VISIT_HEADER,
  KioskVisitId,
} from '../../../contract/http/kiosk';
import { ApiHttpError } from '../errors';
import { addressKey } from '../net/client-address';
import type { KioskService } from './kiosk-service';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The enrolled kiosk the request came from (header `airtime-kiosk`), and the customer visit
     * (`airtime-kiosk-visit`); null for every other client. Set before anything else runs.
     */
    kiosk: { id: string; storeName: string; visit: string | null } | null;
  }
  interface FastifyContextConfig {
    /** The route takes a kiosk credential without a visit id (ending visits at start-up). */
    kioskVisitOptional?: boolean;
  }
}

export const kioskVisitUnknown = (): ApiHttpError =>
  new ApiHttpError(
    403,
    'kiosk_visit_unknown',
    'This customer visit has ended or was not started by the account service. Start a new visit.',
  );

export const kioskNotEnrolled = (): ApiHttpError =>
  new ApiHttpError(
    403,
    'kiosk_not_enrolled',
    'This kiosk is not enrolled with the account service. Ask a store manager.',
  );

/**
 * Who a client is for per-client throttles, CAPTCHA triggers and failure counters: the customer
 * visit at an enrolled kiosk, otherwise the address the request came from. A store's kiosks all
 * share one address, so keying them by address would let one customer's failures put limits or
 * CAPTCHAs on the next customer, or on the kiosk beside them. An IPv6 client is its /64
 * ({@link addressKey}).
 */
export function clientKey(request: FastifyRequest): string {
  const kiosk = request.kiosk;
  if (kiosk) return kiosk.visit ? `kiosk:${kiosk.id}:${kiosk.visit}` : `kiosk:${kiosk.id}`;
  return addressKey(request.ip);
}

/**
 * Checks the kiosk credential of every request that carries one, on every route (sign-in
 * included): unknown, malformed or revoked is `403 kiosk_not_enrolled`, so a kiosk whose
 * credential was revoked stops at once. A valid credential needs a visit id that the API issued
 * (`POST /v1/kiosk/visits`) and that is still open, else `403 kiosk_visit_unknown`, except on
 * routes that say otherwise.
 */
export function registerKioskClients(app: FastifyInstance, kiosks: KioskService): void {
  app.decorateRequest('kiosk', null);
  app.addHook('onRequest', async (request) => {
    const credential = request.headers[KIOSK_CREDENTIAL_HEADER];
    if (credential === undefined) return;
    // A repeated header is as good as a malformed one: no guessing which copy counts.
    const kiosk = typeof credential === 'string' ? await kiosks.verify(credential.trim()) : null;
    if (!kiosk) throw kioskNotEnrolled();

    const visitHeader = request.headers[KIOSK_VISIT_HEADER];
    let visit: string | null = null;
    if (visitHeader !== undefined) {
      const parsed = KioskVisitId.safeParse(
        typeof visitHeader === 'string' ? visitHeader.trim() : undefined,
      );
      if (!parsed.success) throw badVisit('must be a UUID, new for each customer.');
      visit = parsed.data.toLowerCase();
      // Only a visit this API issued to this kiosk, still open: a made-up id would be a fresh
      // per-client budget for the asking.
      if (!(await kiosks.visitIsLive(kiosk.id, visit))) throw kioskVisitUnknown();
    } else if (!request.routeOptions.config.kioskVisitOptional) {
      throw badVisit('is required with a kiosk credential: a UUID, new for each customer.');
    }
    request.kiosk = { ...kiosk, visit };
  });
}

function badVisit(what: string): ApiHttpError {
  return new ApiHttpError(400, 'invalid_request', `The ${KIOSK_VISIT_HEADER} header ${what}`, {
    issues: [{ path: `headers.${KIOSK_VISIT_HEADER}`, message: `The visit id ${what}` }],
  });
}
