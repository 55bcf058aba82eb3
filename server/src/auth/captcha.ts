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
   * Work of the first required challenge: the server hides a number in 0…maxNumber, so a solver
   * tries half of them on average and all of them at worst. 850 000 SHA-256 tries are about
   * 0.55 s of one core on average and 1.1 s at worst on the build machine (figures and reasoning
   * in docs/security.md, "A captcha that costs something").
   */
  maxNumber: number;
  /**
   * The most work ever asked: each failure past `afterFailures` doubles `maxNumber` up to this.
   * It keeps the worst case within the desktop app's 2 s budget on a modest laptop. Below
   * `maxNumber`, `maxNumber` wins (the work then never grows).
   */
  maxNumberCap: number;
  /** A challenge must be solved and used within this long. */
  ttlMs: number;
  /** Failed sign-ins (per number, or per client) after which a captcha is required. */
  afterFailures: number;
  /** Failures are counted in a window that starts with the first and lasts this long. */
  failureWindowMs: number;
}

export const DEFAULT_CAPTCHA_POLICY: CaptchaPolicy = {
  maxNumber: 850_000,
  maxNumberCap: 1_500_000,
  ttlMs: 5 * MINUTE_MS,
  afterFailures: 3,
  failureWindowMs: HOUR_MS,
};

/** More doublings than any cap needs; keeps the power finite. */
const MAX_DOUBLINGS = 30;

/**
 * The work a challenge must carry once `failures` have been counted: `maxNumber` up to the
 * first required challenge, then doubled per further failure, up to `maxNumberCap`.
 */
export function requiredMaxNumber(policy: CaptchaPolicy, failures: number): number {
  const doublings = Math.min(Math.max(0, failures - policy.afterFailures), MAX_DOUBLINGS);
  return Math.min(
    policy.maxNumber * 2 ** doublings,
    Math.max(policy.maxNumber, policy.maxNumberCap),
  );
}

/** The salt parameter that carries a challenge's work, signed with it. */
const MAX_NUMBER_PARAM = 'maxnumber';

const Payload = z.object({
  algorithm: z.enum(['SHA-256']),
  challenge: z.string().max(256),
  number: z.number().int().nonnegative(),
  salt: z.string().max(256),
  signature: z.string().max(256),
});

/** The solution's payload, or null when it is not one. */
function parsePayload(solution: string): z.infer<typeof Payload> | null {
  try {
    const parsed = Payload.safeParse(JSON.parse(Buffer.from(solution, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The work its challenge was made with, from the salt; 0 for junk and for a challenge made
 * before the work was written there (it then meets no requirement).
 */
function workOf(solution: string): number {
  const payload = parsePayload(solution);
  const work = payload ? Number(extractParams(payload)[MAX_NUMBER_PARAM]) : 0;
  return Number.isSafeInteger(work) && work > 0 ? work : 0;
}

/**
 * Self-hosted ALTCHA proof of work. Challenges are HMAC-signed by this server (nothing is stored
 * when one is handed out), carry their expiry inside the signed salt, and work once: the
 * signature of every accepted solution is kept until the challenge would have expired.
 */
export class Captcha {
  private readonly counters: RiskCounters;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly hmacKey: string,
    readonly policy: CaptchaPolicy = DEFAULT_CAPTCHA_POLICY,
  ) {
    this.counters = new RiskCounters(db, policy);
  }

  /** The highest live failure count among `keys` (see `RiskCounters.keys`), for `require`. */
  async failures(keys: string[]): Promise<number> {
    return this.counters.failures(keys, this.clock.now());
  }

  /**
   * A challenge for `GET /v1/captcha/challenge`. That request names no phone number, so it is
   * sized by the client's count alone; a number with more failures refuses the solution at
   * sign-in or reset with a harder challenge in the error, so asking from a fresh client buys
   * nothing.
   */
  async challengeFor(clientKey: string): Promise<CaptchaChallenge> {
    return this.challenge(Math.max(this.policy.afterFailures, await this.failures([clientKey])));
  }

  /**
   * A challenge sized for `failures` recent failures (the first required one by default). Its
   * work is also written into the salt, which the signature covers, so a solution can later be
   * held to the work its number or client needs by then.
   */
  async challenge(failures = this.policy.afterFailures): Promise<CaptchaChallenge> {
    const maxNumber = requiredMaxNumber(this.policy, failures);
    const challenge = await createChallenge({
      hmacKey: this.hmacKey,
      algorithm: 'SHA-256',
      maxnumber: maxNumber,
      expires: new Date(this.clock.now() + this.policy.ttlMs),
      params: { [MAX_NUMBER_PARAM]: String(maxNumber) },
    });
    return {
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      maxnumber: maxNumber,
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
    const payload = parsePayload(solution);
    if (!payload) return false;
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
   * challenge sized for `failures`, unless `solution` is good and carries at least the work
   * `failures` calls for (a challenge fetched while the counts were lower is too easy by then).
   * A good solution is spent, in `db` when given (see `verify`).
   */
  async require(
    solution: string | undefined,
    db: Kysely<Database> = this.db,
    failures = this.policy.afterFailures,
  ): Promise<void> {
    if (solution === undefined) {
      throw new ApiHttpError(
        428,
        'captcha_required',
        'Please confirm you are a person: your device solves a small puzzle, then try again.',
        { captcha: await this.challenge(failures) },
      );
    }
    // The work is read before the signature is checked, and only trusted because `verify` then
    // checks it: the salt that carries it is covered by the signature. Checked first so a
    // solution refused for its work is not spent.
    const enough = workOf(solution) >= requiredMaxNumber(this.policy, failures);
    if (!enough || !(await this.verify(solution, db))) {
      throw new ApiHttpError(
        400,
        'captcha_invalid',
        'That check did not work or has expired. Your device will solve a new one.',
        { captcha: await this.challenge(failures) },
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

  /**
   * Takes a try on every key before it is decided: one atomic statement per key adds it to the
   * key's tries in flight (`pending`), so tries sent together each see the ones before them.
   * Returns `tries`, the most any key had before this one (decided failures and tries in flight),
   * which decides whether a captcha is due, and `failures`, the most decided failures, which sizes
   * its work. {@link settle} then decides the try.
   */
  async reserve(keys: string[], now: number): Promise<{ tries: number; failures: number }> {
    const cutoff = now - this.policy.failureWindowMs;
    let tries = 0;
    let failures = 0;
    for (const key of keys) {
      const row = await this.db
        .insertInto('risk_counters')
        .values({ key, failures: 0, pending: 1, window_started_at: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => {
            const expired = eb('risk_counters.window_started_at', '<=', cutoff);
            return {
              failures: eb
                .case()
                .when(expired)
                .then(0)
                .else(eb.ref('risk_counters.failures'))
                .end(),
              pending: eb
                .case()
                .when(expired)
                .then(1)
                .else(eb('risk_counters.pending', '+', 1))
                .end(),
              window_started_at: eb
                .case()
                .when(expired)
                .then(now)
                .else(eb.ref('risk_counters.window_started_at'))
                .end(),
            };
          }),
        )
        .returning(['failures', 'pending'])
        .executeTakeFirstOrThrow();
      tries = Math.max(tries, row.failures + row.pending - 1);
      failures = Math.max(failures, row.failures);
    }
    return { tries, failures };
  }

  /**
   * Decides a try {@link reserve} took on `keys`: a `failed` one becomes a failure, any other is
   * handed back. An upsert, so a try decided after its row was cleared or pruned still counts.
   */
  async settle(keys: string[], failed: boolean, now: number): Promise<void> {
    const add = failed ? 1 : 0;
    for (const key of keys) {
      await this.db
        .insertInto('risk_counters')
        .values({ key, failures: add, pending: 0, window_started_at: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            failures: eb('risk_counters.failures', '+', add),
            pending: eb
              .case()
              .when('risk_counters.pending', '>', 0)
              .then(eb('risk_counters.pending', '-', 1))
              .else(0)
              .end(),
          })),
        )
        .execute();
    }
  }

  /** After a right password: the number's failures start again; tries in flight stay. */
  async clearFailures(key: string): Promise<void> {
    await this.db
      .updateTable('risk_counters')
      .set({ failures: 0 })
      .where('key', '=', key)
      .execute();
  }
}
