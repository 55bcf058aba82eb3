import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignInResponse } from '../../contract/http/auth';
import { burst, fleetOf, postJson, statusCounts, type Fleet } from './support/burst';
import { expectError } from './support/expect-error';
import {
  FIRST_LOCK_MS,
  lockedOnceAt,
  signInLockoutOf,
  sessionCount as countSessions,
} from './support/lockout';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

const SIGN_IN = '/v1/auth/sign-in';
const CONTACT = '/v1/account/contact';
const PHONE = '+12065550100';
const EMAIL = 'pat@example.com';
const PASSWORD = 'Correct-Horse-Battery-9';
const WRONG = 'Not-The-Password-1';
const BURST = 40;
const MAX_FAILURES = 5;

/*
 * Each guess is decided once its argon2 work is done, in the order guesses finish: that is the
 * order they are answered in, so it is the only order in which a lock can be said to come
 * "before" a guess. Where the right password sits in the burst decides when it is likely to
 * finish, not when it must: requests are spread over two instances and their database pools, so
 * a request written in the middle may still be among the first checked. So the exact answers are
 * asserted for the right password written last, where the fifth wrong one has always been
 * decided first; for one in the middle, only what holds in any order is.
 */

/** Passwords for a burst: wrong ones, with the right one at `rightAt`. */
function wrongWithRightAt(rightAt: number): string[] {
  return Array.from({ length: BURST }, (_, i) => (i === rightAt ? PASSWORD : WRONG));
}

describeWithDb(`sign-in bursts (${dbKind})`, () => {
  let t: TestApp;
  let fleet: Fleet;
  let subscriberId: string;

  beforeEach(async () => {
    t = await createTestApp({ pruneIntervalMs: 0 });
    ({ id: subscriberId } = await t.addSubscriber({
      phone: PHONE,
      password: PASSWORD,
      email: EMAIL,
    }));
    fleet = await fleetOf(t, { pruneIntervalMs: 0 });
  });
  afterEach(async () => {
    await fleet?.close();
    await t?.close();
  });

  const db = () => t.testDb.database.db;

  /** One sign-in per password, each with its own captcha (due after three failures; single use). */
  async function signIns(passwords: readonly string[]): Promise<InjectOptions[]> {
    const requests: InjectOptions[] = [];
    for (const password of passwords) {
      requests.push(postJson(SIGN_IN, { phone: PHONE, password, captcha: await t.captcha() }));
    }
    return requests;
  }

  const sessionCount = () => countSessions(db());
  /** The budget of the one client sending every request, at the number. */
  const signInLockout = (lane?: 'client' | 'untrusted') => signInLockoutOf(db(), PHONE, lane);
  /** The state of an account that wrong passwords have just locked, once. */
  const lockedOnce = () => lockedOnceAt(t.clock.now());

  /** How many history entries of each kind the account has. */
  async function eventCounts(): Promise<Record<string, number>> {
    const rows = await db()
      .selectFrom('security_events')
      .select('kind')
      .where('subscriber_id', '=', subscriberId)
      .execute();
    const counts: Record<string, number> = {};
    for (const { kind } of rows) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  }

  describe('the password at sign-in', () => {
    it('39 wrong passwords and the right one last, at once: no sign-in, one 15-minute lock', async () => {
      const rightAt = BURST - 1;
      const responses = await burst(fleet, await signIns(wrongWithRightAt(rightAt)));

      // Four wrong passwords are told so, the fifth locks the account, and every answer decided
      // after that, the right password's included, is the lock.
      expect(statusCounts(responses)).toEqual({ 401: MAX_FAILURES - 1, 423: BURST - 4 });
      const right = expectError(responses[rightAt]!, 423, 'account_locked');
      expect(right.retryAfterSeconds).toBe(FIRST_LOCK_MS / 1000);
      expect(responses[rightAt]!.headers['retry-after']).toBe(String(FIRST_LOCK_MS / 1000));
      expect(await sessionCount()).toBe(0);

      // One lock of the first length, on the client: guesses decided while it held counted
      // toward nothing, neither on it nor toward the number's lock for every untrusted client.
      expect(await signInLockout()).toEqual(lockedOnce());
      expect(await signInLockout('untrusted')).toMatchObject({
        failed_attempts: MAX_FAILURES,
        locked_until: null,
      });
      expect(await eventCounts()).toEqual({ wrong_password: MAX_FAILURES - 1, locked: 1 });

      // The lock holds after the burst, on every instance, and ends on time.
      for (const app of fleet.apps) {
        const res = await app.inject(
          postJson(SIGN_IN, { phone: PHONE, password: PASSWORD, captcha: await t.captcha() }),
        );
        expectError(res, 423, 'account_locked');
      }
      t.clock.advance(FIRST_LOCK_MS);
      const later = await t.post(SIGN_IN, {
        phone: PHONE,
        password: PASSWORD,
        captcha: await t.captcha(),
      });
      expect(later.statusCode, later.body).toBe(200);
      SignInResponse.parse(later.json());
    });

    it('the right password in the middle, in any order: signed in before the lock or refused after it', async () => {
      const rightAt = BURST / 2;
      const responses = await burst(fleet, await signIns(wrongWithRightAt(rightAt)));
      const counts = statusCounts(responses);
      const signedIn = counts[200] ?? 0;
      const told = counts[401] ?? 0;

      expect(Object.keys(counts).sort()).toEqual(signedIn ? ['200', '401', '423'] : ['401', '423']);
      expect(await sessionCount()).toBe(signedIn);
      if (signedIn) {
        // Decided before the fifth wrong password: it started the count again, so four more
        // wrong ones were told so before the fifth after it locked the account.
        SignInResponse.parse(responses[rightAt]!.json());
        expect(told).toBeGreaterThanOrEqual(MAX_FAILURES - 1);
        expect(told).toBeLessThanOrEqual(2 * (MAX_FAILURES - 1));
      } else {
        expectError(responses[rightAt]!, 423, 'account_locked');
        expect(told).toBe(MAX_FAILURES - 1);
      }
      // Either way the client ends locked out once: no sign-in undid the lock, and no guess decided
      // while it held stacked a second one behind it.
      expect(await signInLockout()).toEqual(lockedOnce());
      const events = await eventCounts();
      expect(events).toEqual({
        wrong_password: told,
        locked: 1,
        ...(signedIn ? { signed_in: 1 } : {}),
      });
    });

    it('four wrong passwords among 36 right ones at once: every right one signs in, no lock', async () => {
      const wrongAt = new Set([0, 9, 19, 29]);
      const passwords = Array.from({ length: BURST }, (_, i) =>
        wrongAt.has(i) ? WRONG : PASSWORD,
      );
      const responses = await burst(fleet, await signIns(passwords));

      expect(statusCounts(responses)).toEqual({ 200: BURST - 4, 401: 4 });
      responses.forEach((res, i) => {
        if (wrongAt.has(i)) expectError(res, 401, 'invalid_credentials');
        else SignInResponse.parse(res.json());
      });
      expect(await sessionCount()).toBe(BURST - 4);
      const state = await signInLockout();
      expect(state.locked_until).toBeNull();
      expect(state.last_locked_at).toBeNull();
      expect(state.failed_attempts).toBeLessThanOrEqual(4);
    });
  });

  describe('the captcha threshold', () => {
    it('40 wrong passwords at once without captchas: at most three are checked, the rest are asked for one', async () => {
      const responses = await burst(
        fleet,
        Array.from({ length: BURST }, () => postJson(SIGN_IN, { phone: PHONE, password: WRONG })),
      );
      // Each try is taken as it arrives, so at most the first three go without a captcha,
      // however many arrive together; the rest are turned away before argon2. (A try is counted
      // on the number and on the client one after the other, so with two instances a try may
      // come third on one and fourth on the other: it is then asked for a captcha too.)
      const counts = statusCounts(responses);
      const checked = counts[401] ?? 0;
      expect(checked).toBeLessThanOrEqual(3);
      expect(counts).toEqual(checked ? { 401: checked, 428: BURST - checked } : { 428: BURST });
      for (const res of responses) {
        if (res.statusCode === 428) expectError(res, 428, 'captcha_required');
      }
      const counters = await db()
        .selectFrom('risk_counters')
        .select(['key', 'failures'])
        .orderBy('key')
        .execute();
      // Tries turned away for want of a captcha are handed back: only the three checked count.
      expect(counters.find((c) => c.key === `phone:${PHONE}`)?.failures).toBe(checked);
      expect(await signInLockout()).toMatchObject({ failed_attempts: checked, locked_until: null });
    });
  });

  describe('the password typed again in the security center', () => {
    it('39 wrong passwords and the right one last, at once: nothing changes, one lock', async () => {
      const signedIn = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
      expect(signedIn.statusCode, signedIn.body).toBe(200);
      const { accessToken } = SignInResponse.parse(signedIn.json());
      const bearer = { authorization: `Bearer ${accessToken}` };
      const rightAt = BURST - 1;

      const responses = await burst(
        fleet,
        wrongWithRightAt(rightAt).map((password) =>
          postJson(CONTACT, { password, email: 'taken-over@example.com' }, bearer),
        ),
      );

      expect(statusCounts(responses)).toEqual({ 401: MAX_FAILURES - 1, 423: BURST - 4 });
      expectError(responses[rightAt]!, 423, 'account_locked');
      const row = await db()
        .selectFrom('subscribers')
        .select('email')
        .where('id', '=', subscriberId)
        .executeTakeFirstOrThrow();
      expect(row.email).toBe(EMAIL);
      // The client is locked out of the number, as if it had guessed at sign-in.
      expect(await signInLockout()).toEqual(lockedOnce());
      expect(await eventCounts()).toEqual({
        signed_in: 1,
        wrong_password: MAX_FAILURES - 1,
        locked: 1,
      });
    });
  });
});
