import { z } from 'zod';
import { ApiBaseUrl } from './settings';
import { says } from './validation';

/**
 * Kiosk mode: the machine-wide policy file a store's IT department installs, and what the main
 * process tells the renderer about the kiosk. Declared once; the main process parses the file
 * with `PolicyFile`, the renderer only ever sees `KioskState`.
 */

/** What a kiosk customer may do. A store may switch features off; sign-in is always on. */
export const KIOSK_FEATURES = ['statements', 'refill', 'pay', 'plans', 'recovery'] as const;
export const KioskFeature = z.enum(KIOSK_FEATURES);
export type KioskFeature = z.infer<typeof KioskFeature>;

/** The shortest "Still there?" countdown: WCAG 2.2.1 asks for at least 20 seconds to respond. */
export const MIN_IDLE_COUNTDOWN_SECONDS = 20;

/** `ak_<id>.<secret>`, as `npm run server -- kiosk enroll` prints it. */
export const KioskCredential = z
  .string({ error: 'kioskCredential must be the text printed by "kiosk enroll".' })
  .regex(/^ak_[a-z0-9]{12}\.[A-Za-z0-9_-]{43}$/, {
    error: 'kioskCredential must be the text printed by "kiosk enroll" (ak_….…).',
  });

/**
 * A PHC-format argon2 hash (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), never the PIN itself. The
 * parameters come in either order: node-argon2 (`kiosk pin-hash`) writes `m=…,p=…,t=…`.
 */
export const Argon2Hash = z
  .string({ error: 'staffPinHash must be an argon2 hash.' })
  .regex(
    /^\$argon2(id|i|d)\$v=\d+\$m=\d+,(t=\d+,p=\d+|p=\d+,t=\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
    {
      error: 'staffPinHash must be an argon2 hash ($argon2id$…), not the PIN itself.',
    },
  );

export const KioskPolicy = z
  .strictObject({
    kiosk: z.literal(true),
    storeName: z.string().trim().min(1).max(80),
    apiUrl: ApiBaseUrl,
    kioskCredential: KioskCredential,
    /** Seconds without input before "Still there?" appears. */
    idleWarningSeconds: z.number().int().min(10).max(3600).default(60),
    /** Seconds without input before the session is wiped (the countdown ends). */
    idleWipeSeconds: z.number().int().min(30).max(7200).default(90),
    staffPinHash: Argon2Hash,
    /** The receipt printer's system name; null: "Print receipt" is not offered. */
    receiptPrinter: z.string().trim().min(1).max(200).nullable().default(null),
    features: z
      .array(KioskFeature)
      .min(1)
      .default([...KIOSK_FEATURES]),
  })
  .refine((p) => p.idleWipeSeconds - p.idleWarningSeconds >= MIN_IDLE_COUNTDOWN_SECONDS, {
    error: `idleWipeSeconds must be at least ${MIN_IDLE_COUNTDOWN_SECONDS} seconds after idleWarningSeconds, so a customer has time to answer "Still there?".`,
    path: ['idleWipeSeconds'],
  });
export type KioskPolicy = z.output<typeof KioskPolicy>;

/** A managed, non-kiosk install: the file may pin the API address and nothing else. */
export const ManagedPolicy = z.strictObject({
  kiosk: z.literal(false),
  apiUrl: ApiBaseUrl.optional(),
});

export const PolicyFile = z.discriminatedUnion('kiosk', [KioskPolicy, ManagedPolicy]);
export type PolicyFile = z.output<typeof PolicyFile>;

/** Why the app refused to start in kiosk mode; shown full screen, never silently ignored. */
export const PolicyProblemCode = z.enum([
  'policy_missing',
  'policy_unreadable',
  'policy_malformed',
  'policy_invalid',
  'policy_writable',
]);
export type PolicyProblemCode = z.infer<typeof PolicyProblemCode>;

/** What the renderer is told about the kiosk: never the credential or the PIN hash. */
export const KioskState = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('normal') }),
  z.object({
    mode: z.literal('kiosk'),
    storeName: z.string(),
    features: z.array(KioskFeature),
    canPrintReceipts: z.boolean(),
    idleWarningSeconds: z.number().int().positive(),
    idleWipeSeconds: z.number().int().positive(),
    /** `welcome`: the "tap to start" screen; `customer`: someone is using it. */
    phase: z.enum(['welcome', 'customer']),
  }),
  z.object({
    mode: z.literal('blocked'),
    reason: z.enum(['policy', 'not_enrolled']),
    code: z.string(),
    message: z.string(),
    /** The file that was read, so IT can find it. */
    policyPath: z.string().nullable(),
  }),
]);
export type KioskState = z.infer<typeof KioskState>;

/** What a customer may take a receipt of: a payment or refill, or a plan change. */
export const ReceiptRef = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('payment'),
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/),
  }),
  z.strictObject({
    kind: z.literal('plan-change'),
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/),
  }),
]);
export type ReceiptRef = z.infer<typeof ReceiptRef>;

/** The staff PIN as typed: digits only. Checked against the policy's argon2 hash in main. */
export const StaffPinInput = z.strictObject({
  pin: z.string().regex(/^\d{4,12}$/, says('staffPin')),
});

export const StaffExitResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    /** Seconds before another PIN may be tried (0 when it may be tried at once). */
    retryAfterSeconds: z.number().int().nonnegative(),
  }),
]);

/** Why a customer's session ended, as the welcome screen may say it. */
export const WipeReason = z.enum(['ended', 'idle', 'signed-out', 'restarted']);
