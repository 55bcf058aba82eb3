import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { SignInResponse } from '../../contract/http/auth';
import { TwoFactorConfirmResponse, TwoFactorEnrolResponse } from '../../contract/http/two-factor';
import { MINUTE_MS } from '../../server/src/clock';
import { HttpSmsSender } from '../../server/src/delivery';
import type { Delivery } from '../../server/src/delivery/types';
import { burst, fleetOf, postJson, statusCounts, type Fleet } from './support/burst';
import { expectError } from './support/expect-error';
import { codeIn, startSmsReceiver, type SmsReceiver } from './support/receivers';
import { lockedOnceAt, signInLockoutOf, sessionCount as countSessions } from './support/lockout';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

const SIGN_IN = '/v1/auth/sign-in';
const SECOND = '/v1/auth/second-factor';
const RESEND = '/v1/auth/second-factor/resend';
const ENROL = '/v1/account/two-factor/enrol';
const ENROL_RESEND = '/v1/account/two-factor/resend';
const CONFIRM = '/v1/account/two-factor/confirm';
const PHONE = '+12065550100';
const PASSWORD = 'Correct-Horse-Battery-9';
const BURST = 40;
/** Tries per sign-in challenge, and per texted code. */
const MAX_TRIES = 5;
/** Texts one account may ask for again per hour. */
const TEXTS_PER_HOUR = 10;
/** The right code goes last: by then the tries of the challenge were taken by wrong ones. */
const RIGHT_AT = BURST - 1;

/** A 6-digit code that is not `code`. */
function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** `BURST` codes: `wrong` everywhere, `right` at `RIGHT_AT`. */
function wrongWithRightLast(wrong: string, right: string): string[] {
  return Array.from({ length: BURST }, (_, i) => (i === RIGHT_AT ? right : wrong));
}

describeWithDb(`2-step verification bursts (${dbKind})`, () => {
  let sms: SmsReceiver;
  let t: TestApp;
  let fleet: Fleet;
  let subscriberId: string;
  let accessToken: string;

  beforeAll(async () => {
    sms = await startSmsReceiver();
  });
  afterAll(async () => sms?.close());

  beforeEach(async () => {
    sms.requests.length = 0;
    const delivery: Delivery = {
      sms: new HttpSmsSender({ url: sms.url, timeoutMs: 5_000 }),
      email: null,
    };
    t = await createTestApp({ pruneIntervalMs: 0, delivery });
    fleet = await fleetOf(t, { pruneIntervalMs: 0, delivery });
    ({ id: subscriberId } = await t.addSubscriber({ phone: PHONE, password: PASSWORD }));
    const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    accessToken = SignInResponse.parse(res.json()).accessToken;
  });
  afterEach(async () => {
    await fleet?.close();
    await t?.close();
  });

  const db = () => t.testDb.database.db;
  const bearer = () => ({ authorization: `Bearer ${accessToken}` });
  const totp = (secret: string, offsetSeconds = 0) =>
    generate({ secret, epoch: Math.floor(t.clock.now() / 1000) + offsetSeconds });
  const lastTextedCode = (): string => codeIn((sms.requests.at(-1)!.body as { text: string }).text);
  const sessionCount = () => countSessions(db());
  /** The budget of the client sending every request: the codes count where its password did. */
  const lockout = () => signInLockoutOf(db(), PHONE);
  /** The state of a budget that five wrong codes have just locked, once. */
  const lockedOnce = () => lockedOnceAt(t.clock.now());

  async function enrolTotp(): Promise<{ secret: string; recoveryCodes: string[] }> {
    const enrolled = TwoFactorEnrolResponse.parse((await t.post(ENROL, {}, bearer())).json());
    if (enrolled.method !== 'totp') throw new Error('expected totp');
    const confirmed = await t.post(CONFIRM, { code: await totp(enrolled.secret) }, bearer());
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    // The confirming code's time step cannot be used again: move on to the next one.
    t.clock.advance(30_000);
    return {
      secret: enrolled.secret,
      recoveryCodes: TwoFactorConfirmResponse.parse(confirmed.json()).recoveryCodes,
    };
  }

  async function enrolSms(): Promise<void> {
    expect((await t.post(ENROL, { method: 'sms' }, bearer())).statusCode).toBe(200);
    const confirmed = await t.post(CONFIRM, { code: lastTextedCode() }, bearer());
    expect(confirmed.statusCode, confirmed.body).toBe(200);
  }

  /** Signs in with the password; returns the challenge for the second step. */
  async function challenge(): Promise<string> {
    const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
    return expectError(res, 401, 'second_factor_required').secondFactor!.challenge;
  }

  const secondSteps = (ch: string, codes: readonly string[]) =>
    codes.map((code) => postJson(SECOND, { challenge: ch, code }));

  describe('codes for one sign-in', () => {
    it('authenticator codes: five tries, so the right code after 39 wrong ones signs nobody in', async () => {
      const { secret } = await enrolTotp();
      const ch = await challenge();
      const right = await totp(secret);
      const wrong = await totp(secret, 3600);
      const before = await sessionCount();

      const responses = await burst(fleet, secondSteps(ch, wrongWithRightLast(wrong, right)));

      // Five tries were compared, all wrong: the fifth wrong code locked the client out. Every
      // other request found the challenge's tries spent.
      expect(statusCounts(responses)).toEqual({ 401: BURST - 1, 423: 1 });
      expectError(responses[RIGHT_AT]!, 401, 'unauthorized');
      expect(await sessionCount()).toBe(before);
      expect(await lockout()).toEqual(lockedOnce());
      const challengeRow = await db()
        .selectFrom('second_factor_challenges')
        .select(['attempts', 'used_at'])
        .executeTakeFirstOrThrow();
      expect(challengeRow).toEqual({ attempts: MAX_TRIES, used_at: null });
    });

    it('texted codes: five tries, so the right code after 39 wrong ones signs nobody in', async () => {
      await enrolSms();
      const ch = await challenge();
      const right = lastTextedCode();
      const before = await sessionCount();

      const responses = await burst(
        fleet,
        secondSteps(ch, wrongWithRightLast(otherCode(right), right)),
      );

      expect(statusCounts(responses)).toEqual({ 401: BURST - 1, 423: 1 });
      expectError(responses[RIGHT_AT]!, 401, 'unauthorized');
      expect(await sessionCount()).toBe(before);
      expect(await lockout()).toEqual(lockedOnce());
      const code = await db()
        .selectFrom('sms_codes')
        .select(['attempts', 'used_at'])
        .where('purpose', '=', 'sign_in')
        .executeTakeFirstOrThrow();
      expect(code).toEqual({ attempts: MAX_TRIES, used_at: null });
    });

    it('one recovery code 40 times for one sign-in: one session, and no wrong code counted', async () => {
      const { recoveryCodes } = await enrolTotp();
      const ch = await challenge();
      const before = await sessionCount();

      const responses = await burst(
        fleet,
        secondSteps(
          ch,
          Array.from({ length: BURST }, () => recoveryCodes[0]!),
        ),
      );

      // One signs in; the rest find the sign-in finished (or its tries taken), which is no guess.
      expect(statusCounts(responses)).toEqual({ 200: 1, 401: BURST - 1 });
      for (const res of responses) {
        if (res.statusCode === 401) expectError(res, 401, 'unauthorized');
      }
      expect(await sessionCount()).toBe(before + 1);
      expect((await lockout()).failed_attempts).toBe(0);
    });
  });

  describe('one recovery code for 40 sign-ins at once', () => {
    it('signs in once; the other 39 are wrong codes, and five of those lock the account once', async () => {
      const { recoveryCodes } = await enrolTotp();
      const challenges: string[] = [];
      for (let i = 0; i < BURST; i++) challenges.push(await challenge());
      const before = await sessionCount();

      const responses = await burst(
        fleet,
        challenges.map((ch) => postJson(SECOND, { challenge: ch, code: recoveryCodes[0]! })),
      );

      expect(statusCounts(responses)).toEqual({ 200: 1, 401: 4, 423: BURST - 5 });
      for (const res of responses) {
        if (res.statusCode === 401) expectError(res, 401, 'invalid_code');
      }
      expect(await sessionCount()).toBe(before + 1);
      expect(await lockout()).toEqual(lockedOnce());
      const used = await db()
        .selectFrom('recovery_codes')
        .select('code_hash')
        .where('used_at', 'is not', null)
        .execute();
      expect(used).toHaveLength(1);
    });
  });

  describe('turning 2-step on', () => {
    it('a confirmation among 39 restarted enrolments: the secret confirmed is the one that stays', async () => {
      const enrolled = TwoFactorEnrolResponse.parse((await t.post(ENROL, {}, bearer())).json());
      if (enrolled.method !== 'totp') throw new Error('expected totp');
      const code = await totp(enrolled.secret);

      const responses = await burst(fleet, [
        postJson(CONFIRM, { code }, bearer()),
        ...Array.from({ length: BURST - 1 }, () => postJson(ENROL, {}, bearer())),
      ]);

      const [confirmed, ...restarts] = responses;
      // A restart that came first hands out a new secret, so the code may not fit any more; one
      // that comes after the confirmation is refused. None replaces the secret once it is on.
      if (confirmed!.statusCode !== 200) {
        expectError(confirmed!, 400, 'invalid_code');
        return;
      }
      for (const res of restarts) {
        if (res.statusCode !== 200) expectError(res, 409, 'two_factor_already_enabled');
      }
      t.clock.advance(30_000);
      const res = await t.post(SECOND, {
        challenge: await challenge(),
        code: await totp(enrolled.secret),
      });
      expect(res.statusCode, res.body).toBe(200);
    });
  });

  describe('texts', () => {
    it('40 resends for one sign-in a minute after its text: one text', async () => {
      await enrolSms();
      const ch = await challenge();
      const texts = sms.requests.length;
      t.clock.advance(MINUTE_MS);

      const responses = await burst(
        fleet,
        Array.from({ length: BURST }, () => postJson(RESEND, { challenge: ch })),
      );

      expect(statusCounts(responses)).toEqual({ 200: 1, 429: BURST - 1 });
      expect(sms.requests).toHaveLength(texts + 1);
      // The newest text is the one that counts.
      const signedIn = await t.post(SECOND, { challenge: ch, code: lastTextedCode() });
      expect(signedIn.statusCode, signedIn.body).toBe(200);
    });

    it('40 resends over eight sign-ins: the account gets the two texts left of its ten an hour', async () => {
      await enrolSms();
      const challenges: string[] = [];
      for (let i = 0; i < 8; i++) challenges.push(await challenge());
      const texts = sms.requests.length;
      t.clock.advance(MINUTE_MS);

      const responses = await burst(
        fleet,
        Array.from({ length: BURST }, (_, i) =>
          postJson(RESEND, { challenge: challenges[i % challenges.length]! }),
        ),
      );

      expect(statusCounts(responses)).toEqual({ 200: TEXTS_PER_HOUR - 8, 429: BURST - 2 });
      expect(sms.requests).toHaveLength(texts + TEXTS_PER_HOUR - 8);
      const stored = await db()
        .selectFrom('sms_codes')
        .select('id')
        .where('subscriber_id', '=', subscriberId)
        .execute();
      expect(stored).toHaveLength(TEXTS_PER_HOUR);
    });

    it('40 enrolment resends a minute after the first text: one text', async () => {
      expect((await t.post(ENROL, { method: 'sms' }, bearer())).statusCode).toBe(200);
      const texts = sms.requests.length;
      t.clock.advance(MINUTE_MS);

      const responses = await burst(
        fleet,
        Array.from({ length: BURST }, () => postJson(ENROL_RESEND, {}, bearer())),
      );

      expect(statusCounts(responses)).toEqual({ 200: 1, 429: BURST - 1 });
      expect(sms.requests).toHaveLength(texts + 1);
    });

    it('40 enrolment codes with the right one last: five tries, and 2-step stays off', async () => {
      expect((await t.post(ENROL, { method: 'sms' }, bearer())).statusCode).toBe(200);
      const right = lastTextedCode();

      const responses = await burst(
        fleet,
        wrongWithRightLast(otherCode(right), right).map((code) =>
          postJson(CONFIRM, { code }, bearer()),
        ),
      );

      // Four wrong codes are told how many tries are left, the fifth burns the code.
      expect(statusCounts(responses)).toEqual({ 400: MAX_TRIES - 1, 429: BURST - MAX_TRIES + 1 });
      expectError(responses[RIGHT_AT]!, 429, 'too_many_attempts');
      const row = await db()
        .selectFrom('two_factor')
        .select('enabled_at')
        .executeTakeFirstOrThrow();
      expect(row.enabled_at).toBeNull();
    });
  });
});
