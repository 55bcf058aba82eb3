import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { generate } from 'otplib';
import { sql, type Kysely } from 'kysely';
import { decodeProtectedHeader, SignJWT } from 'jose';
import type { FastifyInstance } from 'fastify';
import { SignInResponse } from '../../contract/http/auth';
import { TwoFactorEnrolResponse } from '../../contract/http/two-factor';
import { buildApp } from '../../server/src/app';
import type { Database } from '../../server/src/db/schema';
import { AccessTokens } from '../../server/src/auth/tokens';
import { deriveKey, seal } from '../../server/src/auth/secret-box';
import { RotatingCaptcha } from '../../server/src/auth/rotating-captcha';
import { generatePins, hashPin } from '../../server/src/billing/refill-pins';
import { readKeyFile } from '../../server/src/keys/key-file';
import { KEY_PURPOSES, type Keys } from '../../server/src/keys/key-ring';
import {
  keySourceFor,
  openKeys,
  rotateKeys,
  type KeySource,
} from '../../server/src/keys/open-keys';
import { createTestApp, TEST_NOW, type TestApp } from './support/test-app';
import { createTestDatabase, dbKind, describeWithDb, type TestDatabase } from './support/test-db';
import { freshCaptcha, TEST_CAPTCHA_MAX_NUMBER } from './support/captcha';
import { CLI_TIMEOUT, expectOk, expectRefused, runCli } from './support/cli';
import { expectError } from './support/expect-error';
import { newKey } from './support/payments';
import { ManualClock } from '../../server/src/clock';

/**
 * Keys live in a key file (or environment variables), never in the database: a copy of the
 * database alone forges no token, opens no TOTP secret and checks no refill PIN. Keys carry ids,
 * so a rotation keeps what older keys signed working.
 */

const PASSWORD = 'Correct-Horse-Battery-9';

/** Every value of every table, as text: where a key would show if the database held one. */
async function everyStoredValue(db: Kysely<Database>): Promise<string> {
  const tables =
    dbKind === 'sqlite'
      ? await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)
      : await sql<{
          name: string;
        }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(
          db,
        );
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db);
    parts.push(JSON.stringify(rows.rows));
  }
  return parts.join('\n');
}

function secretsOf(keys: Keys): string[] {
  return Object.values(keys).flatMap((ring: Keys['token']) => ring.keys.map((k) => k.secret));
}

describeWithDb(`keys a database dump does not give away (${dbKind})`, () => {
  let t: TestApp;
  let source: KeySource;
  let extraApps: FastifyInstance[];

  beforeEach(async () => {
    // No single test token key: the app signs with its key file's keys, as `serve` does.
    t = await createTestApp({ tokenSecret: undefined, pruneIntervalMs: 0 });
    source = keySourceFor(t.testDb.location, { AIRTIME_KEY_FILE: t.testDb.keyFile });
    extraApps = [];
  });
  afterEach(async () => {
    for (const app of extraApps) await app.close();
    await t?.close();
  });

  const opened = async () => (await openKeys(t.testDb.database, source, t.clock)).keys;

  /** Another instance on the same database handle with `keys`, as after a restart. */
  async function restartWith(keys: Keys): Promise<FastifyInstance> {
    const app = await buildApp({
      database: t.testDb.database,
      clock: t.clock,
      authRateLimit: 0,
      pruneIntervalMs: 0,
      captcha: { maxNumber: TEST_CAPTCHA_MAX_NUMBER },
      keys,
    });
    extraApps.push(app);
    await app.ready();
    return app;
  }

  const post = (app: FastifyInstance, url: string, body: unknown, token?: string) =>
    app.inject({
      method: 'POST',
      url,
      payload: body as never,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  const summary = (app: FastifyInstance, token: string) =>
    app.inject({
      method: 'GET',
      url: '/v1/account/summary',
      headers: { authorization: `Bearer ${token}` },
    });
  const refill = (app: FastifyInstance, token: string, pin: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/account/refill',
      payload: { pin },
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': newKey(),
      },
    });
  const totp = (secret: string) => generate({ secret, epoch: Math.floor(t.clock.now() / 1000) });

  async function signIn(app: FastifyInstance, phone: string) {
    const res = await post(app, '/v1/auth/sign-in', { phone, password: PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    return SignInResponse.parse(res.json());
  }

  /** Turns on TOTP for the signed-in subscriber; returns the secret the app shows. */
  async function enrolTotp(app: FastifyInstance, token: string): Promise<string> {
    const res = await post(app, '/v1/account/two-factor/enrol', {}, token);
    const enrolled = TwoFactorEnrolResponse.parse(res.json());
    if (enrolled.method !== 'totp') throw new Error('expected totp');
    const confirmed = await post(
      app,
      '/v1/account/two-factor/confirm',
      { code: await totp(enrolled.secret) },
      token,
    );
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    t.clock.advance(30_000);
    return enrolled.secret;
  }

  /** Signs in with password and TOTP code; the status of the second step. */
  async function signInWithTotp(app: FastifyInstance, phone: string, secret: string) {
    const first = await post(app, '/v1/auth/sign-in', { phone, password: PASSWORD });
    const challenge = expectError(first, 401, 'second_factor_required').secondFactor!.challenge;
    const second = await post(app, '/v1/auth/second-factor', {
      challenge,
      code: await totp(secret),
    });
    t.clock.advance(30_000);
    return second;
  }

  it('keeps no key in the database: only ids and public fingerprints', async () => {
    const keys = await opened();
    const mode = fs.statSync(t.testDb.keyFile).mode & 0o777;
    expect(mode).toBe(0o600);
    const { phone, id } = await t.addSubscriber({ password: PASSWORD });
    const session = await signIn(t.app, phone);
    expect(decodeProtectedHeader(session.accessToken).kid).toBe(keys.token.current.id);
    const secret = await enrolTotp(t.app, session.accessToken);
    const [pin] = (
      await generatePins(t.testDb.database.db, t.clock, keys.refillPin, {
        count: 1,
        valueCents: 10_00,
      })
    ).pins;
    await freshCaptcha((url) => t.app.inject({ method: 'GET', url }));

    const stored = await everyStoredValue(t.testDb.database.db);
    for (const secretValue of secretsOf(keys)) expect(stored).not.toContain(secretValue);
    expect(await t.testDb.database.db.selectFrom('server_secrets').selectAll().execute()).toEqual(
      [],
    );
    // What is stored names its key, and nothing more.
    const row = await t.testDb.database.db
      .selectFrom('two_factor')
      .select('secret')
      .where('subscriber_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.secret.startsWith(`v1.${keys.totp.current.id}.`)).toBe(true);
    expect(row.secret).not.toContain(secret);
    const pinRow = await t.testDb.database.db
      .selectFrom('refill_pins')
      .select(['pin_hash', 'key_id'])
      .executeTakeFirstOrThrow();
    expect(pinRow.key_id).toBe(keys.refillPin.current.id);
    expect(stored).not.toContain(pin!.replaceAll('-', ''));

    // A token signed with anything but the file's key, under its kid or none, is refused.
    const forged = (kid?: string) =>
      new SignJWT({ sid: 'x' })
        .setProtectedHeader(kid ? { alg: 'HS256', kid } : { alg: 'HS256' })
        .setSubject(id)
        .setIssuer('airtime-api')
        .setAudience('airtime-app')
        .setIssuedAt(Math.floor(t.clock.now() / 1000))
        .setExpirationTime(Math.floor(t.clock.now() / 1000) + 600)
        .sign(Buffer.from('a-guess-at-the-key-that-is-long-enough-0123456789'));
    for (const token of [
      await forged(keys.token.current.id),
      await forged(),
      await forged('nope'),
    ]) {
      expectError(await summary(t.app, token), 401, 'unauthorized');
    }
  });

  it('a copy of the database with other keys opens nothing and is refused at start', async () => {
    const { phone } = await t.addSubscriber({ password: PASSWORD });
    await signIn(t.app, phone);
    // Someone with the database but not the key file: new keys do not match what it holds.
    const elsewhere = keySourceFor(t.testDb.location, {
      AIRTIME_KEY_FILE: `${t.testDb.keyFile}.other`,
    });
    await expect(openKeys(t.testDb.database, elsewhere, t.clock)).rejects.toThrow(
      /does not have.*share one key file/s,
    );
    fs.rmSync(`${t.testDb.keyFile}.other`, { force: true });
    // The refused start left nothing behind: the right key file still opens the database.
    await expect(opened()).resolves.toBeDefined();
    const fingerprints = await t.testDb.database.db
      .selectFrom('key_fingerprints')
      .select('key_id')
      .execute();
    const ids = secretsOf(await opened()).length;
    expect(fingerprints).toHaveLength(ids);
  });

  it('after a rotation, old tokens, TOTP secrets and PINs still work; new ones use the new ids', async () => {
    const before = await opened();
    const { phone } = await t.addSubscriber({ password: PASSWORD });
    const oldSession = await signIn(t.app, phone);
    const secret = await enrolTotp(t.app, oldSession.accessToken);
    const [oldPin] = (
      await generatePins(t.testDb.database.db, t.clock, before.refillPin, {
        count: 1,
        valueCents: 10_00,
      })
    ).pins;
    const oldCaptcha = await freshCaptcha((url) => t.app.inject({ method: 'GET', url }));

    const added = await rotateKeys(t.testDb.database, source, t.clock, KEY_PURPOSES);
    expect(added.map((k) => k.id.split('-')[0])).toEqual(['token', 'totp', 'refill', 'captcha']);
    const after = await opened();
    for (const purpose of ['token', 'totp', 'refillPin', 'captcha'] as const) {
      expect(after[purpose].keys).toHaveLength(2);
      expect(after[purpose].current.id).not.toBe(before[purpose].current.id);
    }
    const app = await restartWith(after);

    // The access token from before the rotation is still good.
    expect((await summary(app, oldSession.accessToken)).statusCode).toBe(200);
    // The TOTP secret sealed with the old key still opens.
    const second = await signInWithTotp(app, phone, secret);
    expect(second.statusCode, second.body).toBe(200);
    const newToken = SignInResponse.parse(second.json()).accessToken;
    expect(decodeProtectedHeader(newToken).kid).toBe(after.token.current.id);
    // A captcha handed out just before is accepted after.
    expect(
      await new RotatingCaptcha(t.testDb.database.db, t.clock, after.captcha).verify(oldCaptcha),
    ).toBe(true);
    // The old PIN redeems; a new one is stored under the new key and redeems too.
    expect((await refill(app, newToken, oldPin!)).statusCode).toBe(201);
    const [newPin] = (
      await generatePins(t.testDb.database.db, t.clock, after.refillPin, {
        count: 1,
        valueCents: 10_00,
      })
    ).pins;
    const keyIds = await t.testDb.database.db
      .selectFrom('refill_pins')
      .select('key_id')
      .orderBy('created_at')
      .execute();
    expect(keyIds.map((r) => r.key_id).sort()).toEqual(
      [before.refillPin.current.id, after.refillPin.current.id].sort(),
    );
    expect((await refill(app, newToken, newPin!)).statusCode).toBe(201);

    // An instance that still has only the old keys does not know the new kid: 401, like any
    // invalid token.
    const stale = await restartWith(before);
    expectError(await summary(stale, newToken), 401, 'unauthorized');
  });

  it('refuses a key file others can read, unless the environment gives every key', async () => {
    await opened();
    fs.chmodSync(t.testDb.keyFile, 0o644);
    await expect(opened()).rejects.toThrow(/can be read by others \(mode 0644\).*chmod 600/s);
    const everyKey = keySourceFor(t.testDb.location, {
      AIRTIME_KEY_FILE: t.testDb.keyFile,
      AIRTIME_TOKEN_SECRET: 't'.repeat(40),
      AIRTIME_TOTP_KEY: 'o'.repeat(40),
      AIRTIME_REFILL_PIN_KEY: 'r'.repeat(40),
      AIRTIME_CAPTCHA_KEY: 'c'.repeat(40),
    });
    // Those keys are new to this database: only the check of the file's mode is waived here.
    await expect(openKeys(t.testDb.database, everyKey, t.clock)).rejects.toThrow(/does not have/);
  });
});

describeWithDb(`moving keys out of an existing database (${dbKind})`, () => {
  let testDb: TestDatabase;
  const clock = new ManualClock(TEST_NOW);
  const OLD = {
    access_token_key: 'old-token-key-from-the-database-0123456789abcdef',
    totp_encryption_key: 'old-totp-key-from-the-database-0123456789abcdef',
    refill_pin_hmac_key: 'old-refill-key-from-the-database-0123456789abcdef',
    captcha_hmac_key: 'old-captcha-key-from-the-database-0123456789abcdef',
  };

  beforeEach(async () => {
    testDb = await createTestDatabase();
    // As a version that kept its keys in the database left them.
    await testDb.database.db
      .insertInto('server_secrets')
      .values(
        Object.entries(OLD).map(([name, value]) => ({ name, value, created_at: clock.now() })),
      )
      .execute();
  });
  afterEach(async () => testDb?.cleanup());

  it('moves them into the key file, empties server_secrets, and keeps old data working', async () => {
    const source = keySourceFor(testDb.location, { AIRTIME_KEY_FILE: testDb.keyFile });
    const opened = await openKeys(testDb.database, source, clock);
    expect(opened.migrated).toEqual([...KEY_PURPOSES]);
    expect(await testDb.database.db.selectFrom('server_secrets').selectAll().execute()).toEqual([]);
    const file = readKeyFile(testDb.keyFile)!;
    expect(file.token?.map((k) => [k.secret, k.migrated])).toEqual([[OLD.access_token_key, true]]);
    expect(file.totp?.[0]?.secret).toBe(OLD.totp_encryption_key);
    expect(file['refill-pin']?.[0]?.secret).toBe(OLD.refill_pin_hmac_key);
    expect(file.captcha?.[0]?.secret).toBe(OLD.captcha_hmac_key);
    const stored = await everyStoredValue(testDb.database.db);
    for (const value of Object.values(OLD)) expect(stored).not.toContain(value);

    const app = await buildApp({
      database: testDb.database,
      clock,
      authRateLimit: 0,
      pruneIntervalMs: 0,
      captcha: { maxNumber: TEST_CAPTCHA_MAX_NUMBER },
      keys: opened.keys,
    });
    try {
      const { SubscriberAdmin } = await import('../../server/src/account/subscriber-admin');
      const admin = new SubscriberAdmin(testDb.database.db, clock);
      const phone = '+12065550142';
      const { id } = await admin.add({
        phone,
        name: 'Migrated Subscriber',
        email: 'migrated@example.com',
        planId: 'starter-5gb',
        password: PASSWORD,
      });
      const signIn = await app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { phone, password: PASSWORD },
      });
      const session = SignInResponse.parse(signIn.json());
      const claims = JSON.parse(
        Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString(),
      ) as { sid: string };

      // A token issued before the move: no kid, signed with the key from the database.
      const oldToken = await new AccessTokens(OLD.access_token_key).issue(
        { subscriberId: id, sessionId: claims.sid },
        clock.now(),
      );
      expect(decodeProtectedHeader(oldToken).kid).toBeUndefined();
      const ok = await app.inject({
        method: 'GET',
        url: '/v1/account/summary',
        headers: { authorization: `Bearer ${oldToken}` },
      });
      expect(ok.statusCode, ok.body).toBe(200);

      // A PIN hashed before the move: no key id, the database's refill key.
      const digits = '4242424242424242';
      await testDb.database.db
        .insertInto('refill_pins')
        .values({
          pin_hash: hashPin(OLD.refill_pin_hmac_key, digits),
          value_cents: 15_00,
          currency: 'USD',
          batch: 'before-key-ids',
          created_at: clock.now(),
          redeemed_at: null,
          redeemed_by: null,
        })
        .execute();
      const redeemed = await app.inject({
        method: 'POST',
        url: '/v1/account/refill',
        payload: { pin: digits },
        headers: { authorization: `Bearer ${oldToken}`, 'idempotency-key': newKey() },
      });
      expect(redeemed.statusCode, redeemed.body).toBe(201);

      // A TOTP secret sealed before the move: `v1.` without a key id, the database's TOTP key.
      const totpSecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      await testDb.database.db
        .insertInto('two_factor')
        .values({
          subscriber_id: id,
          method: 'totp',
          secret: seal(deriveKey(OLD.totp_encryption_key, 'totp-secret'), totpSecret, id),
          created_at: clock.now(),
          enabled_at: clock.now(),
          last_time_step: null,
        })
        .execute();
      const first = await app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { phone, password: PASSWORD },
      });
      const challenge = expectError(first, 401, 'second_factor_required').secondFactor!.challenge;
      const second = await app.inject({
        method: 'POST',
        url: '/v1/auth/second-factor',
        payload: {
          challenge,
          code: await generate({ secret: totpSecret, epoch: Math.floor(clock.now() / 1000) }),
        },
      });
      expect(second.statusCode, second.body).toBe(200);
    } finally {
      await app.close();
    }

    // The second start finds nothing left to move and the same keys.
    const again = await openKeys(testDb.database, source, clock);
    expect(again.migrated).toEqual([]);
    expect(again.keys.token.current.id).toBe(opened.keys.token.current.id);
  });
});

describeWithDb(`keys CLI (${dbKind})`, () => {
  let testDb: TestDatabase;
  beforeEach(async () => {
    testDb = await createTestDatabase();
  });
  afterEach(async () => testDb?.cleanup());

  const cli = (args: string[]) =>
    runCli([...args, '--db', testDb.location], '', { AIRTIME_KEY_FILE: testDb.keyFile });

  it('keys list and keys rotate show ids and dates, never key material', CLI_TIMEOUT, async () => {
    const listed = await cli(['keys', 'list']);
    expectOk(listed);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([...KEY_PURPOSES]);
    for (const line of lines) expect(line).toMatch(/current$/);
    expect(fs.statSync(testDb.keyFile).mode & 0o777).toBe(0o600);

    const rotated = await cli(['keys', 'rotate', '--purpose', 'token']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^token-\d{8}-[0-9a-f]{8} {2}new current key/);
    expect(rotated.stderr).toContain('Restart every server');

    const after = await cli(['keys', 'list']);
    expectOk(after);
    const file = readKeyFile(testDb.keyFile)!;
    expect(file.token).toHaveLength(2);
    expect(after.stdout).toContain(`${file.token![0]!.id}`);
    expect(after.stdout).toMatch(new RegExp(`${file.token![1]!.id}\\s+\\S+\\s+current`));
    expect(after.stdout).toMatch(new RegExp(`${file.token![0]!.id}\\s+\\S+\\s+old`));
    for (const purpose of KEY_PURPOSES) {
      for (const key of file[purpose] ?? []) {
        expect(after.stdout + rotated.stdout + listed.stdout).not.toContain(key.secret);
      }
    }

    const rotatedAll = await cli(['keys', 'rotate']);
    expect(rotatedAll.code, rotatedAll.stderr).toBe(0);
    expect(rotatedAll.stdout.trim().split('\n')).toHaveLength(4);
    const all = readKeyFile(testDb.keyFile)!;
    expect(KEY_PURPOSES.map((p) => all[p]?.length)).toEqual([3, 2, 2, 2]);

    expectRefused(await cli(['keys', 'rotate', '--purpose', 'nonsense']), '--purpose is one of');
    fs.chmodSync(testDb.keyFile, 0o644);
    expectRefused(await cli(['keys', 'list']), 'chmod 600');
  });
});
