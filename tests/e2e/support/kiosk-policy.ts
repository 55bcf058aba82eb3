/**
 * A store's kiosk set-up, for the kiosk tests: enrol a kiosk on the API's own database (what
 * `npm run server -- kiosk enroll` does), hash a staff PIN as `kiosk pin-hash` does, and write
 * the policy file IT would install, read-only like the real one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { KioskPolicy } from '../../../contract/kiosk';
import { systemClock } from '../../../server/src/clock';
import type { Database } from '../../../server/src/db/schema';
import { hashPassword } from '../../../server/src/auth/passwords';
import { KioskService, type EnrolledKiosk } from '../../../server/src/kiosk/kiosk-service';

/** The staff PIN every kiosk test uses; only its argon2 hash goes into the policy. */
export const STAFF_PIN = '482915';
export const STORE_NAME = 'Main St. #42';

export interface KioskSetUp {
  kiosk: EnrolledKiosk;
  /** The policy file: mode 0444 in its own temp folder. */
  policyPath: string;
  policy: KioskPolicy;
  /** Removes the policy's folder. */
  remove(): void;
}

/** Enrols a kiosk for `STORE_NAME` against `db`, and the service to revoke it later. */
export async function enrollKiosk(
  db: Kysely<Database>,
): Promise<{ kiosk: EnrolledKiosk; service: KioskService }> {
  const service = new KioskService(db, systemClock);
  return { kiosk: await service.enroll(STORE_NAME), service };
}

/**
 * A valid kiosk policy pointing at `apiUrl`, written where only this test looks. The file is
 * made read-only, as IT must install it: the app refuses a policy its own user could change.
 */
export async function writeKioskPolicy(
  apiUrl: string,
  kiosk: EnrolledKiosk,
  overrides: Partial<Record<keyof KioskPolicy, unknown>> = {},
): Promise<KioskSetUp> {
  const raw = {
    kiosk: true,
    storeName: kiosk.storeName,
    apiUrl,
    kioskCredential: kiosk.credential,
    idleWarningSeconds: 60,
    idleWipeSeconds: 90,
    staffPinHash: await hashPassword(STAFF_PIN),
    receiptPrinter: null,
    features: ['statements', 'refill', 'pay', 'plans', 'recovery'],
    ...overrides,
  };
  // Fails here, with zod's words, if a test builds a policy the schema would refuse.
  const policy = KioskPolicy.parse(raw);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-kiosk-policy-'));
  const policyPath = path.join(dir, 'policy.json');
  fs.writeFileSync(policyPath, `${JSON.stringify(raw, null, 2)}\n`);
  fs.chmodSync(policyPath, 0o444);
  return {
    kiosk,
    policyPath,
    policy,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A policy file that is not JSON at all (an editor's half-saved file), read-only. */
export function writeMalformedPolicy(): { policyPath: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-kiosk-policy-'));
  const policyPath = path.join(dir, 'policy.json');
  fs.writeFileSync(policyPath, '{ "kiosk": true, "storeName": "Main St. #42",\n');
  fs.chmodSync(policyPath, 0o444);
  return { policyPath, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
