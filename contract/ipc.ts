import { z } from 'zod';
import { ApiError } from './errors';
import { PhoneInput } from './phone';
import { Password, SubscriberProfile } from './http/auth';
import {
  AccountSummary,
  IsoDate,
  PaymentList,
  StatementDetail,
  StatementList,
  UsageResponse,
  YearMonth,
} from './http/account';
import { AutopayUpdate, AutopayView } from './http/autopay';
import { UsageInsights } from './http/insights';
import { ApiBaseUrl, Language, SettingsPatch, SettingsView } from './settings';
import { ResetChannel, ResetCode } from './http/recovery';
import { RecoveryCodesResponse, SecondFactorCode, TwoFactorMethod } from './http/two-factor';
import {
  ChangeContactRequest,
  ChangePasswordRequest,
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionList,
  SignOutOthersResponse,
} from './http/security';
import {
  AddCardRequest,
  CardInput,
  MAX_PAYMENT_CENTS,
  MIN_PAYMENT_CENTS,
  PaymentMethodParams,
  PaymentParams,
  Receipt,
  RefillRequest,
  SavedCard,
  SavedCardList,
} from './http/payments';
import {
  AddOnList,
  AddOnPurchase,
  AddOnPurchaseRequest,
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangePreview,
  PlanChangePreviewRequest,
  PlanChangeRequest,
  PlanChangeResult,
} from './http/plans';
import { IPC_CHANNEL_NAMES, PUSH_EVENT_NAMES } from './ipc-names';
import { KioskState, ReceiptRef, StaffExitResult, StaffPinInput, WipeReason } from './kiosk';

/**
 * Every channel between the renderer and the main process, declared once. Main registers one
 * handler per entry and parses `input` with it; preload builds `window.airtime` from the same
 * table; the renderer's types come from there. Names are `domain:verb`.
 */

const None = z.undefined();

export const SignInInput = z.strictObject({
  phone: PhoneInput,
  password: Password,
  keepSignedIn: z.boolean(),
});
export type SignInInput = z.input<typeof SignInInput>;

export const SessionInfo = z.object({
  subscriber: SubscriberProfile,
  /** True when the session was saved to the OS keychain and will survive a restart. */
  persisted: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/**
 * What a sign-in leads to: signed in, or a second step the renderer asks for. The challenge
 * itself stays in the main process; the renderer only learns which code to ask for.
 */
export const SignInOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed-in'), session: SessionInfo }),
  z.object({
    status: z.literal('second-factor'),
    method: TwoFactorMethod,
    /** For `sms`: where the code went, masked (`•••-0100`). */
    destination: z.string().nullable(),
    /** Seconds before another text may be sent (0 for `totp`). */
    resendAfterSeconds: z.number().int().nonnegative(),
    /** Seconds the second step stays open before the password must be entered again. */
    expiresIn: z.number().int().positive(),
    /** False where "remember this computer" is not offered (no keychain, or kiosk mode). */
    canRememberDevice: z.boolean(),
  }),
]);
export type SignInOutcome = z.infer<typeof SignInOutcome>;

export const SecondFactorInput = z.strictObject({
  code: SecondFactorCode,
  rememberDevice: z.boolean(),
});
export type SecondFactorInput = z.input<typeof SecondFactorInput>;

/** A new password being typed: the verdict of the same policy the server enforces. */
export const PasswordCheckInput = z.strictObject({
  password: z.string().max(1024),
  /** Whose password: the account being reset, or the signed-in subscriber's. */
  purpose: z.enum(['reset', 'change']),
});
export const PasswordCheckResult = z.object({
  ok: z.boolean(),
  score: z.number().int().min(0).max(4),
  warning: z.string().nullable(),
  suggestions: z.array(z.string()),
});
export type PasswordCheckResult = z.infer<typeof PasswordCheckResult>;

export const RecoveryStartInput = z.strictObject({ phone: PhoneInput, channel: ResetChannel });
export type RecoveryStartInput = z.input<typeof RecoveryStartInput>;
export const RecoveryStartResult = z.object({
  channel: ResetChannel,
  resendAfterSeconds: z.number().int().nonnegative(),
  codeExpiresIn: z.number().int().positive(),
});
export type RecoveryStartResult = z.infer<typeof RecoveryStartResult>;

export const RecoveryVerifyInput = z.strictObject({ code: ResetCode });
export const RecoveryVerifyResult = z.object({
  channel: ResetChannel,
  /** Where the proven code was sent, masked. */
  destination: z.string(),
  /** Seconds left to choose the new password. */
  expiresIn: z.number().int().positive(),
});
export type RecoveryVerifyResult = z.infer<typeof RecoveryVerifyResult>;

export const RecoveryCompleteInput = z.strictObject({
  newPassword: Password,
  keepSignedIn: z.boolean(),
});
export type RecoveryCompleteInput = z.input<typeof RecoveryCompleteInput>;

/** 2-step enrolment as the renderer shows it: the QR code is drawn locally from `otpauthUri`. */
export const TwoFactorSetup = z.discriminatedUnion('method', [
  z.object({ method: z.literal('totp'), secret: z.string(), otpauthUri: z.string() }),
  z.object({
    method: z.literal('sms'),
    destination: z.string(),
    resendAfterSeconds: z.number().int().nonnegative(),
  }),
]);
export type TwoFactorSetup = z.infer<typeof TwoFactorSetup>;

export const ResumeResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed-in'), session: SessionInfo }),
  z.object({
    status: z.literal('signed-out'),
    /** Why the person lands on sign-in, when there is something to tell them. */
    notice: z.enum(['none', 'session_expired']),
    message: z.string().optional(),
  }),
]);
export type ResumeResult = z.infer<typeof ResumeResult>;

export const AppInfo = z.object({
  version: z.string(),
  platform: z.string(),
  /** False where no OS keychain (Secret Service, Keychain, Credential Vault) can be used. */
  keychainAvailable: z.boolean(),
  systemLanguage: Language,
  systemTheme: z.enum(['light', 'dark']),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const PageInput = z
  .strictObject({
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]+$/, 'That cursor is not valid.')
      .optional(),
    limit: z.number().int().min(1).max(100).optional(),
  })
  .optional();

export const ConnectionTestResult = z.object({ latencyMs: z.number().nonnegative() });

/** Whole cents, as the API's amount filters take them. */
const AmountCents = z.number().int().min(0).max(100_000_000_00);

/**
 * Statement search and export filters (see ExportFilters in contract/http/account.ts). Which
 * combinations are allowed is the API's rule; it answers `invalid_request` for the others.
 */
export const StatementFilters = z.strictObject({
  month: YearMonth.optional(),
  from: YearMonth.optional(),
  to: YearMonth.optional(),
  minAmountCents: AmountCents.optional(),
  maxAmountCents: AmountCents.optional(),
});
export type StatementFilters = z.input<typeof StatementFilters>;

/** `account:statements`: a page, optionally narrowed by the filters. */
export const StatementsInput = z
  .strictObject({ ...PageInput.unwrap().shape, ...StatementFilters.shape })
  .optional();
export type StatementsInput = z.input<typeof StatementsInput>;

const StatementRef = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/),
});

/**
 * Where a download went. Only the file's name comes back: the folder the person chose is theirs,
 * and the renderer has no use for it.
 */
export const SaveOutcome = z.discriminatedUnion('saved', [
  z.object({ saved: z.literal(true), fileName: z.string() }),
  z.object({ saved: z.literal(false) }),
]);
export type SaveOutcome = z.infer<typeof SaveOutcome>;

/**
 * `payments:pay`: the API's PayRequest, plus `saveCard` for a new card (main saves it first and
 * pays with the saved card). The Idempotency-Key is main's, never the renderer's.
 */
export const PayInput = z
  .strictObject({
    amountCents: z.number().int().min(MIN_PAYMENT_CENTS).max(MAX_PAYMENT_CENTS),
    paymentMethodId: PaymentMethodParams.shape.id.optional(),
    card: CardInput.optional(),
    saveCard: z.boolean().optional(),
  })
  .refine((b) => (b.paymentMethodId === undefined) !== (b.card === undefined), {
    message: 'Send either paymentMethodId or card, not both.',
    path: ['paymentMethodId'],
  });
export type PayInput = z.input<typeof PayInput>;

const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({
  input,
  output,
});

export const IPC_CHANNELS = {
  'app:info': channel(None, AppInfo),
  'app:open-external': channel(z.strictObject({ url: z.string().max(2048) }), z.null()),
  'auth:sign-in': channel(SignInInput, SignInOutcome),
  'auth:second-factor': channel(SecondFactorInput, SessionInfo),
  'auth:second-factor-resend': channel(
    None,
    z.object({ destination: z.string(), resendAfterSeconds: z.number().int().nonnegative() }),
  ),
  'auth:second-factor-cancel': channel(None, z.null()),
  'auth:sign-out': channel(None, z.null()),
  'auth:resume': channel(None, ResumeResult),
  'password:check': channel(PasswordCheckInput, PasswordCheckResult),
  'recovery:start': channel(RecoveryStartInput, RecoveryStartResult),
  'recovery:verify': channel(RecoveryVerifyInput, RecoveryVerifyResult),
  'recovery:complete': channel(RecoveryCompleteInput, SignInOutcome),
  'recovery:cancel': channel(None, z.null()),
  'security:overview': channel(None, SecurityOverview),
  'security:change-password': channel(ChangePasswordRequest, ChangePasswordResponse),
  'security:change-contact': channel(ChangeContactRequest, SecurityOverview),
  'security:sessions': channel(None, SessionList),
  'security:sign-out-session': channel(z.strictObject({ id: z.uuid() }), z.null()),
  'security:sign-out-others': channel(None, SignOutOthersResponse),
  'security:history': channel(PageInput, SecurityEventList),
  'security:two-factor-enrol': channel(z.strictObject({ method: TwoFactorMethod }), TwoFactorSetup),
  'security:two-factor-resend': channel(
    None,
    z.object({ destination: z.string(), resendAfterSeconds: z.number().int().nonnegative() }),
  ),
  'security:two-factor-confirm': channel(
    z.strictObject({ code: ResetCode }),
    RecoveryCodesResponse,
  ),
  'security:two-factor-disable': channel(z.strictObject({ password: Password }), z.null()),
  'security:recovery-codes': channel(z.strictObject({ password: Password }), RecoveryCodesResponse),
  'account:summary': channel(None, AccountSummary),
  'account:usage': channel(
    z.strictObject({ cycle: z.union([z.literal('current'), IsoDate]).optional() }).optional(),
    UsageResponse,
  ),
  'account:insights': channel(None, UsageInsights),
  'account:statements': channel(StatementsInput, StatementList),
  'account:statement': channel(
    z.strictObject({
      id: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_-]+$/),
    }),
    StatementDetail,
  ),
  'account:payments': channel(PageInput, PaymentList),
  'statements:save-pdf': channel(StatementRef, SaveOutcome),
  'statements:open-pdf': channel(StatementRef, z.object({ fileName: z.string() })),
  'statements:export-csv': channel(
    z.strictObject({ filters: StatementFilters.optional() }).optional(),
    SaveOutcome,
  ),
  'payments:export-csv': channel(None, SaveOutcome),
  'payments:methods': channel(None, SavedCardList),
  'payments:add-method': channel(AddCardRequest, SavedCard),
  'payments:remove-method': channel(PaymentMethodParams, z.null()),
  'payments:set-default': channel(PaymentMethodParams, SavedCardList),
  'payments:pay': channel(PayInput, Receipt),
  'payments:refill': channel(RefillRequest, Receipt),
  'payments:receipt': channel(PaymentParams, Receipt),
  'autopay:get': channel(None, AutopayView),
  'autopay:update': channel(AutopayUpdate, AutopayView),
  'plans:catalogue': channel(None, PlanCatalogue),
  'plans:preview': channel(PlanChangePreviewRequest, PlanChangePreview),
  // The Idempotency-Key is main's: one per action, reused when the same action is retried.
  'plans:change': channel(PlanChangeRequest, PlanChangeResult),
  'plans:cancel-pending': channel(None, CancelledPlanChange),
  'addons:list': channel(None, AddOnList),
  'addons:buy': channel(AddOnPurchaseRequest, AddOnPurchase),
  'settings:get': channel(None, SettingsView),
  'settings:set': channel(SettingsPatch, SettingsView),
  'settings:test-connection': channel(
    z.strictObject({ apiBaseUrl: ApiBaseUrl }),
    ConnectionTestResult,
  ),
  'settings:forget-device': channel(None, z.null()),
  // Kiosk mode (contract/kiosk.ts). In a normal install `kiosk:state` answers { mode: 'normal' }
  // and the other kiosk channels answer `forbidden`.
  'kiosk:state': channel(None, KioskState),
  /** "Tap to start": a new customer visit begins (a fresh in-memory session in Electron). */
  'kiosk:start': channel(None, KioskState),
  /** The customer touched or typed: restarts the idle clock and dismisses "Still there?". */
  'kiosk:activity': channel(None, z.null()),
  /** "End session": signs out, wipes everything of this customer, back to the welcome screen. */
  'kiosk:end-session': channel(None, z.null()),
  'kiosk:staff-exit': channel(StaffPinInput, StaffExitResult),
  'kiosk:print-receipt': channel(ReceiptRef, z.null()),
  /** Sends the receipt to the account's e-mail address; answers where it went, masked. */
  'kiosk:email-receipt': channel(ReceiptRef, z.object({ sentTo: z.string() })),
} as const;

export type IpcChannels = typeof IPC_CHANNELS;
export type IpcChannel = keyof IpcChannels;
export type IpcInput<C extends IpcChannel> = z.input<IpcChannels[C]['input']>;
export type IpcParsedInput<C extends IpcChannel> = z.output<IpcChannels[C]['input']>;
export type IpcOutput<C extends IpcChannel> = z.output<IpcChannels[C]['output']>;

/** Events main pushes to the renderer. */
export const PUSH_EVENTS = {
  'session:expired': z.object({ message: z.string() }),
  'settings:changed': SettingsView,
  'system:theme-changed': z.object({ theme: z.enum(['light', 'dark']) }),
  /** The kiosk moved on: a visit began, or a customer's session was wiped (and why). */
  'kiosk:state': z.object({ state: KioskState, wiped: WipeReason.nullable() }),
  /** "Still there?": the session is wiped in `secondsLeft` unless the customer answers. */
  'kiosk:idle-warning': z.object({ secondsLeft: z.number().int().nonnegative() }),
  'kiosk:idle-cleared': z.object({}),
  /** Staff pressed the exit key combination: ask for the staff PIN. */
  'kiosk:staff-prompt': z.object({}),
} as const;

export type PushEvents = typeof PUSH_EVENTS;
export type PushEvent = keyof PushEvents;
export type PushPayload<E extends PushEvent> = z.output<PushEvents[E]>;

export { IPC_CHANNEL_NAMES, PUSH_EVENT_NAMES };

// Compile-time proof that the name lists in ipc-names.ts are exactly this file's tables.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const channelNamesMatch: Same<IpcChannel, (typeof IPC_CHANNEL_NAMES)[number]> = true;
const eventNamesMatch: Same<PushEvent, (typeof PUSH_EVENT_NAMES)[number]> = true;
void channelNamesMatch;
void eventNamesMatch;

/**
 * What crosses IPC: never a thrown error (Electron would keep only its message), always this.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
export const ResultError = z.object({ ok: z.literal(false), error: ApiError });
