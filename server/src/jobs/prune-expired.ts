import type { DeleteResult, Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { DAY_MS, HOUR_MS } from '../clock';
import { DEFAULT_CAPTCHA_POLICY } from '../auth/captcha';
import { DEFAULT_LOCKOUT_POLICY, DEFAULT_SIGN_IN_BUDGETS } from '../auth/lockout-policy';
import { pruneSecurityEvents } from '../security/security-events';
import { BUDGET_LOCK_IDLE_MS } from '../db/budget-lock';
import { RATE_LIMIT_ROW_IDLE_MS } from '../http/rate-limit-store';

export interface PruneOptions {
  /** How long a failed-sign-in window lasts (`CaptchaPolicy.failureWindowMs`). */
  riskWindowMs?: number;
  /** How long an untrusted client's failure counts (`SignInBudgetPolicy.failureWindowMs`). */
  lockoutWindowMs?: number;
}

/** Rows deleted, per table. */
export interface PruneResult {
  second_factor_challenges: number;
  sms_codes: number;
  reset_requests: number;
  reset_tickets: number;
  spent_captchas: number;
  trusted_devices: number;
  risk_counters: number;
  security_events: number;
  budget_locks: number;
  rate_limits: number;
  kiosk_visits: number;
  device_cookies: number;
  sign_in_lockouts: number;
}

const count = (result: DeleteResult): number => Number(result.numDeletedRows);

/** The tables whose rows carry an `expires_at`. */
type ExpiringTable =
  | 'second_factor_challenges'
  | 'sms_codes'
  | 'reset_requests'
  | 'reset_tickets'
  | 'spent_captchas'
  | 'trusted_devices'
  | 'kiosk_visits'
  | 'device_cookies';

/**
 * Deletes rows that can no longer change any answer, so short-lived tables stay small. Each table
 * keeps what its own checks still read:
 * - texted codes an hour past expiry, since the per-account hourly limit on texts counts them;
 * - reset requests and tickets, and kiosk visits, a day past expiry, for looking into them
 *   shortly after;
 * - failed-sign-in counters once their window has ended (a new failure starts a new window);
 * - security history once it is a year old (`SECURITY_EVENT_RETENTION_MS`);
 * - budget lock rows untouched for two days (they hold no count; a new request makes one anew);
 * - per-client request counts whose window started a day ago (no limit's window is that long);
 * - expired device cookies, and untrusted sign-in budgets whose window and lock have both ended.
 */
export async function pruneExpired(
  db: Kysely<Database>,
  now: number,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const riskWindowMs = options.riskWindowMs ?? DEFAULT_CAPTCHA_POLICY.failureWindowMs;
  const lockoutWindowMs = options.lockoutWindowMs ?? DEFAULT_SIGN_IN_BUDGETS.failureWindowMs;
  /** Deletes the rows of `table` that expired at or before `cutoff`. */
  const expired = async (table: ExpiringTable, cutoff: number): Promise<number> =>
    count(await db.deleteFrom(table).where('expires_at', '<=', cutoff).executeTakeFirst());
  return {
    second_factor_challenges: await expired('second_factor_challenges', now),
    sms_codes: await expired('sms_codes', now - HOUR_MS),
    reset_requests: await expired('reset_requests', now - DAY_MS),
    reset_tickets: await expired('reset_tickets', now - DAY_MS),
    spent_captchas: await expired('spent_captchas', now),
    trusted_devices: await expired('trusted_devices', now),
    risk_counters: count(
      await db
        .deleteFrom('risk_counters')
        .where('window_started_at', '<=', now - riskWindowMs)
        .executeTakeFirst(),
    ),
    security_events: await pruneSecurityEvents(db, now),
    budget_locks: count(
      await db
        .deleteFrom('budget_locks')
        .where('touched_at', '<=', now - BUDGET_LOCK_IDLE_MS)
        .executeTakeFirst(),
    ),
    kiosk_visits: await expired('kiosk_visits', now - DAY_MS),
    device_cookies: await expired('device_cookies', now),
    sign_in_lockouts: count(
      await db
        .deleteFrom('sign_in_lockouts')
        .where('window_started_at', '<=', now - lockoutWindowMs)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        // A lock soon after the last one is longer: its row stays while that can happen.
        .where((eb) =>
          eb.or([
            eb('last_locked_at', 'is', null),
            eb('last_locked_at', '<=', now - DEFAULT_LOCKOUT_POLICY.repeatWindowMs),
          ]),
        )
        .executeTakeFirst(),
    ),
    rate_limits: count(
      await db
        .deleteFrom('rate_limits')
        .where('window_started_at', '<=', now - RATE_LIMIT_ROW_IDLE_MS)
        .executeTakeFirst(),
    ),
  };
}
