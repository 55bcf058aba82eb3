import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { HOUR_MS, MINUTE_MS } from '../clock';
import { AdminError } from '../account/subscriber-admin';

/** `ak_<id>.<secret>`: the same shape `KioskCredential` in contract/kiosk.ts accepts. */
const CREDENTIAL = /^ak_([a-z0-9]{12})\.([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const STORE_NAME_MAX = 80;

/** `last_seen_at` is written at most this often per kiosk, so every request is not a write. */
export const KIOSK_SEEN_EVERY_MS = MINUTE_MS;

/**
 * How long one customer's visit may last. The kiosk wipes a visit after a minute and a half
 * without a touch and starts a new one for the next customer, so a real visit ends long before.
 */
export const KIOSK_VISIT_TTL_MS = 2 * HOUR_MS;

export interface KioskRow {
  id: string;
  storeName: string;
  createdAt: number;
  revokedAt: number | null;
  lastSeenAt: number | null;
}

export interface EnrolledKiosk extends KioskRow {
  /** `ak_<id>.<secret>`: shown once, at enrolment; only the secret's hash is kept. */
  credential: string;
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function newKioskId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function toRow(r: {
  id: string;
  store_name: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
}): KioskRow {
  return {
    id: r.id,
    storeName: r.store_name,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    lastSeenAt: r.last_seen_at === null ? null : Number(r.last_seen_at),
  };
}

/**
 * Enrolled store kiosks. A kiosk proves itself with the credential printed at enrolment; the
 * secret half is 32 random bytes, so a plain SHA-256 of it is as good as a keyed hash and lets
 * every instance check it without sharing a key.
 */
export class KioskService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async enroll(storeName: string | undefined): Promise<EnrolledKiosk> {
    const name = (storeName ?? '').trim();
    if (name === '') {
      throw new AdminError(
        'invalid_input',
        'Name the store: kiosk enroll --store "<store name>" (it is shown on the kiosk).',
      );
    }
    if (name.length > STORE_NAME_MAX) {
      throw new AdminError(
        'invalid_input',
        `The store name is at most ${STORE_NAME_MAX} characters (the kiosk policy file allows no more).`,
      );
    }
    const id = newKioskId();
    const secret = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.db
      .insertInto('kiosks')
      .values({
        id,
        store_name: name,
        secret_hash: hashSecret(secret).toString('hex'),
        created_at: now,
        revoked_at: null,
        last_seen_at: null,
      })
      .execute();
    return {
      id,
      storeName: name,
      createdAt: now,
      revokedAt: null,
      lastSeenAt: null,
      credential: `ak_${id}.${secret}`,
    };
  }

  /** Every kiosk, enrolled first to last, revoked ones included (marked). */
  async list(): Promise<KioskRow[]> {
    const rows = await this.db
      .selectFrom('kiosks')
      .select(['id', 'store_name', 'created_at', 'revoked_at', 'last_seen_at'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRow);
  }

  /**
   * Stops a kiosk: its credential no longer works and the sessions it opened end. Revoking one
   * already revoked keeps the first date.
   */
  async revoke(idInput: string | undefined): Promise<KioskRow> {
    const id = (idInput ?? '').trim().replace(/^ak_/, '').split('.')[0] ?? '';
    if (id === '') throw new AdminError('invalid_input', 'Name the kiosk: kiosk revoke <id>.');
    const now = this.clock.now();
    const found = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('kiosks')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('kiosk_id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      return trx
        .selectFrom('kiosks')
        .select(['id', 'store_name', 'created_at', 'revoked_at', 'last_seen_at'])
        .where('id', '=', id)
        .executeTakeFirst();
    });
    if (!found) {
      throw new AdminError(
        'not_found',
        `There is no kiosk "${id}". "kiosk list" shows the enrolled kiosks.`,
      );
    }
    return toRow(found);
  }

  /**
   * The kiosk a credential belongs to, or null when it is malformed, unknown or revoked. The
   * hashes are compared in constant time; an unknown id costs the same hashing as a known one.
   */
  async verify(credential: string): Promise<{ id: string; storeName: string } | null> {
    const match = CREDENTIAL.exec(credential);
    if (!match) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const row = await this.db
      .selectFrom('kiosks')
      .select(['id', 'store_name', 'secret_hash', 'revoked_at', 'last_seen_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    const presented = hashSecret(secret);
    const stored = row ? Buffer.from(row.secret_hash, 'hex') : hashSecret('');
    const same = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (!row || !same || row.revoked_at !== null) return null;
    const now = this.clock.now();
    if (row.last_seen_at === null || now - Number(row.last_seen_at) >= KIOSK_SEEN_EVERY_MS) {
      // Conditional, so instances racing on the same minute write once.
      await this.db
        .updateTable('kiosks')
        .set({ last_seen_at: now })
        .where('id', '=', row.id)
        .where((eb) =>
          eb.or([
            eb('last_seen_at', 'is', null),
            eb('last_seen_at', '<=', now - KIOSK_SEEN_EVERY_MS),
          ]),
        )
        .execute();
    }
    return { id: row.id, storeName: row.store_name };
  }

  /** Ends every live session opened at this kiosk; answers how many there were. */
  /** Issues a new customer visit for the kiosk: an id only the API hands out. */
  async startVisit(kioskId: string): Promise<{ visitId: string; expiresAt: number }> {
    const now = this.clock.now();
    const visitId = randomUUID();
    const expiresAt = now + KIOSK_VISIT_TTL_MS;
    await this.db
      .insertInto('kiosk_visits')
      .values({
        id: visitId,
        kiosk_id: kioskId,
        started_at: now,
        expires_at: expiresAt,
        ended_at: null,
      })
      .execute();
    return { visitId, expiresAt };
  }

  /** True while `visitId` is a visit this API issued to this kiosk, not ended and not expired. */
  async visitIsLive(kioskId: string, visitId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('kiosk_visits')
      .select('id')
      .where('id', '=', visitId)
      .where('kiosk_id', '=', kioskId)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', this.clock.now())
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Ends every visit of the kiosk and revokes every live session opened there; returns how many
   * sessions were revoked.
   */
  async endVisits(kioskId: string): Promise<number> {
    const now = this.clock.now();
    await this.db
      .updateTable('kiosk_visits')
      .set({ ended_at: now })
      .where('kiosk_id', '=', kioskId)
      .where('ended_at', 'is', null)
      .execute();
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('kiosk_id', '=', kioskId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
