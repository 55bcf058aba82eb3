import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundTasks } from '../../server/src/background';
import { HOUR_MS, MINUTE_MS } from '../../server/src/clock';
import { HttpSmsSender, type Delivery } from '../../server/src/delivery';
import { DEFAULT_RECOVERY_POLICY } from '../../server/src/auth/recovery-service';
import { burst, fleetOf, postJson, statusCounts, type Fleet } from './support/burst';
import { expectError } from './support/expect-error';
import { codeIn, startSmsReceiver, type SmsReceiver } from './support/receivers';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';

/**
 * Password reset against attackers who send everything at once, spread over two API instances
 * on PostgreSQL: every budget (tries per code, texts per number and per client, captcha
 * solutions) must hold however the requests interleave.
 */

const START = '/v1/auth/reset/start';
const VERIFY = '/v1/auth/reset/verify';
const PHONE = '+12065550100';
const AT_ONCE = 40;
const { maxCodeAttempts, perClientPerHour } = DEFAULT_RECOVERY_POLICY;

describeWithDb(`password reset under bursts (${dbKind})`, () => {
  let sms: SmsReceiver;
  let t: TestApp;
  let fleet: Fleet;
  // Shared by both instances, so `settled` waits for every text either of them sends.
  let background: BackgroundTasks;

  beforeAll(async () => {
    sms = await startSmsReceiver();
  });
  afterAll(async () => sms?.close());
  afterEach(async () => {
    await fleet?.close();
    await t?.close();
  });

  async function setUp(): Promise<void> {
    sms.requests.length = 0;
    background = new BackgroundTasks();
    const delivery: Delivery = {
      sms: new HttpSmsSender({
        url: sms.url,
        token: 'gateway-token',
        bodyTemplate: '{"to":"{{to}}","text":"{{text}}"}',
        timeoutMs: 5_000,
      }),
      email: null,
    };
    t = await createTestApp({ delivery, background });
    fleet = await fleetOf(t, { delivery, background });
    await t.addSubscriber({ phone: PHONE });
  }

  const db = () => t.testDb.database.db;

  async function rows(
    table: 'reset_requests' | 'reset_tickets' | 'spent_captchas',
  ): Promise<number> {
    const row = await db()
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Solved captchas, one per request of a burst (solving them is not what is being raced). */
  const captchas = (n: number): Promise<string[]> =>
    Promise.all(Array.from({ length: n }, () => t.captcha()));

  const startRequest = (phone: string, captcha: string, remoteAddress?: string): InjectOptions => ({
    ...postJson(START, { phone, channel: 'sms', captcha }),
    ...(remoteAddress ? { remoteAddress } : {}),
  });

  /** Asks for a code for PHONE and returns it as the gateway received it. */
  async function smsCode(): Promise<string> {
    const [captcha] = await captchas(1);
    const res = await t.app.inject(startRequest(PHONE, captcha!));
    expect(res.statusCode, res.body).toBe(202);
    await background.settled();
    expect(sms.requests).toHaveLength(1);
    return codeIn((sms.requests[0]!.body as { text: string }).text);
  }

  /** `count` different wrong codes for `code`. */
  const wrongCodes = (code: string, count: number): string[] =>
    Array.from({ length: count }, (_, i) =>
      String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'),
    );

  const verifyAll = (codes: string[]) =>
    burst(
      fleet,
      codes.map((code) => postJson(VERIFY, { phone: PHONE, code })),
    );

  const triesTaken = async (): Promise<number> =>
    (
      await db()
        .selectFrom('reset_requests')
        .select('attempts')
        .where('phone', '=', PHONE)
        .executeTakeFirstOrThrow()
    ).attempts;

  const errorCodes = (responses: LightMyRequestResponse[]): string[] =>
    responses.map((r) => (r.json() as { error: { code: string } }).error.code);

  describe('reset codes', () => {
    it('a right code sent after five wrong ones, all at once, gets no ticket', async () => {
      await setUp();
      const code = await smsCode();
      // The right code goes last: each instance hands out tries in the order its requests came
      // in, so every wrong code asks for one before the right code does.
      const codes = [...wrongCodes(code, AT_ONCE - 1), code];

      const answers = await verifyAll(codes);

      // Exactly five codes were compared: four told so, the fifth told the request is spent.
      expect(statusCounts(answers)).toEqual({
        400: maxCodeAttempts - 1,
        429: AT_ONCE - (maxCodeAttempts - 1),
      });
      expect(await triesTaken()).toBe(maxCodeAttempts);
      const refused = answers.filter((r) => r.statusCode === 429);
      expect(new Set(errorCodes(refused))).toEqual(new Set(['too_many_attempts']));
      const left = answers
        .filter((r) => r.statusCode === 400)
        .map((r) => expectError(r, 400, 'invalid_code').attemptsLeft);
      expect(left.sort()).toEqual([1, 2, 3, 4]);
      expectError(answers.at(-1)!, 429, 'too_many_attempts');
      expect(await rows('reset_tickets')).toBe(0);

      // The right code stays refused afterwards, on either instance.
      for (const app of fleet.apps) {
        expectError(
          await app.inject(postJson(VERIFY, { phone: PHONE, code })),
          429,
          'too_many_attempts',
        );
      }
      expect(await rows('reset_tickets')).toBe(0);
    });

    it('a right code sent first among forty gets one ticket at most, and only while tries are left', async () => {
      await setUp();
      const code = await smsCode();
      const answers = await verifyAll([code, ...wrongCodes(code, AT_ONCE - 1)]);

      // Sent first is not always decided first: with two instances under load, five wrong codes
      // can take the tries before it, and it is then refused like any other code.
      const signedIn = answers[0]!.statusCode === 200;
      if (!signedIn) expectError(answers[0]!, 429, 'too_many_attempts');
      expect(statusCounts(answers)[200] ?? 0).toBe(signedIn ? 1 : 0);
      expect(await rows('reset_tickets')).toBe(signedIn ? 1 : 0);
      // Each code took one of the five tries before it was compared, so no more than five codes
      // were compared in all; the others found the code used or the tries gone.
      const tries = await triesTaken();
      expect(tries).toBeGreaterThanOrEqual(1);
      expect(tries).toBeLessThanOrEqual(maxCodeAttempts);
      const wrongAnswers = errorCodes(answers.slice(1));
      const toldWrong = wrongAnswers.filter((c) => c === 'invalid_code').length;
      // Every try taken is accounted for: the right code's (when it got one), one per
      // invalid_code, and perhaps a wrong code on the last try (told too_many_attempts instead).
      const lastTryWrong = tries - (signedIn ? 1 : 0) - toldWrong;
      expect(lastTryWrong === 0 || (lastTryWrong === 1 && tries === maxCodeAttempts)).toBe(true);
      for (const c of wrongAnswers) {
        expect(['invalid_code', 'code_expired', 'too_many_attempts']).toContain(c);
      }
      // Used, or its tries gone: the code works no more.
      const again = await t.app.inject(postJson(VERIFY, { phone: PHONE, code }));
      if (signedIn) expectError(again, 410, 'code_expired');
      else expectError(again, 429, 'too_many_attempts');
    });
  });

  describe('sending codes', () => {
    it('forty starts at once for one number send exactly one text', async () => {
      await setUp();
      const solved = await captchas(AT_ONCE);

      const answers = await burst(
        fleet,
        solved.map((captcha) => startRequest(PHONE, captcha)),
      );
      await background.settled();

      expect(statusCounts(answers)).toEqual({ 202: 1, 429: AT_ONCE - 1 });
      for (const res of answers.filter((r) => r.statusCode === 429)) {
        expect(expectError(res, 429, 'rate_limited').retryAfterSeconds).toBe(60);
        expect(res.headers['retry-after']).toBe('60');
      }
      expect(sms.requests).toHaveLength(1);
      expect(await rows('reset_requests')).toBe(1);
      // Turned away by the limit before the captcha was looked at: only the winner spent one.
      expect(await rows('spent_captchas')).toBe(1);
    });

    it('forty starts at once for forty numbers from one client: twenty go through', async () => {
      await setUp();
      const solved = await captchas(AT_ONCE);
      const phones = Array.from({ length: AT_ONCE }, (_, i) => `+1206555${2000 + i}`);

      const answers = await burst(
        fleet,
        phones.map((phone, i) => startRequest(phone, solved[i]!, '203.0.113.50')),
      );

      expect(statusCounts(answers)).toEqual({
        202: perClientPerHour,
        429: AT_ONCE - perClientPerHour,
      });
      for (const res of answers.filter((r) => r.statusCode === 429)) {
        expect(expectError(res, 429, 'rate_limited').retryAfterSeconds).toBe(HOUR_MS / 1000);
        expect(res.headers['retry-after']).toBe(String(HOUR_MS / 1000));
      }
      expect(await rows('reset_requests')).toBe(perClientPerHour);
      expect(await rows('spent_captchas')).toBe(perClientPerHour);

      // A refused request kept its captcha: it still works from another client.
      const refused = answers.findIndex((r) => r.statusCode === 429);
      t.clock.advance(MINUTE_MS);
      const later = await t.app.inject(startRequest(phones[refused]!, solved[refused]!));
      expect(later.statusCode, later.body).toBe(202);
    });

    it('forty starts at once carrying one solved captcha: exactly one goes through', async () => {
      await setUp();
      const [captcha] = await captchas(1);
      // Different numbers from different addresses, so only the captcha can stop them.
      const answers = await burst(
        fleet,
        Array.from({ length: AT_ONCE }, (_, i) =>
          startRequest(`+1206555${3000 + i}`, captcha!, `198.51.100.${i + 1}`),
        ),
      );

      expect(statusCounts(answers)).toEqual({ 202: 1, 400: AT_ONCE - 1 });
      for (const res of answers.filter((r) => r.statusCode === 400)) {
        expectError(res, 400, 'captcha_invalid');
      }
      expect(await rows('reset_requests')).toBe(1);
      expect(await rows('spent_captchas')).toBe(1);
    });
  });
});
