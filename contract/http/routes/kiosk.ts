import { ApiErrorBody } from '../../errors';
import {
  KIOSK_CREDENTIAL_HEADER,
  KIOSK_VISIT_HEADER,
  KioskVisitEndResponse,
  KioskVisitStartResponse,
} from '../kiosk';
import { JSON_BODY_ERRORS, NoBody, type RouteTable } from './define';

/** What an enrolled store kiosk asks of the API itself, with its credential and no token. */
export const KIOSK_ROUTES = {
  'kiosk.startVisit': {
    method: 'POST',
    path: '/v1/kiosk/visits',
    auth: 'kiosk',
    body: NoBody,
    responses: {
      201: KioskVisitStartResponse,
      401: ApiErrorBody,
      403: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'kiosk',
    summary: 'Start a customer visit at this kiosk',
    description: `Needs the kiosk credential in ${KIOSK_CREDENTIAL_HEADER}; no bearer token. Issues the visit id the app then sends in ${KIOSK_VISIT_HEADER} with every request of that customer: the API accepts only ids it issued to this kiosk, until visits/end or expiry (then 403 kiosk_visit_unknown). 401 unauthorized without a credential, 403 kiosk_not_enrolled for an unknown, malformed or revoked one.`,
    tags: ['kiosk'],
  },
  'kiosk.endVisits': {
    method: 'POST',
    path: '/v1/kiosk/visits/end',
    auth: 'kiosk',
    body: NoBody,
    responses: {
      200: KioskVisitEndResponse,
      401: ApiErrorBody,
      403: ApiErrorBody,
      ...JSON_BODY_ERRORS,
    },
    idempotencyKey: false,
    rateLimit: 'kiosk',
    summary: 'End every session opened at this kiosk',
    description: `Needs the kiosk credential in ${KIOSK_CREDENTIAL_HEADER} (the ${KIOSK_VISIT_HEADER} header is optional here); no bearer token. Every open visit of this kiosk ends and every live session signed in at it is revoked, so a customer who walked away, or a kiosk that crashed or restarted, leaves none behind. The app calls it whenever it wipes a customer's session and when it starts. 401 unauthorized without a credential, 403 kiosk_not_enrolled for an unknown, malformed or revoked one.`,
    tags: ['kiosk'],
  },
} as const satisfies RouteTable;
