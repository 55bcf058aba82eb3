import type { Generated } from 'kysely';
import type { CardBrand, DeclineCode } from '../../../contract/cards';

/*
 * Column types are chosen to mean the same thing on SQLite and PostgreSQL:
 * money and counters are integers, moments are epoch milliseconds (bigint), calendar days are
 * `YYYY-MM-DD` text, and booleans are 0/1 integers.
 */

export interface PlansTable {
  id: string;
  name: string;
  price_cents: number;
  currency: string;
  data_mb: number | null;
  data_after_allowance: 'blocked' | 'slowed' | 'none';
  hotspot_mb: number;
  talk_minutes: number | null;
  texts: number | null;
  intl_texting: number;
  taxes_included: number;
  sort_order: number;
  active: number;
  /** Taken off each renewal paid by AutoPay (009); 0 for none. */
  autopay_discount_cents: number;
}

export interface SubscribersTable {
  id: string;
  phone: string;
  name: string;
  email: string;
  password_hash: string;
  plan_id: string;
  status: 'active' | 'suspended';
  /** Day of month (1–28) the plan renews on. */
  cycle_anchor_day: number;
  created_at: number;
  /*
   * The account-wide lockout before 018. Wrong tries are budgeted in `sign_in_lockouts` and
   * `device_cookies` since; these stay for databases made before, and are cleared on unlock.
   */
  failed_attempts: Generated<number>;
  locked_until: number | null;
  last_locked_at: number | null;
  lock_level: Generated<number>;
  /** A second number to reach the subscriber on (E.164), or null. */
  contact_phone: Generated<string | null>;
  /** When the password was last set; null for passwords set before this was recorded. */
  password_changed_at: Generated<number | null>;
}

/** A signed-in device: one refresh-token family. Revoking it ends the session everywhere. */
export interface SessionsTable {
  id: string;
  subscriber_id: string;
  created_at: number;
  /** Absolute end of the family (30 days after sign-in). */
  expires_at: number;
  last_used_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  ip: string | null;
  /** From the app's `device` at sign-in: a per-installation UUID, the computer's name, the app version. */
  device_id: Generated<string | null>;
  device_name: Generated<string | null>;
  app_version: Generated<string | null>;
  /** The enrolled kiosk the session was opened at; null for a subscriber's own computer. */
  kiosk_id: Generated<string | null>;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: string;
  session_id: string;
  created_at: number;
  /** Idle expiry: 15 days after this token was issued. */
  expires_at: number;
  used_at: number | null;
}

export interface LedgerEntriesTable {
  id: string;
  subscriber_id: string;
  kind: 'plan_charge' | 'addon_charge' | 'tax' | 'fee' | 'payment' | 'refill' | 'credit';
  amount_cents: number;
  currency: string;
  /** What the entry is for: a `LineItem` (contract/line-items.ts) as JSON (019; a sentence before). */
  item: string;
  created_at: number;
  statement_id: string | null;
  payment_id: string | null;
}

export interface PaymentsTable {
  id: string;
  subscriber_id: string;
  amount_cents: number;
  currency: string;
  method: 'card' | 'refill_pin' | 'autopay' | 'cash';
  card_last4: string | null;
  status: 'succeeded' | 'failed' | 'refunded';
  /** What the payment is for: a `LineItem` (contract/line-items.ts) as JSON (019; a sentence before). */
  item: string;
  created_at: number;
  statement_id: string | null;
  /** Receipt details (007); null on payments recorded before receipts existed. */
  card_brand: Generated<CardBrand | null>;
  receipt_number: Generated<string | null>;
  balance_after_cents: Generated<number | null>;
  decline_code: Generated<DeclineCode | null>;
}

/** One money-moving request per (subscriber, Idempotency-Key): its intent, then its answer. */
export interface IdempotentOperationsTable {
  subscriber_id: string;
  idempotency_key: string;
  operation: string;
  /** SHA-256 of the operation name and the canonical JSON body. */
  request_hash: string;
  state: 'pending' | 'done' | 'failed';
  /** What the operation set out to do (JSON), so an interrupted one can be finished or undone. */
  intent: string | null;
  response_status: number | null;
  /** The answer sent, as JSON text, replayed byte for byte to a retry. */
  response_body: string | null;
  created_at: number;
  updated_at: number;
}

/** A saved card: the processor's token and what may be shown. Never the number or CVC. */
export interface PaymentMethodsTable {
  id: string;
  subscriber_id: string;
  token: string;
  brand: CardBrand;
  last4: string;
  exp_month: number;
  exp_year: number;
  nickname: string | null;
  is_default: number;
  created_at: number;
  deleted_at: number | null;
}

/** The sandbox processor's vault: a tokenised test card (no number, no CVC). */
export interface SandboxCardsTable {
  token: string;
  brand: CardBrand;
  last4: string;
  exp_month: number;
  exp_year: number;
  /** A decline code: how the issuer answers a charge of the card. */
  behaviour: 'approve' | 'processing_error' | Exclude<DeclineCode, 'invalid_token'>;
  created_at: number;
}

/** The sandbox processor's charges by its idempotency key, so it can answer after a restart. */
export interface SandboxChargesTable {
  idempotency_key: string;
  charge_id: string;
  token: string;
  amount_cents: number;
  currency: string;
  status: 'succeeded' | 'declined';
  decline_code: DeclineCode | null;
  created_at: number;
}

/** A prepaid refill PIN, stored as HMAC-SHA256 under a server secret. */
export interface RefillPinsTable {
  pin_hash: string;
  value_cents: number;
  currency: string;
  batch: string;
  created_at: number;
  redeemed_at: number | null;
  redeemed_by: string | null;
  /** The refill-PIN key the hash was made with (017); null: the key migrated from the database. */
  key_id: Generated<string | null>;
}

export interface StatementsTable {
  id: string;
  subscriber_id: string;
  period_start: string;
  period_end: string;
  issued_at: number;
  due_date: string;
  plan_name: string;
  total_cents: number;
  currency: string;
}

export interface StatementLinesTable {
  id: string;
  statement_id: string;
  position: number;
  kind: 'plan' | 'addon' | 'tax' | 'fee' | 'credit' | 'payment';
  /** What the line is for: a `LineItem` (contract/line-items.ts) as JSON (019; a sentence before). */
  item: string;
  amount_cents: number;
}

export interface UsageDailyTable {
  subscriber_id: string;
  day: string;
  data_mb: number;
  minutes: number;
  texts: number;
  /** Minutes of calls to other countries (013), drawn from international passes. */
  intl_minutes: Generated<number>;
}

/** Public fingerprints of the keys this database's data was signed or encrypted with (017). */
export interface KeyFingerprintsTable {
  key_id: string;
  purpose: string;
  fingerprint: string;
  created_at: number;
}

/** Where keys were kept before 017; emptied into the key file on the first start after it. */
export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

/** One password-reset code sent (or, for a number without an account, pretended to be sent). */
export interface ResetRequestsTable {
  id: string;
  /** E.164, as asked for: rows exist for unknown numbers too, so limits treat every number alike. */
  phone: string;
  subscriber_id: string | null;
  channel: 'sms' | 'email';
  /** Random per-request salt; `code_hash` is SHA-256 of salt and code. The code is never stored. */
  code_salt: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
  /** Wrong codes tried so far; at the limit the request is burned. */
  attempts: Generated<number>;
  consumed_at: number | null;
  /** Delivery runs after the answer is sent: `pending`, then `sent` or `failed`; `none` for unknown numbers. */
  delivery: 'pending' | 'sent' | 'failed' | 'none';
  client_ip: string | null;
  /** Who the per-client limit counts: `ip:<address>`, or `kiosk:<id>:<visit>` at a store kiosk. */
  client_key: Generated<string | null>;
}

/** What a proven reset code buys: one password change within 10 minutes. Stored hashed. */
export interface ResetTicketsTable {
  token_hash: string;
  subscriber_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/**
 * Recent failed sign-ins under one key: `phone:+1…` (whether or not the number has an account, so
 * the captcha rule reveals nothing) or `ip:…`. A window ends an hour after its first failure.
 */
export interface RiskCountersTable {
  key: string;
  failures: number;
  window_started_at: number;
  /** 018: sign-in tries taken but not yet decided (see `RiskCounters.reserve`). */
  pending: Generated<number>;
}

/** Signatures of captcha challenges already used, kept until the challenge would have expired. */
export interface SpentCaptchasTable {
  signature: string;
  expires_at: number;
}

/** A subscriber's TOTP secret; 2-step verification is on once `enabled_at` is set. */
export interface TwoFactorTable {
  subscriber_id: string;
  /** Base32 TOTP secret (the server must read it to check codes). */
  secret: string;
  created_at: number;
  enabled_at: number | null;
  /** Time step of the last accepted code: a code is never accepted twice. */
  last_time_step: number | null;
  /** `totp` (authenticator app; `secret` holds the key) or `sms` (codes texted to the line; `secret` is ''). */
  method: Generated<'totp' | 'sms'>;
}

/** A 6-digit code texted for 2-step verification: to turn it on, or for one sign-in challenge. */
export interface SmsCodesTable {
  id: string;
  subscriber_id: string;
  purpose: 'enrol' | 'sign_in';
  /** For `sign_in`: the SHA-256 of the second-factor challenge it answers. */
  challenge_hash: string | null;
  code_salt: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
  attempts: Generated<number>;
  used_at: number | null;
}

/** "Remember this computer for 30 days": a device token, stored hashed, that skips the second step. */
export interface TrustedDevicesTable {
  token_hash: string;
  subscriber_id: string;
  device_id: string | null;
  device_name: string | null;
  created_at: number;
  expires_at: number;
  last_used_at: number;
  revoked_at: number | null;
}

/** The sign-in history: sign-ins, failures and security changes, newest first by `at`. */
export interface SecurityEventsTable {
  id: string;
  subscriber_id: string;
  at: number;
  kind:
    | 'signed_in'
    | 'wrong_password'
    | 'locked'
    | 'second_factor_failed'
    | 'password_changed'
    | 'password_reset'
    | 'two_factor_enabled'
    | 'two_factor_disabled'
    | 'recovery_codes_replaced'
    | 'contact_changed'
    | 'session_signed_out';
  /** 0/1: a `signed_in` from a device id this account had not signed in from before. */
  new_device: Generated<number>;
  device_id: string | null;
  device_name: string | null;
  app_version: string | null;
  ip: string | null;
}

/** One-time recovery codes, stored as SHA-256 hashes. */
export interface RecoveryCodesTable {
  code_hash: string;
  subscriber_id: string;
  created_at: number;
  used_at: number | null;
}

/** A password proven, a second factor awaited: valid 5 minutes, 5 codes, once. Stored hashed. */
export interface SecondFactorChallengesTable {
  token_hash: string;
  subscriber_id: string;
  created_at: number;
  expires_at: number;
  attempts: Generated<number>;
  used_at: number | null;
  /** 018: the sign-in budget the password step was decided on (see auth/sign-in-budgets.ts). */
  lane: string | null;
}

/** A plan change: applied at once (`applied`), or waiting for the renewal (`pending`). */
export interface PlanChangesTable {
  id: string;
  subscriber_id: string;
  from_plan_id: string;
  to_plan_id: string;
  timing: 'now' | 'next_renewal';
  /** The day the new plan starts: the change day, or the renewal day. */
  effective_on: string;
  status: 'pending' | 'applied' | 'cancelled';
  /** What was charged and credited at once (both 0 for a change at renewal). */
  charge_cents: number;
  credit_cents: number;
  created_at: number;
  applied_at: number | null;
  /** The balance right after the change (for its receipt); null for changes made before it was kept. */
  balance_after_cents: Generated<number | null>;
}

/** The add-on catalogue: data passes and international minutes, bought for the current cycle. */
export interface AddOnsTable {
  id: string;
  name: string;
  kind: 'data' | 'international';
  price_cents: number;
  currency: string;
  data_mb: number;
  intl_minutes: number;
  sort_order: number;
  active: number;
}

/** An add-on a subscriber bought, with what it gave; good through `expires_on`. */
export interface SubscriberAddOnsTable {
  id: string;
  subscriber_id: string;
  add_on_id: string;
  name: string;
  kind: 'data' | 'international';
  data_mb: number;
  intl_minutes: number;
  price_cents: number;
  currency: string;
  cycle_start: string;
  expires_on: string;
  purchased_at: number;
}

/** AutoPay for one subscriber: on or off, and the saved card it charges. */
export interface AutopaySettingsTable {
  subscriber_id: string;
  enabled: number;
  payment_method_id: string | null;
  updated_at: number;
}

/**
 * One AutoPay charge per (subscriber, renewal day). `pending` rows are claimed with a lease
 * (`claim_token`, `lease_until`); once the amount and card are chosen they are kept here before
 * the charge, so a retry after a crash asks the processor about the same charge.
 */
export interface AutopayRunsTable {
  id: string;
  subscriber_id: string;
  /** The renewal day this run pays for (the first day of the new cycle). */
  renews_on: string;
  state: 'pending' | 'succeeded' | 'failed' | 'skipped';
  claim_token: string | null;
  lease_until: number | null;
  payment_method_id: string | null;
  amount_cents: number | null;
  discount_cents: number | null;
  currency: string | null;
  card_brand: CardBrand | null;
  card_last4: string | null;
  payment_id: string | null;
  decline_code: DeclineCode | null;
  message: string | null;
  /** Why a run charged nothing (012); null on a payment and on older runs. */
  reason: Generated<AutopayRunReasonCode | null>;
  created_at: number;
  finished_at: number | null;
}

export type AutopayRunReasonCode =
  'declined' | 'too_late' | 'card_removed' | 'card_expired' | 'turned_off' | 'covered';

/**
 * A renewal's charges booked into the ledger (010): one row per (subscriber, cycle), written in
 * the same transaction as the entries, so a renewal is charged once however many instances run.
 */
export interface RenewalsTable {
  subscriber_id: string;
  /** First day of the cycle renewed. */
  cycle_start: string;
  /** The plan the cycle was renewed on (after any change chosen for this renewal). */
  plan_id: string;
  total_cents: number;
  currency: string;
  booked_at: number;
}

/** An enrolled store kiosk. Its credential's secret is never stored, only its SHA-256 hash. */
export interface KiosksTable {
  /** The `<id>` of `ak_<id>.<secret>`: 12 of a–z 0–9. */
  id: string;
  store_name: string;
  /** SHA-256 (hex) of the secret part of the credential. */
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** Updated at most once a minute while the kiosk makes requests. */
  last_seen_at: number | null;
}

/** 014: see server/src/db/budget-lock.ts. */
export interface BudgetLocksTable {
  key: string;
  touched_at: number;
}

/** 015: see server/src/http/rate-limit-store.ts. */
export interface RateLimitsTable {
  key: string;
  window_started_at: number;
  count: number;
}

/** 016: kiosk customer visits, issued by the API. */
export interface KioskVisitsTable {
  id: string;
  kiosk_id: string;
  started_at: number;
  expires_at: number;
  ended_at: number | null;
}

/** 018: a device cookie issued at a successful sign-in, with its own budget of wrong passwords. */
export interface DeviceCookiesTable {
  /** SHA-256 of the cookie's random part. */
  token_hash: string;
  subscriber_id: string;
  issued_at: number;
  expires_at: number;
  failures: Generated<number>;
  /** When its budget was spent: from then on it earns nothing. */
  untrusted_at: number | null;
}

/** 018: the wrong-password budget of untrusted clients at one number (see auth/sign-in-budgets.ts). */
export interface SignInLockoutsTable {
  /** The number typed, E.164, whether or not it has an account. */
  phone: string;
  /** `client:<client key>`, or `untrusted` for all untrusted clients together. */
  lane: string;
  failed_attempts: number;
  window_started_at: number;
  locked_until: number | null;
  last_locked_at: number | null;
  lock_level: number;
}

export interface Database {
  device_cookies: DeviceCookiesTable;
  sign_in_lockouts: SignInLockoutsTable;
  plans: PlansTable;
  subscribers: SubscribersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  ledger_entries: LedgerEntriesTable;
  payments: PaymentsTable;
  statements: StatementsTable;
  statement_lines: StatementLinesTable;
  usage_daily: UsageDailyTable;
  server_secrets: ServerSecretsTable;
  key_fingerprints: KeyFingerprintsTable;
  reset_requests: ResetRequestsTable;
  budget_locks: BudgetLocksTable;
  rate_limits: RateLimitsTable;
  kiosk_visits: KioskVisitsTable;
  reset_tickets: ResetTicketsTable;
  risk_counters: RiskCountersTable;
  spent_captchas: SpentCaptchasTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodesTable;
  second_factor_challenges: SecondFactorChallengesTable;
  sms_codes: SmsCodesTable;
  trusted_devices: TrustedDevicesTable;
  security_events: SecurityEventsTable;
  idempotent_operations: IdempotentOperationsTable;
  payment_methods: PaymentMethodsTable;
  sandbox_cards: SandboxCardsTable;
  sandbox_charges: SandboxChargesTable;
  refill_pins: RefillPinsTable;
  plan_changes: PlanChangesTable;
  add_ons: AddOnsTable;
  subscriber_add_ons: SubscriberAddOnsTable;
  autopay_settings: AutopaySettingsTable;
  autopay_runs: AutopayRunsTable;
  renewals: RenewalsTable;
  kiosks: KiosksTable;
}
