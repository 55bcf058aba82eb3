import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import type {
  ActiveSession,
  ChangeContactRequest,
  ChangePasswordRequest,
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionList,
  SignOutOthersResponse,
} from '../../../contract/http/security';
import { ApiHttpError, unauthorized } from '../errors';
import type { SignInBudgets } from '../auth/sign-in-budgets';
import { appVersionFromUserAgent, describeUserAgent } from '../auth/client-description';
import { decodeCursor, toPage } from '../account/pagination';
import type { ClientInfo, SecurityLog } from './security-log';
import {
  confirmPassword,
  wrongPassword,
  type ConfirmationContext,
} from '../auth/password-confirmation';
import { hashNewPassword, storeNewPassword } from '../auth/password-change';
import { withSessionDevice } from '../auth/session-device';

const iso = (ms: number): string => new Date(ms).toISOString();

const sessionNotFound = (): ApiHttpError =>
  new ApiHttpError(404, 'session_not_found', 'That device is not signed in to your account.');

const invalidField = (path: string, message: string): ApiHttpError =>
  new ApiHttpError(400, 'invalid_request', message, { issues: [{ path, message }] });

type ChangeContact = z.output<typeof ChangeContactRequest>;

/**
 * The security center: the account's protection at a glance, the changes that need the password
 * again, its signed-in devices (sessions) and its history.
 *
 * A wrong password here counts toward the same lockout as a wrong password at sign-in (see
 * `confirmPassword`).
 */
export class SecurityService {
  private readonly passwords: ConfirmationContext;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly events: SecurityLog,
    budgets: SignInBudgets,
  ) {
    this.passwords = { db, clock, budgets, events };
  }

  async overview(subscriberId: string): Promise<SecurityOverview> {
    const now = this.clock.now();
    const subscriber = await this.db
      .selectFrom('subscribers')
      .select(['phone', 'email', 'contact_phone', 'password_changed_at'])
      .where('id', '=', subscriberId)
      .executeTakeFirst();
    if (!subscriber) throw unauthorized();
    const twoFactor = await this.db
      .selectFrom('two_factor')
      .select(['enabled_at', 'method'])
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    const enabled = twoFactor?.enabled_at != null;
    const codes = enabled
      ? await this.db
          .selectFrom('recovery_codes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('subscriber_id', '=', subscriberId)
          .where('used_at', 'is', null)
          .executeTakeFirstOrThrow()
      : { n: 0 };
    const devices = await this.db
      .selectFrom('trusted_devices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subscriber_id', '=', subscriberId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return {
      twoFactor: {
        enabled,
        method: enabled ? twoFactor!.method : null,
        recoveryCodesLeft: Number(codes.n),
      },
      phone: subscriber.phone,
      email: subscriber.email,
      contactPhone: subscriber.contact_phone,
      passwordChangedAt:
        subscriber.password_changed_at === null ? null : iso(subscriber.password_changed_at),
      rememberedDevices: Number(devices.n),
    };
  }

  /**
   * Sets a new password after checking the current one. Every other session ends and every
   * remembered computer is forgotten: whoever else knew the old password is out.
   */
  async changePassword(
    subscriberId: string,
    sessionId: string,
    request: ChangePasswordRequest,
    requestClient: ClientInfo,
  ): Promise<ChangePasswordResponse> {
    const client = await withSessionDevice(this.db, sessionId, requestClient);
    const row = await confirmPassword(
      this.passwords,
      subscriberId,
      request.currentPassword,
      client,
    );
    if (request.newPassword === request.currentPassword) {
      throw invalidField(
        'body.newPassword',
        'The new password is the same as the current one. Choose a different password.',
      );
    }
    const passwordHash = await hashNewPassword(request.newPassword, row);
    const now = this.clock.now();
    // What the subscriber sees as signed-in devices; sessions already dead are ended too, uncounted.
    const others = await this.liveSessions(subscriberId, sessionId, now)
      .select('s.id')
      .where('s.id', '!=', sessionId)
      .execute();
    // Only over the hash that was checked: a reset finishing meanwhile wins, and this change is
    // refused rather than silently undoing it.
    const changed = await this.db.transaction().execute((trx) =>
      storeNewPassword(trx, subscriberId, passwordHash, now, {
        replacing: row.password_hash,
        keepSession: sessionId,
      }),
    );
    if (!changed) throw wrongPassword();
    await this.events.record(subscriberId, 'password_changed', client);
    return { otherSessionsSignedOut: others.length };
  }

  /** Changes the e-mail address and/or the contact number, after checking the password. */
  async changeContact(
    subscriberId: string,
    sessionId: string,
    request: ChangeContact,
    requestClient: ClientInfo,
  ): Promise<SecurityOverview> {
    const client = await withSessionDevice(this.db, sessionId, requestClient);
    const row = await confirmPassword(this.passwords, subscriberId, request.password, client);
    if (request.contactPhone != null && request.contactPhone === row.phone) {
      throw invalidField(
        'body.contactPhone',
        'That is the number you sign in with. Give a different number to reach you on.',
      );
    }
    const changes: { email?: string; contact_phone?: string | null } = {};
    if (request.email !== undefined && request.email !== row.email) changes.email = request.email;
    if (request.contactPhone !== undefined && request.contactPhone !== row.contact_phone) {
      changes.contact_phone = request.contactPhone;
    }
    if (Object.keys(changes).length > 0) {
      await this.db
        .updateTable('subscribers')
        .set(changes)
        .where('id', '=', subscriberId)
        .execute();
      await this.events.record(
        subscriberId,
        'contact_changed',
        client,
        changes.email !== undefined ? { previousEmail: row.email } : {},
      );
    }
    return this.overview(subscriberId);
  }

  /** Signed-in devices: live sessions, most recently used first. */
  async sessions(subscriberId: string, currentSessionId: string): Promise<SessionList> {
    const rows = await this.liveSessions(subscriberId, currentSessionId, this.clock.now())
      .select([
        's.id',
        's.created_at',
        's.last_used_at',
        's.user_agent',
        's.ip',
        's.device_name',
        's.app_version',
      ])
      .orderBy('s.last_used_at', 'desc')
      .orderBy('s.created_at', 'desc')
      .orderBy('s.id')
      .execute();
    return {
      sessions: rows.map((r): ActiveSession => ({
        id: r.id,
        current: r.id === currentSessionId,
        deviceName: r.device_name ?? describeUserAgent(r.user_agent),
        appVersion: r.app_version ?? appVersionFromUserAgent(r.user_agent),
        signedInAt: iso(r.created_at),
        lastSeenAt: iso(r.last_used_at),
        ip: r.ip,
      })),
    };
  }

  /**
   * Ends one of the subscriber's sessions (the current one included). Anything that is not a live
   * session of this subscriber is "not found", so other accounts' session ids reveal nothing.
   */
  async signOutSession(
    subscriberId: string,
    currentSessionId: string,
    targetId: string,
    requestClient: ClientInfo,
  ): Promise<void> {
    const now = this.clock.now();
    const client = await withSessionDevice(this.db, currentSessionId, requestClient);
    const live = await this.liveSessions(subscriberId, currentSessionId, now)
      .select('s.id')
      .where('s.id', '=', targetId)
      .executeTakeFirst();
    if (!live) throw sessionNotFound();
    const ended = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', targetId)
      .where('subscriber_id', '=', subscriberId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) !== 1) throw sessionNotFound();
    await this.events.record(subscriberId, 'session_signed_out', client);
  }

  /** Ends every session but this one. */
  async signOutOthers(
    subscriberId: string,
    currentSessionId: string,
    requestClient: ClientInfo,
  ): Promise<SignOutOthersResponse> {
    const now = this.clock.now();
    const client = await withSessionDevice(this.db, currentSessionId, requestClient);
    const others = await this.liveSessions(subscriberId, currentSessionId, now)
      .select('s.id')
      .where('s.id', '!=', currentSessionId)
      .execute();
    if (others.length === 0) return { signedOut: 0 };
    const ended = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where(
        'id',
        'in',
        others.map((o) => o.id),
      )
      .where('subscriber_id', '=', subscriberId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const signedOut = Number(ended.numUpdatedRows);
    // One history entry for the whole sign-out, not one per device.
    if (signedOut > 0) await this.events.record(subscriberId, 'session_signed_out', client);
    return { signedOut };
  }

  /** The history, newest first, by keyset on (`at`, `id`). */
  async securityEvents(
    subscriberId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<SecurityEventList> {
    let query = this.db
      .selectFrom('security_events')
      .select(['id', 'at', 'kind', 'new_device', 'device_name', 'app_version', 'ip'])
      .where('subscriber_id', '=', subscriberId);
    if (cursor) {
      const [at, id] = decodeCursor<number>(cursor, 'number');
      query = query.where((eb) =>
        eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]),
      );
    }
    const rows = await query
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const { page, nextCursor } = toPage(rows, limit, (r) => [r.at, r.id]);
    return {
      items: page.map((r) => ({
        id: r.id,
        at: iso(r.at),
        kind: r.kind,
        newDevice: r.new_device === 1,
        deviceName: r.device_name,
        appVersion: r.app_version,
        ip: r.ip,
      })),
      nextCursor,
    };
  }

  /**
   * Sessions that can still be used: not revoked, not past their end, and holding an unused
   * refresh token that has not expired (the current one is live by definition: its access token
   * was just accepted).
   */
  private liveSessions(subscriberId: string, currentSessionId: string, now: number) {
    return this.db
      .selectFrom('sessions as s')
      .where('s.subscriber_id', '=', subscriberId)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .where((eb) =>
        eb.or([
          eb('s.id', '=', currentSessionId),
          eb.exists(
            eb
              .selectFrom('refresh_tokens as t')
              .select('t.session_id')
              .whereRef('t.session_id', '=', 's.id')
              .where('t.used_at', 'is', null)
              .where('t.expires_at', '>', now),
          ),
        ]),
      );
  }
}
