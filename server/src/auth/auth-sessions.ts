import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, SubscribersTable } from '../db/schema';
import type { Clock } from '../clock';
import { DAY_MS } from '../clock';
import type { DeviceInfo, SignInResponse, SubscriberProfile } from '../../../contract/http/auth';
import { ApiHttpError } from '../errors';
import { AccessTokens, hashRefreshToken, newRefreshToken } from './tokens';
import type { ClientInfo } from '../security/security-log';
import { sessionDevice } from './session-device';

export interface SessionPolicy {
  /** A refresh token not used for this long expires. */
  refreshIdleMs: number;
  /** A session (refresh-token family) ends this long after sign-in, however active. */
  sessionMaxMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  refreshIdleMs: 15 * DAY_MS,
  sessionMaxMs: 30 * DAY_MS,
};

const invalidRefresh = (): ApiHttpError =>
  new ApiHttpError(401, 'invalid_refresh_token', 'Your session has ended. Please sign in again.');

const reusedRefresh = (): ApiHttpError =>
  new ApiHttpError(
    401,
    'refresh_token_reused',
    'This sign-in was used from somewhere else, so we ended it to protect your account. Please sign in again.',
  );

export function profile(
  row: Pick<SubscribersTable, 'id' | 'phone' | 'name' | 'email'>,
): SubscriberProfile {
  return { id: row.id, phone: row.phone, name: row.name, email: row.email };
}

/**
 * Sessions once open: storing a new one, rotating its refresh token, signing out, and checking
 * the bearer token of each request.
 */
export class AuthSessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly tokens: AccessTokens,
    private readonly sessions: SessionPolicy,
  ) {}

  /** Stores a new session and its first refresh token; returns the session's id. */
  async insertSession(
    trx: Transaction<Database>,
    subscriberId: string,
    refreshToken: string,
    now: number,
    client: ClientInfo,
  ): Promise<string> {
    const sessionId = randomUUID();
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        subscriber_id: subscriberId,
        created_at: now,
        expires_at: now + this.sessions.sessionMaxMs,
        last_used_at: now,
        revoked_at: null,
        user_agent: client.userAgent?.slice(0, 200) ?? null,
        ip: client.ip ?? null,
        device_id: client.device?.id ?? null,
        device_name: client.device?.name ?? null,
        app_version: client.device?.appVersion ?? null,
        kiosk_id: client.kioskId ?? null,
      })
      .execute();
    await trx
      .insertInto('refresh_tokens')
      .values({
        token_hash: hashRefreshToken(refreshToken),
        session_id: sessionId,
        created_at: now,
        expires_at: now + this.sessions.refreshIdleMs,
        used_at: null,
      })
      .execute();
    return sessionId;
  }

  /**
   * Rotates a refresh token. Each token works once; presenting a used one means it was copied,
   * so the whole family (session) is revoked and the legitimate holder must sign in again.
   */
  async refresh(refreshToken: string): Promise<SignInResponse> {
    const now = this.clock.now();
    const hash = hashRefreshToken(refreshToken);
    const found = await this.db
      .selectFrom('refresh_tokens as t')
      .innerJoin('sessions as s', 's.id', 't.session_id')
      .innerJoin('subscribers as u', 'u.id', 's.subscriber_id')
      .select([
        't.used_at',
        't.expires_at',
        's.id as session_id',
        's.expires_at as session_expires_at',
        's.revoked_at',
        'u.id',
        'u.phone',
        'u.name',
        'u.email',
      ])
      .where('t.token_hash', '=', hash)
      .executeTakeFirst();
    if (!found || found.revoked_at !== null) throw invalidRefresh();
    if (found.used_at !== null) {
      await this.revokeSession(found.session_id, now);
      throw reusedRefresh();
    }
    if (found.expires_at <= now || found.session_expires_at <= now) throw invalidRefresh();

    const next = newRefreshToken();
    const rotated = await this.db.transaction().execute(async (trx) => {
      // Conditional update: if two requests race with the same token, only one wins the rotation.
      const claimed = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('refresh_tokens')
        .values({
          token_hash: hashRefreshToken(next),
          session_id: found.session_id,
          created_at: now,
          expires_at: now + this.sessions.refreshIdleMs,
          used_at: null,
        })
        .execute();
      await trx
        .updateTable('sessions')
        .set({ last_used_at: now })
        .where('id', '=', found.session_id)
        .execute();
      return true;
    });
    if (!rotated) {
      await this.revokeSession(found.session_id, now);
      throw reusedRefresh();
    }
    return {
      accessToken: await this.tokens.issue(
        { subscriberId: found.id, sessionId: found.session_id },
        now,
      ),
      refreshToken: next,
      tokenType: 'Bearer',
      expiresIn: this.tokens.ttlSeconds,
      subscriber: profile(found),
    };
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored: sign-out always succeeds. */
  async signOut(refreshToken: string): Promise<void> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select('session_id')
      .where('token_hash', '=', hashRefreshToken(refreshToken))
      .executeTakeFirst();
    if (row) await this.revokeSession(row.session_id, this.clock.now());
  }

  private async revokeSession(sessionId: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** The app's description of itself as stored on a session at sign-in, if it sent one. */
  async sessionDevice(sessionId: string): Promise<DeviceInfo | undefined> {
    return sessionDevice(this.db, sessionId);
  }

  /** Checks a bearer token and that its session is still alive; returns the subscriber id. */
  async authenticate(accessToken: string): Promise<{ subscriberId: string; sessionId: string }> {
    const now = this.clock.now();
    const result = await this.tokens.verify(accessToken, now);
    if (!result.ok) {
      throw result.reason === 'expired'
        ? new ApiHttpError(401, 'token_expired', 'Your session needs refreshing.')
        : new ApiHttpError(401, 'unauthorized', 'Sign in to continue.');
    }
    const session = await this.db
      .selectFrom('sessions')
      .select(['revoked_at', 'expires_at', 'subscriber_id'])
      .where('id', '=', result.claims.sessionId)
      .executeTakeFirst();
    if (
      !session ||
      session.revoked_at !== null ||
      session.expires_at <= now ||
      session.subscriber_id !== result.claims.subscriberId
    ) {
      throw new ApiHttpError(401, 'unauthorized', 'Your session has ended. Please sign in again.');
    }
    return result.claims;
  }
}
