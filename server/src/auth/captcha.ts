import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema';
import type { Clock } from '../clock';
import { HOUR_MS, MINUTE_MS } from '../clock';
import type { CaptchaChallenge } from '../../../contract/errors';
import { ApiHttpError } from '../errors';

export interface CaptchaPolicy {
  /**
   * Work per challenge: the client tries numbers up to this, half of them on average. 50 000
   * SHA-256 rounds take well under a second in a browser's Web Crypto on a laptop (about 1.7 s
   * in the single-threaded worst case measured on a 2-core build machine with Node).
   */
  maxNumber: number;
  /** A challenge must be solved and used within this long. */
  ttlMs: number;
  /** Failed sign-ins (per number, or per client) after which a captcha is required. */
  afterFailures: number;
  /** Failures are counted in a window that starts with the first and lasts this long. */
  failureWindowMs: number;
}

export const DEFAULT_CAPTCHA_POLICY: CaptchaPolicy = {
  maxNumber: 50_000,
  ttlMs: 5 * MINUTE_MS,
  afterFailures: 3,
  failureWindowMs: HOUR_MS,
};

const Payload = z.object({
  algorithm: z.enum(['SHA-256']),
  challenge: z.string().max(256),
  number: z.number().int().nonnegative(),
  salt: z.string().max(256),
  signature: z.string().max(256),
});

/**
 * Self-hosted ALTCHA proof of work. Challenges are HMAC-signed by this server (nothing is stored
 * when one is handed out), carry their expiry inside the signed salt, and work once: the
 * signature of every accepted solution is kept until the challenge would have expired.
 */
export class Captcha {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly hmacKey: string,
    readonly policy: CaptchaPolicy = DEFAULT_CAPTCHA_POLICY,
  ) {}

  async challenge(): Promise<CaptchaChallenge> {
    const challenge = await createChallenge({
      hmacKey: this.hmacKey,
      algorithm: 'SHA-256',
      maxnumber: this.policy.maxNumber,
      expires: new Date(this.clock.now() + this.policy.ttlMs),
    });
    return {
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      maxnumber: challenge.maxnumber ?? this.policy.maxNumber,
      salt: challenge.salt,
      signature: challenge.signature,
    };
  }

  /**
   * True for a correct, unexpired, signed solution seen for the first time, and spends it. `db`
   * is the caller's transaction when the solution is spent together with what it pays for (it
   * is then unspent again if that transaction rolls back).
   */
  async verify(solution: string, db: Kysely<Database> = this.db): Promise<boolean> {
    let payload: z.infer<typeof Payload>;
    try {
      const parsed = Payload.safeParse(
        JSON.parse(Buffer.from(solution, 'base64').toString('utf8')),
      );
      if (!parsed.success) return false;
      payload = parsed.data;
    } catch {
      return false;
    }
    // The library checks expiry against the system clock; ours is checked below, so time can be
    // injected (and tests move it).
    if (!(await verifySolution(payload, this.hmacKey, false))) return false;
    const expires = Number(extractParams(payload)['expires']) * 1000;
    const now = this.clock.now();
    if (!Number.isFinite(expires) || expires <= now) return false;
    // Spending is the insert itself: the signature is the primary key, so of any number of
    // requests carrying one solution at once, on any instance, exactly one inserts a row.
    const spent = await db
      .insertInto('spent_captchas')
      .values({ signature: payload.signature, expires_at: expires })
      .onConflict((oc) => oc.column('signature').doNothing())
      .returning('signature')
      .executeTakeFirst();
    if (!spent) return false;
    // Not inside a caller's transaction: the deleted rows would stay locked until it commits,
    // and two such transactions could wait on each other. The hourly prune covers that case.
    if (db === this.db) {
      await this.db.deleteFrom('spent_captchas').where('expires_at', '<=', now).execute();
    }
    return true;
  }

  /**
   * Throws `428 captcha_required` (no solution) or `400 captcha_invalid`, each with a fresh
   * challenge, unless `solution` is good. A good solution is spent, in `db` when given (see
   * `verify`).
   */
  async require(solution: string | undefined, db: Kysely<Database> = this.db): Promise<void> {
    if (solution === undefined) {
      throw new ApiHttpError(
        428,
        'captcha_required',
        'Please confirm you are a person: your device solves a small puzzle, then try again.',
        { captcha: await this.challenge() },
      );
    }
    if (!(await this.verify(solution, db))) {
      throw new ApiHttpError(
        400,
        'captcha_invalid',
        'That check did not work or has expired. Your device will solve a new one.',
        { captcha: await this.challenge() },
      );
    }
  }
}

/**
 * Counts one more failure against each of `keys` in `risk_counters`, starting a new window for a
 * key whose window (of `windowMs`, from its first failure) has passed. One statement per key, so
 * concurrent failures on several instances all count.
 */
export async function recordWindowedFailure(
  db: Kysely<Database>,
  keys: string[],
  now: number,
  windowMs: number,
): Promise<void> {
  const cutoff = now - windowMs;
  for (const key of keys) {
    await db
      .insertInto('risk_counters')
      .values({ key, failures: 1, window_started_at: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          failures: eb
            .case()
            .when('risk_counters.window_started_at', '<=', cutoff)
            .then(1)
            .else(eb('risk_counters.failures', '+', 1))
            .end(),
          window_started_at: eb
            .case()
            .when('risk_counters.window_started_at', '<=', cutoff)
            .then(now)
            .else(eb.ref('risk_counters.window_started_at'))
            .end(),
        })),
      )
      .execute();
  }
}

/**
 * Failed sign-ins per phone number and per client (address, or kiosk visit), in a window that starts with the first
 * failure. Counted for numbers without an account as well, so the captcha rule cannot be used to
 * learn which numbers exist.
 */
export class RiskCounters {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: CaptchaPolicy = DEFAULT_CAPTCHA_POLICY,
  ) {}

  /**
   * The counters of a sign-in: the number's, then the client's (`ip:<address>`, or
   * `kiosk:<id>:<visit>` at a store kiosk, so the next customer starts clean).
   */
  static keys(phone: string, client: string | undefined): string[] {
    return client ? [`phone:${phone}`, client] : [`phone:${phone}`];
  }

  /** The highest live count among `keys`. */
  async failures(keys: string[], now: number): Promise<number> {
    const rows = await this.db
      .selectFrom('risk_counters')
      .select('failures')
      .where('key', 'in', keys)
      .where('window_started_at', '>', now - this.policy.failureWindowMs)
      .execute();
    return Math.max(0, ...rows.map((r) => r.failures));
  }

  async captchaRequired(keys: string[], now: number): Promise<boolean> {
    return (await this.failures(keys, now)) >= this.policy.afterFailures;
  }

  async recordFailure(keys: string[], now: number): Promise<void> {
    await recordWindowedFailure(this.db, keys, now, this.policy.failureWindowMs);
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('risk_counters').where('key', '=', key).execute();
  }
}
