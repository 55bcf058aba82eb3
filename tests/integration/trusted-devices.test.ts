import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { generate } from 'otplib';
import { SignInResponse, type DeviceInfo } from '../../contract/http/auth';
import { TwoFactorConfirmResponse, TwoFactorEnrolResponse } from '../../contract/http/two-factor';
import { DAY_MS } from '../../server/src/clock';
import { revokeTrustedDevices } from '../../server/src/auth/trusted-devices';
import { createTestApp, type TestApp } from './support/test-app';
import { dbKind, describeWithDb } from './support/test-db';
import { expectError } from './support/expect-error';

const SIGN_IN = '/v1/auth/sign-in';
const SECOND = '/v1/auth/second-factor';
const PHONE = '+12065550100';
const OTHER_PHONE = '+12065550142';
const PASSWORD = 'Correct-Horse-Battery-9';
const DEVICE: DeviceInfo = {
  id: '5f0c7a52-2f7e-4a39-9d0b-6b7f7f0e9a11',
  name: 'Front desk PC',
  appVersion: '1.4.0',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeWithDb(`remembered computers (${dbKind})`, () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp({ pruneIntervalMs: 0 });
  });
  afterEach(async () => t?.close());

  /** The TOTP code an authenticator app would show at the test clock's time. */
  const totp = (secret: string) => generate({ secret, epoch: Math.floor(t.clock.now() / 1000) });

  /** Adds a subscriber with 2-step on (authenticator app); returns its secret and a token. */
  async function subscriberWith2Step(phone: string) {
    const subscriber = await t.addSubscriber({ phone, password: PASSWORD });
    const signedIn = SignInResponse.parse(
      (await t.post(SIGN_IN, { phone, password: PASSWORD })).json(),
    );
    const bearer = { authorization: `Bearer ${signedIn.accessToken}` };
    const enrol = TwoFactorEnrolResponse.parse(
      (await t.post('/v1/account/two-factor/enrol', {}, bearer)).json(),
    );
    if (enrol.method !== 'totp') throw new Error('expected totp');
    const confirmed = await t.post(
      '/v1/account/two-factor/confirm',
      { code: await totp(enrol.secret) },
      bearer,
    );
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    TwoFactorConfirmResponse.parse(confirmed.json());
    // The confirming code cannot be used again: move to the next 30-second step.
    t.clock.advance(30_000);
    return { id: subscriber.id, secret: enrol.secret, bearer };
  }

  /** Password, then the second step with "remember this computer"; returns the device token. */
  async function remember(phone: string, secret: string): Promise<string> {
    const res = await t.post(SIGN_IN, { phone, password: PASSWORD, device: DEVICE });
    const challenge = expectError(res, 401, 'second_factor_required').secondFactor!.challenge;
    const done = await t.post(SECOND, {
      challenge,
      code: await totp(secret),
      rememberDevice: true,
      device: DEVICE,
    });
    expect(done.statusCode, done.body).toBe(200);
    t.clock.advance(30_000);
    const { deviceToken } = SignInResponse.parse(done.json());
    expect(deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return deviceToken!;
  }

  const signInWith = (deviceToken: string, phone = PHONE) =>
    t.post(SIGN_IN, { phone, password: PASSWORD, device: DEVICE, deviceToken });

  it('a remembered computer skips the second step, and its use is noted', async () => {
    const { id, secret } = await subscriberWith2Step(PHONE);
    const token = await remember(PHONE, secret);

    const stored = await t.testDb.database.db
      .selectFrom('trusted_devices')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      token_hash: sha256(token),
      subscriber_id: id,
      device_id: DEVICE.id,
      device_name: DEVICE.name,
      revoked_at: null,
    });
    expect(Number(stored.expires_at) - Number(stored.created_at)).toBe(30 * DAY_MS);

    t.clock.advance(DAY_MS);
    const res = await signInWith(token);
    expect(res.statusCode, res.body).toBe(200);
    const tokens = SignInResponse.parse(res.json());
    // Skipping the step hands out no new device token.
    expect(tokens.deviceToken).toBeUndefined();
    expect((await t.get('/v1/account/summary', tokens.accessToken)).statusCode).toBe(200);
    const used = await t.testDb.database.db
      .selectFrom('trusted_devices')
      .select('last_used_at')
      .executeTakeFirstOrThrow();
    expect(Number(used.last_used_at)).toBe(t.clock.now());
  });

  it('without rememberDevice there is no device token', async () => {
    const { secret } = await subscriberWith2Step(PHONE);
    const res = await t.post(SIGN_IN, { phone: PHONE, password: PASSWORD });
    const challenge = expectError(res, 401, 'second_factor_required').secondFactor!.challenge;
    const done = await t.post(SECOND, { challenge, code: await totp(secret) });
    expect(SignInResponse.parse(done.json()).deviceToken).toBeUndefined();
    expect(
      await t.testDb.database.db.selectFrom('trusted_devices').selectAll().execute(),
    ).toHaveLength(0);
  });

  it('the password is still checked', async () => {
    const { secret } = await subscriberWith2Step(PHONE);
    const token = await remember(PHONE, secret);
    expectError(
      await t.post(SIGN_IN, { phone: PHONE, password: 'Not-The-Password-1', deviceToken: token }),
      401,
      'invalid_credentials',
    );
  });

  it("another account's token, an unknown token or a malformed one: no skip, no hint", async () => {
    const me = await subscriberWith2Step(PHONE);
    const other = await subscriberWith2Step(OTHER_PHONE);
    const mine = await remember(PHONE, me.secret);
    await remember(OTHER_PHONE, other.secret);

    const foreign = await signInWith(mine, OTHER_PHONE);
    const plain = await t.post(SIGN_IN, { phone: OTHER_PHONE, password: PASSWORD });
    const unknown = await signInWith(randomBytes(32).toString('base64url'), OTHER_PHONE);
    for (const res of [foreign, unknown]) {
      const error = expectError(res, 401, 'second_factor_required');
      // Word for word the answer without a token.
      expect(error.message).toBe(expectError(plain, 401, 'second_factor_required').message);
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'secondFactor']);
    }
    // The token's shape is part of the contract, like every other field.
    expectError(await signInWith('not-a-token', OTHER_PHONE), 400, 'invalid_request');
  });

  it('an expired token is ignored', async () => {
    const { secret } = await subscriberWith2Step(PHONE);
    const token = await remember(PHONE, secret);
    t.clock.advance(30 * DAY_MS);
    expectError(await signInWith(token), 401, 'second_factor_required');
  });

  it('turning 2-step off forgets remembered computers, also once it is back on', async () => {
    const { secret, bearer } = await subscriberWith2Step(PHONE);
    const token = await remember(PHONE, secret);
    const off = await t.post('/v1/account/two-factor/disable', { password: PASSWORD }, bearer);
    expect(off.statusCode, off.body).toBe(204);
    const revoked = await t.testDb.database.db
      .selectFrom('trusted_devices')
      .select('revoked_at')
      .executeTakeFirstOrThrow();
    expect(Number(revoked.revoked_at)).toBe(t.clock.now());
    // Off: the password alone signs in, token or not.
    expect((await signInWith(token)).statusCode).toBe(200);

    // On again (a new secret): the old token no longer skips anything.
    const enrol = TwoFactorEnrolResponse.parse(
      (await t.post('/v1/account/two-factor/enrol', {}, bearer)).json(),
    );
    if (enrol.method !== 'totp') throw new Error('expected totp');
    const code = await totp(enrol.secret);
    expect((await t.post('/v1/account/two-factor/confirm', { code }, bearer)).statusCode).toBe(200);
    expectError(await signInWith(token), 401, 'second_factor_required');
  });

  it('revokeTrustedDevices ends every remembered computer of one account only', async () => {
    const me = await subscriberWith2Step(PHONE);
    const other = await subscriberWith2Step(OTHER_PHONE);
    const mine = await remember(PHONE, me.secret);
    const theirs = await remember(OTHER_PHONE, other.secret);
    const now = t.clock.now();
    expect(await revokeTrustedDevices(t.testDb.database.db, me.id, now)).toBe(1);
    expect(await revokeTrustedDevices(t.testDb.database.db, me.id, now)).toBe(0);
    expectError(await signInWith(mine), 401, 'second_factor_required');
    expect((await signInWith(theirs, OTHER_PHONE)).statusCode).toBe(200);
  });

  it('sessions carry the device the app described', async () => {
    const { secret } = await subscriberWith2Step(PHONE);
    await t.addSubscriber({ phone: OTHER_PHONE, password: PASSWORD });
    // Password-only sign-in, with and without a device.
    expect(
      (await t.post(SIGN_IN, { phone: OTHER_PHONE, password: PASSWORD, device: DEVICE }))
        .statusCode,
    ).toBe(200);
    t.clock.advance(1_000);
    // Second step: the device of that request is the one stored.
    const token = await remember(PHONE, secret);
    expect((await signInWith(token)).statusCode).toBe(200);

    const sessions = await t.testDb.database.db
      .selectFrom('sessions')
      .innerJoin('subscribers', 'subscribers.id', 'sessions.subscriber_id')
      .select(['subscribers.phone', 'device_id', 'device_name', 'app_version'])
      .orderBy('sessions.created_at')
      .execute();
    const withDevice = { device_id: DEVICE.id, device_name: DEVICE.name, app_version: '1.4.0' };
    const without = { device_id: null, device_name: null, app_version: null };
    // Each subscriberWith2Step signed in once without a device.
    expect(sessions).toEqual([
      { phone: PHONE, ...without },
      { phone: OTHER_PHONE, ...withDevice },
      { phone: PHONE, ...withDevice },
      { phone: PHONE, ...withDevice },
    ]);
  });
});
