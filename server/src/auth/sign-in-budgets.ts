import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import {
  afterFailure,
  remainingLockMs,
  RESET_BY_SUCCESS,
  type LockoutPolicy,
  type LockoutState,
  type SignInBudgetPolicy,
} from './lockout-policy';

/*
 * OWASP's device-cookie pattern against online guessing. A phone number is public: a lock kept on
 * the account alone lets anyone keep its subscriber out with a few wrong passwords every quarter
 * hour, and its 423 tells them which numbers have accounts. So each try is decided on a lane:
 *
 * - `device`: the client sent a device cookie this account issued it at an earlier sign-in, still
 *   trusted. It has its own budget (`deviceFailures` wrong tries in a row); once spent, the cookie
 *   is no longer trusted and its holder is an untrusted client like any other. No one else's
 *   failures ever lock it out.
 * - `client`: everyone else, by client (address, or kiosk visit). `LockoutPolicy.maxFailures`
 *   wrong tries within `failureWindowMs` lock that client out of that number; `untrustedFailures`
 *   from all untrusted clients together lock the number for every untrusted client.
 *
 * Untrusted budgets are kept by the number typed, not the account, in `sign_in_lockouts`, so a
 * number with no account locks, answers and times exactly like one with.
 *
 * Each decision takes the rows it reads under a lock first (an upsert, which on PostgreSQL holds
 * the row until the transaction ends; SQLite runs one writer at a time), and is made after the
 * slow work (argon2, the code comparison): whatever was read before it may be stale by then.
 */

/** The budget a try is decided on. */
export type Lane = { kind: 'device'; cookieHash: string } | { kind: 'client'; clientKey: string };

/** The lane of all untrusted clients at a number. */
const UNTRUSTED = 'untrusted';

/** How a lane is written beside a 2-step challenge, so the codes count where the password did. */
export function laneName(lane: Lane): string {
  return lane.kind === 'device' ? `device:${lane.cookieHash}` : `client:${lane.clientKey}`;
}

/** The lane a challenge was written with; one from before lanes existed counts on its client. */
export function laneFromName(name: string | null, clientKey: string): Lane {
  if (name?.startsWith('device:')) return { kind: 'device', cookieHash: name.slice(7) };
  if (name?.startsWith('client:')) return { kind: 'client', clientKey: name.slice(7) };
  return { kind: 'client', clientKey };
}

/** What counting one wrong try did. */
export interface WrongTry {
  /** How long the client is locked out of the number from now (0 when it is not). */
  lockedForMs: number;
  /** This try started a lock (recorded as the lock in the account's history). */
  startedLock: boolean;
  /** The try counted: false when a lock already held, as if it had been turned away. */
  counted: boolean;
  /** This try spent a device cookie's budget: it is no longer trusted. */
  distrusted: boolean;
}

/** The columns a decision reads. */
const LANE_COLUMNS = [
  'lane',
  'failed_attempts',
  'window_started_at',
  'locked_until',
  'last_locked_at',
  'lock_level',
] as const;

interface LaneRow {
  lane: string;
  failed_attempts: number;
  window_started_at: number;
  locked_until: number | null;
  last_locked_at: number | null;
  lock_level: number;
}

export class SignInBudgets {
  constructor(
    private readonly lockout: LockoutPolicy,
    private readonly budgets: SignInBudgetPolicy,
  ) {}

  /**
   * Counts one wrong password or code at `phone` on `lane`. A trusted cookie spends its own
   * budget (never a lock); a cookie that is no longer trusted by the time this is decided counts
   * as an untrusted client.
   */
  async wrongTry(
    db: Kysely<Database>,
    phone: string,
    lane: Lane,
    clientKey: string,
    now: number,
  ): Promise<WrongTry> {
    if (lane.kind === 'device') {
      const spent = await db
        .updateTable('device_cookies')
        .set((eb) => ({
          failures: eb('failures', '+', 1),
          untrusted_at: eb
            .case()
            .when('failures', '>=', this.budgets.deviceFailures - 1)
            .then(now)
            .else(null)
            .end(),
        }))
        .where('token_hash', '=', lane.cookieHash)
        .where('untrusted_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('untrusted_at')
        .executeTakeFirst();
      if (spent) {
        return {
          lockedForMs: 0,
          startedLock: false,
          counted: true,
          distrusted: spent.untrusted_at !== null,
        };
      }
    }
    return db.transaction().execute(async (trx) => {
      const rows = await this.lockRows(trx, phone, clientKey, now);
      const lockedForMs = Math.max(...rows.map((r) => remainingLockMs(state(r), now)));
      if (lockedForMs > 0) {
        return { lockedForMs, startedLock: false, counted: false, distrusted: false };
      }
      let startedLock = false;
      let lockedFor = 0;
      for (const row of rows) {
        const policy = {
          ...this.lockout,
          maxFailures:
            row.lane === UNTRUSTED ? this.budgets.untrustedFailures : this.lockout.maxFailures,
        };
        const next = afterFailure(this.windowed(row, now), now, policy);
        const restarted = row.window_started_at <= now - this.budgets.failureWindowMs;
        await trx
          .updateTable('sign_in_lockouts')
          .set({
            failed_attempts: next.failedAttempts,
            locked_until: next.lockedUntil,
            last_locked_at: next.lastLockedAt,
            lock_level: next.lockLevel,
            // A new window starts with the first failure after the last one ran out, or a lock.
            window_started_at: restarted || next.failedAttempts === 0 ? now : row.window_started_at,
          })
          .where('phone', '=', phone)
          .where('lane', '=', row.lane)
          .execute();
        const remaining = remainingLockMs(next, now);
        if (remaining > 0) {
          startedLock = true;
          lockedFor = Math.max(lockedFor, remaining);
        }
      }
      return { lockedForMs: lockedFor, startedLock, counted: true, distrusted: false };
    });
  }

  /**
   * Accepts a right password (or code) on `lane`, inside the transaction that goes on to open the
   * session: 0 when accepted, else how long the lock still holds. A trusted cookie's count starts
   * again; a cookie no longer trusted is decided as an untrusted client, refused while that
   * client or the number is locked, and otherwise starts that client's count again.
   */
  async rightTry(
    trx: Transaction<Database>,
    phone: string,
    lane: Lane,
    clientKey: string,
    now: number,
  ): Promise<number> {
    if (lane.kind === 'device') {
      const kept = await trx
        .updateTable('device_cookies')
        .set({ failures: 0 })
        .where('token_hash', '=', lane.cookieHash)
        .where('untrusted_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('token_hash')
        .executeTakeFirst();
      if (kept) return 0;
    }
    const rows = await this.lockRows(trx, phone, clientKey, now);
    const lockedForMs = Math.max(...rows.map((r) => remainingLockMs(state(r), now)));
    if (lockedForMs > 0) return lockedForMs;
    await trx
      .updateTable('sign_in_lockouts')
      .set({ failed_attempts: RESET_BY_SUCCESS.failedAttempts, locked_until: null })
      .where('phone', '=', phone)
      .where('lane', '=', clientLane(clientKey))
      .execute();
    return 0;
  }

  /**
   * How long `lane` is locked out of `phone` now, as stored (0 when it is not): for turning a try
   * away before its slow work. A trusted cookie is never locked out.
   */
  async lockedFor(db: Kysely<Database>, phone: string, lane: Lane, now: number): Promise<number> {
    if (lane.kind === 'device') return 0;
    const rows = await db
      .selectFrom('sign_in_lockouts')
      .select(LANE_COLUMNS)
      .where('phone', '=', phone)
      .where('lane', 'in', [clientLane(lane.clientKey), UNTRUSTED])
      .execute();
    return Math.max(0, ...rows.map((r) => remainingLockMs(state(r), now)));
  }

  /**
   * When every untrusted client is locked out of `phone` (the number-wide lock), until when;
   * null when it is not. For the operator's list of locked accounts.
   */
  async untrustedLockedUntil(db: Kysely<Database>, phone: string, now: number) {
    const row = await db
      .selectFrom('sign_in_lockouts')
      .select('locked_until')
      .where('phone', '=', phone)
      .where('lane', '=', UNTRUSTED)
      .executeTakeFirst();
    return row?.locked_until != null && row.locked_until > now ? row.locked_until : null;
  }

  /** The client's and the number's rows, each taken under its lock, in one order everywhere. */
  private async lockRows(
    trx: Transaction<Database>,
    phone: string,
    clientKey: string,
    now: number,
  ): Promise<LaneRow[]> {
    const rows: LaneRow[] = [];
    for (const lane of [clientLane(clientKey), UNTRUSTED]) {
      rows.push(
        await trx
          .insertInto('sign_in_lockouts')
          .values({
            phone,
            lane,
            failed_attempts: 0,
            window_started_at: now,
            locked_until: null,
            last_locked_at: null,
            lock_level: 0,
          })
          // A write that changes nothing, for the row lock it takes until the transaction ends.
          .onConflict((oc) => oc.columns(['phone', 'lane']).doUpdateSet({ lane }))
          .returning(LANE_COLUMNS)
          .executeTakeFirstOrThrow(),
      );
    }
    return rows;
  }

  /** A lane's state with failures older than the window forgotten. */
  private windowed(row: LaneRow, now: number): LockoutState {
    const current = state(row);
    return row.window_started_at <= now - this.budgets.failureWindowMs
      ? { ...current, failedAttempts: 0 }
      : current;
  }
}

function clientLane(clientKey: string): string {
  return `client:${clientKey}`;
}

function state(row: LaneRow): LockoutState {
  return {
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
    lastLockedAt: row.last_locked_at,
    lockLevel: row.lock_level,
  };
}

/** Every untrusted lock and count at `phone` ends: an operator's unlock, or a password reset. */
export async function clearSignInLockouts(db: Kysely<Database>, phone: string): Promise<void> {
  await db.deleteFrom('sign_in_lockouts').where('phone', '=', phone).execute();
}
