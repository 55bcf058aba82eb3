import type { DeviceInfo } from '../../../contract/http/auth';
import type { SecurityEventsTable } from '../db/schema';

/** Who is asking: what the HTTP layer knows about the client. */
export interface ClientInfo {
  userAgent?: string | undefined;
  ip?: string | undefined;
  /** The desktop app's own description of itself (`device` in the sign-in body). */
  device?: DeviceInfo | undefined;
  /**
   * Who per-client throttles and CAPTCHA triggers count: `ip:<address>`, or `kiosk:<id>:<visit>`
   * at an enrolled store kiosk (see `clientKey`). Without it, the address is used.
   */
  clientKey?: string | undefined;
  /** The enrolled kiosk the request came from, recorded on the session it opens. */
  kioskId?: string | undefined;
}

export type SecurityEventKind = SecurityEventsTable['kind'];

/**
 * The account's security history and the notices that go with it. Services call it at the
 * moments a subscriber must be able to see later (and some they must be told about at once by
 * e-mail): sign-ins, failures, lockouts, password and 2-step changes.
 *
 * Recording never fails the request that caused it: a history write or a notice that cannot be
 * sent is logged, and the sign-in or change goes ahead.
 */
export interface SecurityLog {
  /**
   * A successful sign-in. Returns whether it came from a device this account had not signed in
   * from before; then a "new sign-in" notice is e-mailed.
   */
  signedIn(subscriberId: string, client: ClientInfo): Promise<{ newDevice: boolean }>;
  /**
   * Any other event. `locked`, `password_changed`, `password_reset`, `two_factor_enabled`,
   * `two_factor_disabled`, `recovery_codes_replaced` and `contact_changed` also e-mail a notice
   * (`contact_changed` to the old address, passed as `previousEmail`).
   */
  record(
    subscriberId: string,
    kind: Exclude<SecurityEventKind, 'signed_in'>,
    client: ClientInfo,
    extra?: { previousEmail?: string },
  ): Promise<void>;
}

/** For services built without a history (unit tests of unrelated behaviour). */
export const NO_SECURITY_LOG: SecurityLog = {
  signedIn: async () => ({ newDevice: false }),
  record: async () => undefined,
};
