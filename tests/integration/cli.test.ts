import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { ManualClock } from '../../server/src/clock';
import { TEST_TOKEN_SECRET } from './support/test-app';
import { CLI_TIMEOUT, expectOk, expectRefused, runCli } from './support/cli';
import { freshCaptcha, TEST_CAPTCHA_MAX_NUMBER } from './support/captcha';
import { createTestDatabase, describeWithDb, dbKind, type TestDatabase } from './support/test-db';

/**
 * The admin CLI as an administrator runs it: a real process, reading and writing the same
 * database the API serves from.
 */

describeWithDb(`admin CLI (${dbKind})`, () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  let dir: string;
  let db: string[];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = ['--db', testDb.location];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-cli-'));
    // The API on the same database, with a clock at the real time like the CLI's.
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
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // Many sign-ins here fail on purpose, so from the fourth on the API wants a captcha: send one.
  const signIn = async (phone: string, password: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      payload: {
        phone,
        password,
        captcha: await freshCaptcha((url) => app.inject({ method: 'GET', url })),
      },
    });

  /** What is in the database, read directly rather than through the CLI under test. */
  const subscribers = () =>
    testDb.database.db
      .selectFrom('subscribers')
      .select(['phone', 'name', 'plan_id'])
      .orderBy('phone')
      .execute();

  function csv(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  it('plans lists every plan id with its price', CLI_TIMEOUT, async () => {
    const result = await runCli(['plans', ...db]);
    expectOk(result);
    const ids = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    expect(ids).toEqual(['talk-text-1gb', 'starter-5gb', 'value-15gb', 'unlimited']);
    expect(result.stdout).toContain('$25.00/mo');
  });

  it('subscriber list says there is nobody yet on an empty database', CLI_TIMEOUT, async () => {
    const result = await runCli(['subscriber', 'list', ...db]);
    expectOk(result);
    expect(result.stdout).toContain('No subscribers yet');
    const json = await runCli(['subscriber', 'list', '--json', ...db]);
    expectOk(json);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it(
    'subscriber add with --password-stdin creates an account that can sign in',
    CLI_TIMEOUT,
    async () => {
      const result = await runCli(
        [
          'subscriber',
          'add',
          '--phone',
          '(206) 555-0111',
          '--name',
          'Ada Lovelace',
          '--email',
          'ada@example.com',
          '--plan',
          'starter-5gb',
          '--password-stdin',
          ...db,
        ],
        'Analytical-Engine-1843\n',
      );
      expectOk(result);
      expect(result.stdout).toBe('Added Ada Lovelace (+12065550111) on plan starter-5gb.\n');

      const signedIn = await signIn('206.555.0111', 'Analytical-Engine-1843');
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.json().subscriber).toMatchObject({
        phone: '+12065550111',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
      });
      const plan = await app.inject({
        method: 'GET',
        url: '/v1/account/plan',
        headers: { authorization: `Bearer ${signedIn.json().accessToken}` },
      });
      expect(plan.json().id).toBe('starter-5gb');
      // Only the final newline of the piped password is dropped.
      expect((await signIn('2065550111', 'Analytical-Engine-1843\n')).statusCode).toBe(401);
    },
  );

  it('subscriber list shows the subscribers, as text and as JSON', CLI_TIMEOUT, async () => {
    const text = await runCli(['subscriber', 'list', ...db]);
    expectOk(text);
    expect(text.stdout).toMatch(
      /\+12065550111\s+Ada Lovelace\s+ada@example\.com\s+starter-5gb\s+active/,
    );

    const json = await runCli(['subscriber', 'list', '--json', ...db]);
    expectOk(json);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        phone: '+12065550111',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        planId: 'starter-5gb',
        status: 'active',
        lockedUntil: null,
      },
    ]);
    expect(json.stdout).not.toContain('password');
    expect(json.stdout).not.toContain('argon2');
  });

  it('subscriber unlock lets a locked-out subscriber in at once', CLI_TIMEOUT, async () => {
    // A correct password first, so earlier tests' failures do not count.
    expect((await signIn('2065550111', 'Analytical-Engine-1843')).statusCode).toBe(200);
    for (let i = 1; i <= 4; i++)
      expect((await signIn('2065550111', `wrong-password-${i}`)).statusCode).toBe(401);
    const fifth = await signIn('2065550111', 'wrong-password-5');
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json().error.retryAfterSeconds).toBe(15 * 60);
    expect((await signIn('2065550111', 'Analytical-Engine-1843')).statusCode).toBe(423);

    const listed = await runCli(['subscriber', 'list', ...db]);
    expectOk(listed);
    expect(listed.stdout).toMatch(/\+12065550111 .* locked until \d{4}-\d\d-\d\dT/);

    const unlocked = await runCli(['subscriber', 'unlock', '--phone', '206-555-0111', ...db]);
    expectOk(unlocked);
    expect(unlocked.stdout).toBe('Unlocked +12065550111.\n');
    expect((await signIn('2065550111', 'Analytical-Engine-1843')).statusCode).toBe(200);
  });

  it('subscriber unlock names a number nobody has, and asks for --phone', CLI_TIMEOUT, async () => {
    expectRefused(
      await runCli(['subscriber', 'unlock', '--phone', '(206) 555-0188', ...db]),
      'No subscriber has the number +12065550188.',
    );
    expectRefused(await runCli(['subscriber', 'unlock', ...db]), 'Missing --phone.');
  });

  it(
    'subscriber import adds every row of a good file, and each can sign in',
    CLI_TIMEOUT,
    async () => {
      const file = csv(
        'good.csv',
        [
          'phone,name,email,plan,password',
          '(206) 555-0121,Grace Hopper,grace@example.com,value-15gb,Compiler-Pioneer-1952',
          '206.555.0122,Alan Turing,alan@example.com,unlimited,Bombe-Machine-1939',
          '+1 206 555 0123,"Hamilton, Margaret",margaret@example.com,talk-text-1gb,Apollo-Guidance-1969',
          '',
        ].join('\n'),
      );
      const result = await runCli(['subscriber', 'import', file, ...db]);
      expectOk(result);
      expect(result.stdout).toBe('Imported 3 subscribers.\n');

      const listed = await subscribers();
      expect(listed.map((s) => [s.phone, s.name, s.plan_id])).toEqual([
        ['+12065550111', 'Ada Lovelace', 'starter-5gb'],
        ['+12065550121', 'Grace Hopper', 'value-15gb'],
        ['+12065550122', 'Alan Turing', 'unlimited'],
        ['+12065550123', 'Hamilton, Margaret', 'talk-text-1gb'],
      ]);
      expect((await signIn('2065550122', 'Bombe-Machine-1939')).statusCode).toBe(200);
      expect((await signIn('(206) 555-0123', 'Apollo-Guidance-1969')).statusCode).toBe(200);
    },
  );

  it(
    'subscriber import imports nothing when one row is bad, and names its line',
    CLI_TIMEOUT,
    async () => {
      const file = csv(
        'one-bad.csv',
        [
          'phone,name,email,plan,password',
          '(206) 555-0131,Row Two,two@example.com,starter-5gb,Password-Two-22',
          '(206) 555-0132,Row Three,not-an-email,starter-5gb,Password-Three-33',
          '(206) 555-0133,Row Four,four@example.com,starter-5gb,Password-Four-44',
        ].join('\n'),
      );
      const result = await runCli(['subscriber', 'import', file, ...db]);
      expectRefused(result, 'Nothing was imported.');
      expect(result.stderr).toContain('line 3: email: That is not a valid e-mail address.');
      expect(result.stderr).not.toMatch(/line [24]/);
      // Not even the good rows went in.
      expect((await signIn('2065550131', 'Password-Two-22')).statusCode).toBe(401);
      expect(await subscribers()).toHaveLength(4);
    },
  );

  it(
    'subscriber import counts lines as an editor does, blank lines included',
    CLI_TIMEOUT,
    async () => {
      const file = csv(
        'blank-lines.csv',
        [
          'phone,name,email,plan,password',
          '(206) 555-0141,Row Two,two@example.com,starter-5gb,Password-Two-22',
          '',
          '(206) 555-0142,Row Four,four@example.com,no-such-plan,Password-Four-44',
        ].join('\n'),
      );
      const result = await runCli(['subscriber', 'import', file, ...db]);
      expectRefused(result, 'line 4: there is no active plan "no-such-plan".');
    },
  );

  it(
    'subscriber import lists every problem: duplicates in the file and numbers already taken',
    CLI_TIMEOUT,
    async () => {
      const file = csv(
        'duplicates.csv',
        [
          'phone,name,email,plan,password',
          '(206) 555-0151,First Copy,first@example.com,starter-5gb,Password-One-11',
          '206.555.0151,Second Copy,second@example.com,starter-5gb,Password-Two-22',
          '(206) 555-0111,Ada Again,ada2@example.com,starter-5gb,Password-Three-33',
        ].join('\n'),
      );
      const result = await runCli(['subscriber', 'import', file, ...db]);
      expectRefused(result, 'Nothing was imported.');
      expect(result.stderr).toContain('line 3: +12065550151 appears twice in the file.');
      expect(result.stderr).toContain('+12065550111 already has an account.');
      expect((await signIn('2065550151', 'Password-One-11')).statusCode).toBe(401);
    },
  );

  it('subscriber import names the missing header columns', CLI_TIMEOUT, async () => {
    const missing = csv(
      'missing-columns.csv',
      'phone,name,password\n(206) 555-0161,No Email,Password-One-11\n',
    );
    expectRefused(
      await runCli(['subscriber', 'import', missing, ...db]),
      'The header row is missing: email, plan.',
    );

    const noPassword = csv(
      'no-password.csv',
      'phone,name,email,plan\n(206) 555-0161,No Pass,np@example.com,starter-5gb\n',
    );
    expectRefused(
      await runCli(['subscriber', 'import', noPassword, ...db]),
      'The header row needs a password or password_hash column.',
    );
  });

  it('subscriber import says when the file cannot be read', CLI_TIMEOUT, async () => {
    const nowhere = path.join(dir, 'does-not-exist.csv');
    expectRefused(
      await runCli(['subscriber', 'import', nowhere, ...db]),
      `Cannot read ${nowhere}: ENOENT.`,
    );
    expectRefused(
      await runCli(['subscriber', 'import', dir, ...db]),
      `Cannot read ${dir}: EISDIR.`,
    );
  });

  it('refuses an unknown command or subcommand', CLI_TIMEOUT, async () => {
    const unknown = await runCli(['frobnicate', ...db]);
    expectRefused(unknown, 'Unknown command "frobnicate".');
    expect(unknown.stderr).toContain('help');
    expectRefused(
      await runCli(['subscriber', 'promote', ...db]),
      'Unknown subscriber command "promote".',
    );
  });

  it(
    'subscriber add refuses each kind of bad input with a clear message and adds nobody',
    CLI_TIMEOUT,
    async () => {
      const add = (
        overrides: Record<string, string | null>,
        stdin = 'Long-Enough-Password-1\n',
      ) => {
        const flags: Record<string, string | null> = {
          '--phone': '(206) 555-0171',
          '--name': 'Bad Input',
          '--email': 'bad@example.com',
          '--plan': 'starter-5gb',
          ...overrides,
        };
        const args = ['subscriber', 'add'];
        for (const [flag, value] of Object.entries(flags))
          if (value !== null) args.push(flag, value);
        return runCli([...args, '--password-stdin', ...db], stdin);
      };

      expectRefused(await add({ '--phone': null }), 'Missing --phone.');
      expectRefused(
        await add({ '--phone': '(123) 555-0100' }),
        'phone: That is not a valid phone number.',
      );
      expectRefused(
        await add({ '--email': 'not-an-email' }),
        'email: That is not a valid e-mail address.',
      );
      expectRefused(
        await add({ '--plan': 'gold-unlimited' }),
        'There is no active plan "gold-unlimited". See the plans command.',
      );
      expectRefused(
        await add({ '--phone': '206.555.0111' }),
        '+12065550111 already has an account.',
      );
      expectRefused(await add({}, 'short\n'), 'password: Passwords need at least 8 characters.');

      expect((await signIn('2065550171', 'Long-Enough-Password-1')).statusCode).toBe(401);
      expect(await subscribers()).toHaveLength(4);
    },
  );

  it(
    'subscriber add without --password-stdin and no terminal says how to pass the password',
    CLI_TIMEOUT,
    async () => {
      const result = await runCli(
        [
          'subscriber',
          'add',
          '--phone',
          '(206) 555-0181',
          '--name',
          'No Tty',
          '--email',
          'tty@example.com',
          '--plan',
          'starter-5gb',
          ...db,
        ],
        'Long-Enough-Password-1\n',
      );
      expectRefused(
        result,
        'There is no terminal to ask for a password on: pipe it in and pass --password-stdin.',
      );
      expect((await signIn('2065550181', 'Long-Enough-Password-1')).statusCode).toBe(401);
    },
  );

  it('serve --port abc fails with a clear message instead of starting', CLI_TIMEOUT, async () => {
    const result = await runCli(['serve', '--port', 'abc', ...db]);
    expectRefused(result, 'port must be a number.');
  });
});
