import type { Generated } from 'kysely';

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
  description: string;
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
  description: string;
  created_at: number;
  statement_id: string | null;
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
  description: string;
  amount_cents: number;
}

export interface UsageDailyTable {
  subscriber_id: string;
  day: string;
  data_mb: number;
  minutes: number;
  texts: number;
}

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
}

export interface Database {
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
  reset_requests: ResetRequestsTable;
  reset_tickets: ResetTicketsTable;
  risk_counters: RiskCountersTable;
  spent_captchas: SpentCaptchasTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodesTable;
  second_factor_challenges: SecondFactorChallengesTable;
  sms_codes: SmsCodesTable;
  trusted_devices: TrustedDevicesTable;
  security_events: SecurityEventsTable;
}
