import type { Kysely, Transaction } from 'kysely';
import type { Database, SubscribersTable } from '../db/schema';
import type { Clock } from '../clock';
import type { DeviceInfo, SignInResponse } from '../../../contract/http/auth';
import type { SecondFactorResendResponse } from '../../../contract/http/two-factor';
import { ApiHttpError, accountLocked, invalidCredentials } from '../errors';
import { getDummyHash, hashPassword, needsRehash, verifyPassword } from './passwords';
import { DEFAULT_SIGN_IN_BUDGETS, retryAfterSeconds, type LockoutPolicy } from './lockout-policy';
import { laneFromName, laneName, SignInBudgets, type Lane } from './sign-in-budgets';
import type { DeviceCookies } from './device-cookies';
import { AccessTokens, newRefreshToken } from './tokens';
import { RiskCounters, type Captcha } from './captcha';
import { signInExpired, type MatchedCode, type TwoFactorService } from './two-factor-service';
import { NO_SECURITY_LOG, type ClientInfo, type SecurityLog } from '../security/security-log';
import { AuthSessions, DEFAULT_SESSION_POLICY, profile, type SessionPolicy } from './auth-sessions';

export { DEFAULT_SESSION_POLICY, type SessionPolicy } from './auth-sessions';

export type { ClientInfo } from '../security/security-log';

/** Device cookies and the budgets they earn (see auth/sign-in-budgets.ts). */
export interface SignInGuessing {
  budgets: SignInBudgets;
  /** `null`: no cookies are issued, and every client is untrusted. */
  cookies: DeviceCookies | null;
}

/** Who a client is for its budgets: its address, or its kiosk visit (see kiosk/kiosk-client.ts). */
function clientKeyOf(client: ClientInfo): string {
  return client.clientKey ?? (client.ip ? `ip:${client.ip}` : 'ip:unknown');
}

type SubscriberRow = Pick<
  SubscribersTable,
  'id' | 'phone' | 'name' | 'email' | 'password_hash' | 'status'
>;

/**
 * Thrown inside a sign-in's transaction when its code was spent by another request first, so
 * that the transaction is undone and the code is treated as a wrong one.
 */
class CodeSpentMeanwhile extends Error {}

/**
 * Sign-in, token refresh and sign-out. Wrong-try budgets live in the database (see
 * auth/sign-in-budgets.ts), so several API instances sharing one database enforce one lockout.
 */
export class AuthService {
  /** Stored sessions: refresh, sign-out and bearer checks. */
  private readonly sessionStore: AuthSessions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly tokens: AccessTokens,
    lockout: LockoutPolicy,
    sessions: SessionPolicy = DEFAULT_SESSION_POLICY,
    /** When given, sign-in asks for a captcha once failures pile up (per number or client). */
    private readonly risk?: { captcha: Captcha; counters: RiskCounters },
    /** When given, accounts with 2-step verification on need a second factor after the password. */
    private readonly twoFactor?: TwoFactorService,
    /** The account's security history: sign-ins, wrong passwords and codes, lockouts. */
    private readonly events: SecurityLog = NO_SECURITY_LOG,
    private readonly guessing: SignInGuessing = {
      budgets: new SignInBudgets(lockout, DEFAULT_SIGN_IN_BUDGETS),
      cookies: null,
    },
  ) {
    this.sessionStore = new AuthSessions(db, clock, tokens, sessions);
  }

  /**
   * Signs in. Once a number or a client address has `afterFailures` recent failures, every
   * attempt must carry a solved captcha, checked before the password, so a right password
   * without one still gets `428 captcha_required` and reveals nothing. A `deviceToken` from an
   * earlier "remember this computer" skips the second step when it is live for this account.
   */
  async signIn(
    phone: string,
    password: string,
    client: ClientInfo = {},
    captcha?: string,
    deviceToken?: string,
    deviceCookie?: string,
  ): Promise<SignInResponse> {
    if (!this.risk) return this.checkPassword(phone, password, client, deviceToken, deviceCookie);
    const keys = RiskCounters.keys(
      phone,
      client.clientKey ?? (client.ip ? `ip:${client.ip}` : undefined),
    );
    const now = this.clock.now();
    // The try is taken before anything is checked, in one statement per counter, so that of a
    // burst sent at once only the first `afterFailures` go without a captcha: reading the counts
    // and adding the failure afterwards would let every request of the burst read the same low
    // count. Once decided, a wrong password is a failure; any other outcome hands the try back.
    const { tries, failures } = await this.risk.counters.reserve(keys, now);
    let outcome: 'wrong' | 'signed-in' | 'neither' = 'neither';
    try {
      if (tries >= this.risk.captcha.policy.afterFailures) {
        // The work asked grows with the failures decided so far (tries in flight do not count
        // toward it), so the count is passed on.
        await this.risk.captcha.require(captcha, undefined, failures);
      }
      const result = await this.checkPassword(phone, password, client, deviceToken, deviceCookie);
      outcome = 'signed-in';
      return result;
    } catch (error) {
      if (
        error instanceof ApiHttpError &&
        (error.code === 'invalid_credentials' || error.code === 'account_locked')
      ) {
        outcome = 'wrong';
      }
      throw error;
    } finally {
      await this.risk.counters.settle(keys, outcome === 'wrong', now);
      // After a right password the number's count starts again; the client keeps its failures.
      if (outcome === 'signed-in') await this.risk.counters.clearFailures(keys[0]!);
    }
  }

  /** The columns sign-in needs: identity and password hash. */
  private subscriberRows() {
    return this.db
      .selectFrom('subscribers')
      .select(['id', 'phone', 'name', 'email', 'password_hash', 'status']);
  }

  /**
   * Checks the password, then decides once argon2 is done, on the try's lane (see
   * auth/sign-in-budgets.ts): a trusted device cookie's own budget, or the client's and the
   * number's. The lock read before argon2 may be stale by then, since every request of a burst
   * reads it at once, so a wrong password counts, and a right one is let in, only by one locked
   * decision made afterwards: once wrong passwords lock the lane, no password that finishes later
   * signs in on it, whatever order the requests finish in.
   *
   * A number without an account goes through the same steps (the same argon2 work against a
   * dummy hash, the same budgets by the number typed), so it answers with the same statuses,
   * bodies and `Retry-After`, in the same time, as one with an account.
   */
  private async checkPassword(
    phone: string,
    password: string,
    client: ClientInfo,
    deviceToken: string | undefined,
    deviceCookie: string | undefined,
  ): Promise<SignInResponse> {
    const row = await this.subscriberRows().where('phone', '=', phone).executeTakeFirst();
    const clientKey = clientKeyOf(client);
    const { budgets, cookies } = this.guessing;
    const cookieHash = row && cookies ? cookies.signedFor(row.id, deviceCookie) : null;
    const lane: Lane =
      cookieHash && (await cookies!.trusted(this.db, cookieHash, this.clock.now()))
        ? { kind: 'device', cookieHash }
        : { kind: 'client', clientKey };

    // Verify even while locked: a locked lane must answer in the same time and must not reveal
    // whether this password was right.
    const passwordOk = row
      ? await verifyPassword(row.password_hash, password)
      : !(await verifyPassword(await getDummyHash(), password));
    const now = this.clock.now();

    if (!row || !passwordOk) {
      const wrong = await budgets.wrongTry(this.db, phone, lane, clientKey, now);
      if (row && wrong.counted) {
        await this.events.record(row.id, wrong.startedLock ? 'locked' : 'wrong_password', client);
      }
      if (wrong.lockedForMs > 0) throw accountLocked(retryAfterSeconds(wrong.lockedForMs));
      throw invalidCredentials();
    }

    // A right password on a locked lane is refused below like a wrong one, before anything else
    // (a re-hash, a 2-step challenge) could tell it apart.
    const method = this.twoFactor ? await this.twoFactor.method(row.id) : null;
    const remembered =
      this.twoFactor !== undefined &&
      method !== null &&
      deviceToken !== undefined &&
      (await this.twoFactor.useTrustedDevice(row.id, deviceToken));
    if (this.twoFactor && method && !remembered) {
      const lockedNow = await budgets.lockedFor(this.db, phone, lane, now);
      if (lockedNow > 0) throw accountLocked(retryAfterSeconds(lockedNow));
      if (needsRehash(row.password_hash))
        await this.upgradeHash(row.id, row.password_hash, password);
      const { secondFactor, message } = await this.twoFactor.createChallenge(
        row.id,
        method,
        row.phone,
        laneName(lane),
      );
      throw new ApiHttpError(401, 'second_factor_required', message, { secondFactor });
    }

    const session = await this.openSession(row, now, client, lane, cookieHash);
    if (needsRehash(row.password_hash)) await this.upgradeHash(row.id, row.password_hash, password);
    return session;
  }

  /**
   * Re-hashes a right password whose stored hash was made with weaker argon2 parameters (one
   * imported from another system, or from before the parameters were raised), so every account
   * ends up as hard to crack as a new one. Only while the hash is still the one that was
   * checked: a password changed in the meantime is left alone.
   */
  private async upgradeHash(subscriberId: string, checkedHash: string, password: string) {
    await this.db
      .updateTable('subscribers')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', subscriberId)
      .where('password_hash', '=', checkedHash)
      .execute();
  }

  /**
   * Opens a session for a right password (and second factor), in one transaction that first
   * accepts it on the account's row: refused with `423` when the account is locked by now, and
   * on PostgreSQL holding that row until the session is stored, so no session is ever opened
   * after a lock. `spend` runs in the same transaction, for what the sign-in uses up (the
   * challenge and the code); whatever it throws undoes the whole sign-in.
   */
  private async openSession(
    row: SubscriberRow,
    now: number,
    client: ClientInfo,
    lane: Lane,
    /** The device cookie the client sent, signed for this account: replaced by the new one. */
    sentCookie: string | null,
    spend?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<SignInResponse> {
    const refreshToken = newRefreshToken();
    const { budgets, cookies } = this.guessing;
    const opened = await this.db.transaction().execute(async (trx) => {
      const lockedFor = await budgets.rightTry(trx, row.phone, lane, clientKeyOf(client), now);
      if (lockedFor > 0) throw accountLocked(retryAfterSeconds(lockedFor));
      await spend?.(trx);
      const sessionId = await this.sessionStore.insertSession(
        trx,
        row.id,
        refreshToken,
        now,
        client,
      );
      const deviceCookie = await cookies?.issue(trx, row.id, now, sentCookie ?? undefined);
      return { sessionId, deviceCookie };
    });
    const session: SignInResponse = {
      accessToken: await this.tokens.issue(
        { subscriberId: row.id, sessionId: opened.sessionId },
        now,
      ),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      subscriber: profile(row),
      ...(opened.deviceCookie ? { deviceCookie: opened.deviceCookie } : {}),
    };
    await this.events.signedIn(row.id, client);
    return session;
  }

  /**
   * The second step of a sign-in with 2-step verification: the challenge from
   * `second_factor_required` and a TOTP, texted or recovery code. Wrong codes count toward the
   * account lockout like wrong passwords, and five burn the challenge. With `rememberDevice`, the
   * answer carries a device token that skips this step for 30 days.
   *
   * Each request takes one of the challenge's tries before its code is compared, so a burst
   * compares five codes at most; the right code is then accepted in the transaction that opens
   * the session, which re-checks the lock and spends the challenge and the code, each
   * conditionally, so one code signs in once and nothing signs in after a lock.
   */
  async secondFactor(
    challenge: string,
    code: string,
    client: ClientInfo = {},
    rememberDevice = false,
  ): Promise<SignInResponse> {
    const twoFactor = this.twoFactor;
    if (!twoFactor) throw signInExpired();
    const found = await twoFactor.findChallenge(challenge);
    if (!found) throw signInExpired();
    const row = await this.subscriberRows()
      .where('id', '=', found.subscriber_id)
      .executeTakeFirst();
    if (!row) throw signInExpired();
    const guess = await twoFactor.readCode(row.id, code, found.token_hash);
    const attemptsLeft = await twoFactor.takeTry(found.token_hash);
    if (attemptsLeft === null) throw signInExpired();
    // The codes count on the budget the password was decided on.
    const clientKey = clientKeyOf(client);
    const lane = laneFromName(found.lane, clientKey);
    const budgets = this.guessing.budgets;
    // A code typed while the lane is locked is not compared at all. Its try is spent, which
    // costs nothing: a lock outlasts the challenge.
    const now = this.clock.now();
    const locked = await budgets.lockedFor(this.db, row.phone, lane, now);
    if (locked > 0) throw accountLocked(retryAfterSeconds(locked));

    const match = await twoFactor.matchCode(row.id, guess);
    const session =
      match && (await this.signInWithCode(row, found.token_hash, match, now, client, lane));
    if (session) {
      await this.risk?.counters.clearFailures(RiskCounters.keys(row.phone, undefined)[0]!);
      if (!rememberDevice) return session;
      return { ...session, deviceToken: await twoFactor.rememberDevice(row.id, client.device) };
    }

    // When another request has meanwhile finished this sign-in with the right code, this one is
    // no guess at anything any more: it is answered like any try at a used challenge, uncounted.
    if (!(await twoFactor.challengeOpen(found.token_hash))) throw signInExpired();
    const wrong = await budgets.wrongTry(this.db, row.phone, lane, clientKey, now);
    if (wrong.counted) {
      await this.events.record(
        row.id,
        wrong.startedLock ? 'locked' : 'second_factor_failed',
        client,
      );
    }
    if (wrong.lockedForMs > 0) throw accountLocked(retryAfterSeconds(wrong.lockedForMs));
    if (attemptsLeft === 0) {
      throw new ApiHttpError(401, 'unauthorized', 'Too many wrong codes. Please sign in again.');
    }
    throw new ApiHttpError(401, 'invalid_code', 'That code is not right. Try again.', {
      attemptsLeft,
    });
  }

  /**
   * Opens the session for a code that matched, spending the challenge and the code in the same
   * transaction. Null when another request spent the code first (the same recovery code or TOTP
   * time step sent twice): for this sign-in it is then a wrong code.
   */
  private async signInWithCode(
    row: SubscriberRow,
    tokenHash: string,
    match: MatchedCode,
    now: number,
    client: ClientInfo,
    lane: Lane,
  ): Promise<SignInResponse | null> {
    const twoFactor = this.twoFactor;
    if (!twoFactor) throw signInExpired();
    try {
      const sent = lane.kind === 'device' ? lane.cookieHash : null;
      return await this.openSession(row, now, client, lane, sent, async (trx) => {
        if (!(await twoFactor.spendChallenge(trx, tokenHash))) throw signInExpired();
        if (!(await twoFactor.spendCode(trx, row.id, match))) throw new CodeSpentMeanwhile();
      });
    } catch (error) {
      if (error instanceof CodeSpentMeanwhile) return null;
      throw error;
    }
  }

  /** Another text for an `sms` sign-in's challenge (`/v1/auth/second-factor/resend`). */
  async resendSecondFactor(challenge: string): Promise<SecondFactorResendResponse> {
    if (!this.twoFactor) throw signInExpired();
    return this.twoFactor.resendChallenge(challenge);
  }

  /**
   * Rotates a refresh token. Each token works once; presenting a used one means it was copied,
   * so the whole family (session) is revoked and the legitimate holder must sign in again.
   */
  refresh(refreshToken: string): Promise<SignInResponse> {
    return this.sessionStore.refresh(refreshToken);
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored: sign-out always succeeds. */
  signOut(refreshToken: string): Promise<void> {
    return this.sessionStore.signOut(refreshToken);
  }

  /** The app's description of itself as stored on a session at sign-in, if it sent one. */
  sessionDevice(sessionId: string): Promise<DeviceInfo | undefined> {
    return this.sessionStore.sessionDevice(sessionId);
  }

  /** Checks a bearer token and that its session is still alive; returns the subscriber id. */
  authenticate(accessToken: string): Promise<{ subscriberId: string; sessionId: string }> {
    return this.sessionStore.authenticate(accessToken);
  }
}
