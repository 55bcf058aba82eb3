import { z } from 'zod';

/**
 * How an enrolled kiosk identifies itself to the account API. The credential comes from the
 * store's policy file (`npm run server -- kiosk enroll`); the visit id is new for every customer,
 * so per-client throttles and CAPTCHA triggers apply per kiosk and per customer, never per store
 * IP address, and one customer's failures never reach the next.
 */
export const KIOSK_CREDENTIAL_HEADER = 'airtime-kiosk';
export const KIOSK_VISIT_HEADER = 'airtime-kiosk-visit';

export const KioskVisitId = z.uuid();

/**
 * `POST /v1/kiosk/visits` (kiosk credential required, no bearer token): a new customer visit.
 * Only ids the API issued are accepted in the visit header, and only until the visit ends
 * (`visits/end`) or expires.
 */
export const KioskVisitStartResponse = z.object({
  visitId: KioskVisitId,
  /** Seconds until the visit expires; the app starts a new one for each customer long before. */
  expiresIn: z.number().int().positive(),
});
export type KioskVisitStartResponse = z.infer<typeof KioskVisitStartResponse>;

/**
 * `POST /v1/kiosk/visits/end` (kiosk credential required, no bearer token): revokes every session
 * opened from this kiosk, so a customer who walked away, or a kiosk that crashed or restarted
 * before it could sign out, leaves no live session behind.
 */
export const KioskVisitEndResponse = z.object({ revokedSessions: z.number().int().nonnegative() });
export type KioskVisitEndResponse = z.infer<typeof KioskVisitEndResponse>;

/** `POST /v1/account/payments/:id/receipt/email` and `/v1/account/plan/changes/:id/receipt/email`. */
export const ReceiptEmailResponse = z.object({
  /** The account's e-mail address, masked (`m•••@example.com`). */
  sentTo: z.string(),
});
export type ReceiptEmailResponse = z.infer<typeof ReceiptEmailResponse>;
