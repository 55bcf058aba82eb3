import argon2 from 'argon2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Argon2Hash, KioskPolicy } from '../../contract/kiosk';
import { buildApp } from '../../server/src/app';
import { ManualClock } from '../../server/src/clock';
import { TEST_TOKEN_SECRET } from './support/test-app';
import { CLI_TIMEOUT, expectOk, expectRefused, runCli } from './support/cli';
import { TEST_CAPTCHA_MAX_NUMBER } from './support/captcha';
import { expectError } from './support/expect-error';
import { createTestDatabase, describeWithDb, dbKind, type TestDatabase } from './support/test-db';

/** `npm run server -- kiosk …` as a store's administrator runs it, against the API's database. */

describeWithDb(`kiosk CLI (${dbKind})`, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let db: string[];
  let enrolled: { id: string; credential: string } | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = ['--db', testDb.location];
    app = await buildApp({
      database: testDb.database,
      clock: new ManualClock(Date.now()),
      authRateLimit: 0,
      tokenSecret: TEST_TOKEN_SECRET,
      captcha: { maxNumber: TEST_CAPTCHA_MAX_NUMBER },
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await testDb?.cleanup();
  });

  /** What the kiosk app does with a credential: start a customer visit, then ask for plans. */
  const plansAt = async (credential: string) => {
    const started = await app.inject({
      method: 'POST',
      url: '/v1/kiosk/visits',
      headers: { 'airtime-kiosk': credential },
    });
    if (started.statusCode !== 201) return started;
    const { visitId } = started.json<{ visitId: string }>();
    return app.inject({
      method: 'GET',
      url: '/v1/plans',
      headers: { 'airtime-kiosk': credential, 'airtime-kiosk-visit': visitId },
    });
  };

  it('kiosk list says there are none yet', CLI_TIMEOUT, async () => {
    const result = await runCli(['kiosk', 'list', ...db]);
    expectOk(result);
    expect(result.stdout).toContain('No kiosks yet');
  });

  it('kiosk enroll needs a store name', CLI_TIMEOUT, async () => {
    expectRefused(await runCli(['kiosk', 'enroll', ...db]), 'Name the store');
    expectRefused(await runCli(['kiosk', 'enroll', '--store', '   ', ...db]), 'Name the store');
    expectRefused(
      await runCli([
        'kiosk',
        'enroll',
        '--store',
        'Mall',
        '--api-url',
        'http://api.example.com',
        ...db,
      ]),
      '--api-url',
    );
  });

  it(
    'kiosk enroll prints the credential once and a policy the kiosk accepts',
    CLI_TIMEOUT,
    async () => {
      const result = await runCli([
        'kiosk',
        'enroll',
        '--store',
        'Main Street store',
        '--api-url',
        'https://api.example.com',
        ...db,
      ]);
      expectOk(result);
      const credential = /Credential[^:]*: (ak_\S+)/.exec(result.stdout)?.[1];
      expect(credential).toBeDefined();
      const snippet = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
      expect(snippet).toMatchObject({
        kiosk: true,
        storeName: 'Main Street store',
        apiUrl: 'https://api.example.com',
        kioskCredential: credential,
      });
      // With the staff PIN hash filled in, the kiosk's own policy parser takes it as it is.
      const pinHash = await argon2.hash('4821', { type: argon2.argon2id });
      expect(KioskPolicy.safeParse({ ...snippet, staffPinHash: pinHash }).success).toBe(true);
      // The API knows the kiosk at once.
      expect((await plansAt(credential!)).statusCode).toBe(200);
      enrolled = { id: /^ak_([a-z0-9]{12})\./.exec(credential!)![1]!, credential: credential! };
      // Only a hash of the secret is in the database.
      const rows = await testDb.database.db.selectFrom('kiosks').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(credential!.split('.')[1]);
    },
  );

  it('kiosk list shows each kiosk, its store and when it was last seen', CLI_TIMEOUT, async () => {
    const text = await runCli(['kiosk', 'list', ...db]);
    expectOk(text);
    expect(text.stdout).toMatch(
      new RegExp(`^${enrolled!.id}\\s+Main Street store\\s+active\\s+last seen \\d{4}-`, 'm'),
    );
    const json = await runCli(['kiosk', 'list', '--json', ...db]);
    expectOk(json);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        id: enrolled!.id,
        storeName: 'Main Street store',
        revokedAt: null,
      }),
    ]);
    expect(json.stdout).not.toContain(enrolled!.credential.split('.')[1]);
  });

  it('kiosk revoke stops the kiosk; an unknown id is named', CLI_TIMEOUT, async () => {
    expectRefused(
      await runCli(['kiosk', 'revoke', 'zzzzzzzzzzzz', ...db]),
      'There is no kiosk "zzzzzzzzzzzz"',
    );
    expectRefused(await runCli(['kiosk', 'revoke', ...db]), 'Name the kiosk');
    const result = await runCli(['kiosk', 'revoke', enrolled!.id, ...db]);
    expectOk(result);
    expect(result.stdout).toBe(
      `Revoked kiosk ${enrolled!.id} (Main Street store). It now shows "not enrolled".\n`,
    );
    expectError(await plansAt(enrolled!.credential), 403, 'kiosk_not_enrolled');
    const list = await runCli(['kiosk', 'list', ...db]);
    expect(list.stdout).toMatch(/revoked \d{4}-/);
  });

  it(
    'kiosk pin-hash prints an argon2id hash of the PIN, and refuses what is not a PIN',
    CLI_TIMEOUT,
    async () => {
      const result = await runCli(['kiosk', 'pin-hash', '--pin-stdin'], '4821\n');
      expectOk(result);
      const hash = result.stdout.trim();
      expect(hash).toMatch(/^\$argon2id\$/);
      // What the kiosk's policy file accepts for staffPinHash.
      expect(Argon2Hash.safeParse(hash).success).toBe(true);
      expect(await argon2.verify(hash, '4821')).toBe(true);
      expect(await argon2.verify(hash, '4822')).toBe(false);
      expectRefused(
        await runCli(['kiosk', 'pin-hash', '--pin-stdin'], '12ab\n'),
        'A staff PIN is 4 to 12 digits.',
      );
      // No terminal and no --pin-stdin: it says how to pipe it in.
      expectRefused(await runCli(['kiosk', 'pin-hash']), 'pass --pin-stdin');
    },
  );
});
