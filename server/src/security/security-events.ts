import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { DAY_MS } from '../clock';
import type { Delivery } from '../delivery/types';
import type { BackgroundTasks } from '../background';
import { securityNotice, type NoticeKind } from './security-notices';
import { appVersionFromUserAgent, describeUserAgent } from '../auth/client-description';
import { maskEmail } from '../auth/recovery-service';
import type { ClientInfo, SecurityEventKind, SecurityLog } from './security-log';

/** The history is kept for a year; older events are removed by the periodic `pruneExpired`. */
export const SECURITY_EVENT_RETENTION_MS = 365 * DAY_MS;

/** Which events e-mail a notice, and which one. */
const NOTICES: Partial<Record<SecurityEventKind, NoticeKind>> = {
  locked: 'locked',
  password_changed: 'password_changed',
  password_reset: 'password_reset',
  two_factor_enabled: 'two_factor_enabled',
  two_factor_disabled: 'two_factor_disabled',
  recovery_codes_replaced: 'recovery_codes_replaced',
  contact_changed: 'contact_changed',
};

let sequence = 0;

/**
 * A time-ordered id in the UUIDv7 layout: the event's time, then a per-process counter, then
 * random bits. The history is ordered by (`at`, `id`), and several events often share a
 * millisecond (a wrong password and the lock it causes), so the id keeps them in the order they
 * happened.
 */
export function securityEventId(at: number): string {
  sequence = (sequence + 1) % 0x1000000;
  const time = Math.min(Math.max(0, Math.trunc(at)), 0xffffffffffff)
    .toString(16)
    .padStart(12, '0');
  const seq = sequence.toString(16).padStart(6, '0');
  const random = randomBytes(6).toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${seq.slice(0, 3)}-8${seq.slice(3)}-${random}`;
}

/**
 * What identifies the device for "have we seen it before": the desktop app's per-installation
 * id, or for clients that send none, a hash of their User-Agent and address (which treats the
 * same tool on a new network as a new device, the safer mistake).
 */
export function deviceKey(client: ClientInfo): string {
  if (client.device) return client.device.id;
  const hash = createHash('sha256')
    .update(`${client.userAgent ?? ''}\n${client.ip ?? ''}`)
    .digest('hex');
  return `ua:${hash.slice(0, 32)}`;
}

/** The device as people read it: its name and app version, or a description of the client. */
export function describeClient(client: ClientInfo): string {
  if (client.device) return `${client.device.name} (Airtime ${client.device.appVersion})`;
  const version = appVersionFromUserAgent(client.userAgent);
  const description = describeUserAgent(client.userAgent);
  return version ? `${description} ${version}` : description;
}

/**
 * The security history in the `security_events` table, and the e-mail notices that go with it.
 *
 * A new device is one whose id never appeared in an earlier `signed_in` of the account. An
 * account's very first recorded sign-in is never "new": there is nothing to compare it with, and
 * flagging it would send every subscriber a warning about their own first sign-in (and everyone
 * a warning on the first sign-in after this history was introduced). Devices last seen over a
 * year ago count as new again, since their events have been pruned.
 *
 * Notices are sent in the background so that a slow or failing mail server never delays or fails
 * the request; a failure is logged. Without an e-mail sender, only the history row is written.
 */
export class DbSecurityLog implements SecurityLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly delivery: Delivery,
    private readonly background: BackgroundTasks,
    private readonly log: Pick<FastifyBaseLogger, 'warn'>,
  ) {}

  async signedIn(subscriberId: string, client: ClientInfo): Promise<{ newDevice: boolean }> {
    const at = this.clock.now();
    const key = deviceKey(client);
    let newDevice = false;
    try {
      const earlier = this.db
        .selectFrom('security_events')
        .select('id')
        .where('subscriber_id', '=', subscriberId)
        .where('kind', '=', 'signed_in')
        .limit(1);
      if (await earlier.executeTakeFirst()) {
        newDevice = !(await earlier.where('device_id', '=', key).executeTakeFirst());
      }
      await this.insert(subscriberId, 'signed_in', client, at, newDevice);
    } catch (error) {
      this.log.warn({ err: error, subscriberId }, 'could not record a sign-in in the history');
    }
    if (newDevice) this.notify(subscriberId, 'new_sign_in', client, at);
    return { newDevice };
  }

  async record(
    subscriberId: string,
    kind: Exclude<SecurityEventKind, 'signed_in'>,
    client: ClientInfo,
    extra: { previousEmail?: string } = {},
  ): Promise<void> {
    const at = this.clock.now();
    try {
      await this.insert(subscriberId, kind, client, at, false);
    } catch (error) {
      this.log.warn({ err: error, subscriberId, kind }, 'could not record a security event');
    }
    const notice = NOTICES[kind];
    if (notice) this.notify(subscriberId, notice, client, at, extra.previousEmail);
  }

  private async insert(
    subscriberId: string,
    kind: SecurityEventKind,
    client: ClientInfo,
    at: number,
    newDevice: boolean,
  ): Promise<void> {
    await this.db
      .insertInto('security_events')
      .values({
        id: securityEventId(at),
        subscriber_id: subscriberId,
        at,
        kind,
        new_device: newDevice ? 1 : 0,
        device_id: deviceKey(client),
        device_name:
          client.device?.name ??
          (client.userAgent ? describeUserAgent(client.userAgent).slice(0, 64) : null),
        app_version: client.device?.appVersion ?? appVersionFromUserAgent(client.userAgent),
        ip: client.ip?.slice(0, 64) ?? null,
      })
      .execute();
  }

  private notify(
    subscriberId: string,
    kind: NoticeKind,
    client: ClientInfo,
    at: number,
    previousEmail?: string,
  ): void {
    const sender = this.delivery.email;
    if (!sender) return;
    this.background.run(
      async () => {
        const subscriber = await this.db
          .selectFrom('subscribers')
          .select(['phone', 'email'])
          .where('id', '=', subscriberId)
          .executeTakeFirst();
        if (!subscriber) return;
        const emailChanged =
          kind === 'contact_changed' &&
          previousEmail !== undefined &&
          previousEmail !== subscriber.email;
        const notice = securityNotice(kind, {
          at,
          phone: subscriber.phone,
          device: describeClient(client),
          ip: client.ip ?? null,
          newEmailMasked: emailChanged ? maskEmail(subscriber.email) : undefined,
        });
        // A changed address is told at the old one: that is where the owner still reads mail if
        // someone else made the change.
        await sender.send({ to: emailChanged ? previousEmail : subscriber.email, ...notice });
      },
      (error) => {
        this.log.warn({ err: error, subscriberId, kind }, 'security notice could not be sent');
      },
    );
  }
}

/** Removes history older than a year (`SECURITY_EVENT_RETENTION_MS`); returns how many went. */
export async function pruneSecurityEvents(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db
    .deleteFrom('security_events')
    .where('at', '<', now - SECURITY_EVENT_RETENTION_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
