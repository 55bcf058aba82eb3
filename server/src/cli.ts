import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { resolveServeConfig, DEFAULT_DB, ENV_VARS } from './config';
import { startServer } from './server';
import { migrateToLatest, openDatabase } from './db/database';
import { systemClock } from './clock';
import { AdminError, SubscriberAdmin } from './account/subscriber-admin';
import { promptHidden, readStdin } from './cli/read-password';
import { formatMoney, parseMoneyInput } from '../../contract/money';
import { generatePins } from './billing/refill-pins';
import { keySourceFor, openKeys, rotateKeys, KEY_ENV_VARS } from './keys/open-keys';
import { KEY_PURPOSES, RING_OF, type KeyPurpose } from './keys/key-ring';
import { runStatementJob } from './billing/statement-close';
import { KioskService } from './kiosk/kiosk-service';
import { hashPassword } from './auth/passwords';
import { ApiBaseUrl } from '../../contract/settings';

const USAGE = `Airtime account API

Usage: npm run server -- <command> [options]

Commands:
  serve [--db <path|url>] [--host <addr>] [--port <n>] [--seed-demo] [--dev]
                              Serve the API (the default command).
  subscriber add --phone <phone> --name <name> --email <email> --plan <plan-id> [--password-stdin]
                              Create a subscriber; asks for the password unless --password-stdin.
  subscriber list [--json]    List subscribers.
  subscriber unlock --phone <phone>
                              Clear a sign-in lockout.
  subscriber import <file.csv>
                              Import subscribers (columns: phone,name,email,plan,password|password_hash).
  plans                       List plan ids.
  pins generate --count <n> --value <amount> [--batch <name>]
                              Make refill PINs (printed once; only their HMAC is stored).
  statements close            Book due renewals and issue the statements of ended cycles now
                              (the server also does this every AIRTIME_STATEMENT_INTERVAL_MINUTES).
  keys list                   List the signing and encryption keys: ids, purposes, created dates
                              (never the keys themselves).
  keys rotate [--purpose token|totp|refill-pin|captcha|all]
                              Add a new current key (default: all purposes); older keys keep
                              verifying what they signed. Restart every server afterwards.
  kiosk enroll --store <name> [--api-url <url>]
                              Enrol a store kiosk: prints its credential (once) and the policy
                              file to install on it.
  kiosk list [--json]         List kiosks, with when each was last seen and whether revoked.
  kiosk revoke <id>           Stop a kiosk: its credential no longer works, its sessions end.
  kiosk pin-hash [--pin-stdin]
                              Hash a staff PIN (4 to 12 digits) for the policy's staffPinHash;
                              asks for it unless --pin-stdin.
  help                        Show this text.

Every command takes --db <path or postgres:// URL> (default: $AIRTIME_DB or ${DEFAULT_DB}).

Environment:
${Object.entries(ENV_VARS)
  .map(([k, v]) => `  ${k.padEnd(24)} ${v}`)
  .join('\n')}
`;

class UsageError extends Error {}

const OPTIONS = {
  db: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'seed-demo': { type: 'boolean' },
  dev: { type: 'boolean' },
  phone: { type: 'string' },
  name: { type: 'string' },
  email: { type: 'string' },
  plan: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
  count: { type: 'string' },
  value: { type: 'string' },
  batch: { type: 'string' },
  store: { type: 'string' },
  'api-url': { type: 'string' },
  'pin-stdin': { type: 'boolean' },
  purpose: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function require(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`Missing --${flag}.`);
  return value;
}

async function withAdmin<T>(
  db: string | undefined,
  work: (admin: SubscriberAdmin) => Promise<T>,
): Promise<T> {
  const database = openDatabase(db ?? process.env['AIRTIME_DB'] ?? DEFAULT_DB);
  try {
    await migrateToLatest(database.db);
    return await work(new SubscriberAdmin(database.db, systemClock));
  } finally {
    await database.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [command = 'serve', sub, ...rest] = positionals;
  const out = (line: string) => process.stdout.write(`${line}\n`);

  if (values.help || command === 'help') {
    out(USAGE);
    return 0;
  }

  switch (command) {
    case 'serve': {
      if (sub !== undefined) throw new UsageError(`serve takes no argument "${sub}".`);
      const config = resolveServeConfig(
        {
          db: values.db,
          host: values.host,
          port: values.port,
          seedDemo: values['seed-demo'],
          dev: values.dev,
        },
        process.env,
      );
      const server = await startServer(config);
      const stop = (signal: string) => {
        out(`${signal}: closing…`);
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      return -1; // keep running
    }
    case 'plans': {
      const plans = await withAdmin(values.db, (admin) => admin.listPlans());
      for (const p of plans) {
        const data = p.data_mb === null ? 'unlimited data' : `${Math.round(p.data_mb / 1024)} GB`;
        out(
          `${p.id.padEnd(16)} ${p.name.padEnd(20)} ${formatMoney({ amountCents: p.price_cents, currency: p.currency })}/mo  ${data}${p.active ? '' : '  (retired)'}`,
        );
      }
      return 0;
    }
    case 'subscriber':
      return subscriberCommand(sub, rest, values, out);
    case 'pins':
      return pinsCommand(sub, rest, values, out);
    case 'statements':
      return statementsCommand(sub, rest, values.db, out);
    case 'kiosk':
      return kioskCommand(sub, rest, values, out);
    case 'keys':
      return keysCommand(sub, rest, values, out);
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

/** The parsed flags every command reads. */
type CliValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

async function subscriberCommand(
  sub: string | undefined,
  rest: string[],
  values: CliValues,
  out: (line: string) => void,
): Promise<number> {
  switch (sub) {
    case 'add': {
      const phone = require(values.phone, 'phone');
      const name = require(values.name, 'name');
      const email = require(values.email, 'email');
      const plan = require(values.plan, 'plan');
      let password: string;
      if (values['password-stdin']) {
        password = await readStdin();
      } else {
        password = await promptHidden('Password: ');
        const again = await promptHidden('Password again: ');
        if (password !== again)
          throw new AdminError('invalid_input', 'The two passwords do not match.');
      }
      const created = await withAdmin(values.db, (admin) =>
        admin.add({ phone, name, email, planId: plan, password }),
      );
      out(`Added ${name} (${created.phone}) on plan ${plan}.`);
      return 0;
    }
    case 'list': {
      const rows = await withAdmin(values.db, (admin) => admin.list());
      if (values.json) {
        out(JSON.stringify(rows, null, 2));
      } else if (rows.length === 0) {
        out('No subscribers yet. Add one with: npm run server -- subscriber add --help');
      } else {
        for (const r of rows) {
          const lock = r.lockedUntil
            ? `  locked until ${new Date(r.lockedUntil).toISOString()}`
            : '';
          out(
            `${r.phone.padEnd(14)} ${r.name.padEnd(24)} ${r.email.padEnd(30)} ${r.planId.padEnd(14)} ${r.status}${lock}`,
          );
        }
      }
      return 0;
    }
    case 'unlock': {
      const phone = await withAdmin(values.db, (admin) =>
        admin.unlock(require(values.phone, 'phone')),
      );
      out(`Unlocked ${phone}.`);
      return 0;
    }
    case 'import': {
      const [file, extra] = rest;
      if (!file) throw new UsageError('Name the CSV file: subscriber import <file.csv>.');
      if (extra) throw new UsageError(`Unexpected argument "${extra}".`);
      const where = path.resolve(file);
      let text: string;
      try {
        text = fs.readFileSync(where, 'utf8');
      } catch (error) {
        throw new AdminError(
          'invalid_input',
          `Cannot read ${where}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`,
        );
      }
      const report = await withAdmin(values.db, (admin) => admin.importCsv(text));
      out(`Imported ${report.imported} subscriber${report.imported === 1 ? '' : 's'}.`);
      return 0;
    }
    default:
      throw new UsageError(
        sub
          ? `Unknown subscriber command "${sub}".`
          : 'Say which: subscriber add | list | unlock | import.',
      );
  }
}

async function pinsCommand(
  sub: string | undefined,
  rest: string[],
  values: CliValues,
  out: (line: string) => void,
): Promise<number> {
  if (sub !== 'generate') {
    throw new UsageError(sub ? `Unknown pins command "${sub}".` : 'Say which: pins generate.');
  }
  if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  const countText = require(values.count, 'count');
  if (!/^\d+$/.test(countText) || Number(countText) < 1 || Number(countText) > 10_000) {
    throw new UsageError('--count must be a whole number from 1 to 10000.');
  }
  const value = parseMoneyInput(require(values.value, 'value'));
  if (!value.ok) throw new UsageError(`--value: ${value.message}`);
  if (value.cents < 100 || value.cents > 50_000) {
    throw new UsageError('--value must be from 1.00 to 500.00.');
  }
  const batch = values.batch?.trim();
  if (batch !== undefined && !/^[A-Za-z0-9_.-]{1,40}$/.test(batch)) {
    throw new UsageError('--batch is 1 to 40 letters, digits, dots, dashes or underscores.');
  }
  const database = openDatabase(values.db ?? process.env['AIRTIME_DB'] ?? DEFAULT_DB);
  try {
    await migrateToLatest(database.db);
    // The same keys `serve` uses (the key file is made here if this runs first).
    const source = keySourceFor(values.db ?? process.env['AIRTIME_DB'] ?? DEFAULT_DB, process.env);
    const { keys } = await openKeys(database, source, systemClock);
    const made = await generatePins(database.db, systemClock, keys.refillPin, {
      count: Number(countText),
      valueCents: value.cents,
      ...(batch ? { batch } : {}),
    });
    for (const pin of made.pins) out(pin);
    process.stderr.write(
      `${made.pins.length} PINs of ${formatMoney({ amountCents: value.cents, currency: 'USD' })} in batch ${made.batch}. They are shown only now.\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

async function keysCommand(
  sub: string | undefined,
  rest: string[],
  values: CliValues,
  out: (line: string) => void,
): Promise<number> {
  if (sub !== 'list' && sub !== 'rotate') {
    throw new UsageError(
      sub ? `Unknown keys command "${sub}".` : 'Say which: keys list or keys rotate.',
    );
  }
  if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  let purposes: readonly KeyPurpose[] = KEY_PURPOSES;
  if (values.purpose !== undefined) {
    if (sub !== 'rotate') throw new UsageError('--purpose is for keys rotate.');
    const wanted = values.purpose.trim();
    if (wanted !== 'all') {
      const purpose = KEY_PURPOSES.find((p) => p === wanted);
      if (!purpose) {
        throw new UsageError(`--purpose is one of ${KEY_PURPOSES.join(', ')} or all.`);
      }
      purposes = [purpose];
    }
  }
  const location = values.db ?? process.env['AIRTIME_DB'] ?? DEFAULT_DB;
  const source = keySourceFor(location, process.env);
  const database = openDatabase(location);
  try {
    await migrateToLatest(database.db);
    if (sub === 'rotate') {
      for (const key of await rotateKeys(database, source, systemClock, purposes)) {
        out(`${key.id}  new current key, created ${key.createdAt}`);
      }
      for (const purpose of purposes) {
        if (source.env[purpose] !== undefined) {
          process.stderr.write(
            `${KEY_ENV_VARS[purpose]} is set, so it stays the current ${purpose} key until it is unset.\n`,
          );
        }
      }
      process.stderr.write(`Restart every server using ${source.file ?? 'these keys'} now.\n`);
      return 0;
    }
    const { keys } = await openKeys(database, source, systemClock);
    for (const purpose of KEY_PURPOSES) {
      const ring = keys[RING_OF[purpose]];
      for (const key of ring.keys) {
        const notes = [
          key === ring.current ? 'current' : 'old',
          ...(key.migrated ? ['migrated from the database'] : []),
          ...(source.env[purpose] !== undefined && key.secret === source.env[purpose]
            ? [`from ${KEY_ENV_VARS[purpose]}`]
            : []),
        ];
        out(`${purpose.padEnd(11)} ${key.id.padEnd(34)} ${key.createdAt}  ${notes.join(', ')}`);
      }
    }
    return 0;
  } finally {
    await database.close();
  }
}

async function statementsCommand(
  sub: string | undefined,
  rest: string[],
  db: string | undefined,
  out: (line: string) => void,
): Promise<number> {
  if (sub !== 'close') {
    throw new UsageError(
      sub ? `Unknown statements command "${sub}".` : 'Say which: statements close.',
    );
  }
  if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  const database = openDatabase(db ?? process.env['AIRTIME_DB'] ?? DEFAULT_DB);
  try {
    await migrateToLatest(database.db);
    const failures: string[] = [];
    const result = await runStatementJob(database.db, systemClock, {
      onError: (error, subscriberId) =>
        failures.push(
          `  ${subscriberId}: ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
    out(
      `${result.renewals} renewal${result.renewals === 1 ? '' : 's'} booked, ${result.statements} statement${result.statements === 1 ? '' : 's'} issued.`,
    );
    if (failures.length) {
      process.stderr.write(
        `Could not finish for ${failures.length} subscriber${failures.length === 1 ? '' : 's'}; run again to retry:\n${failures.join('\n')}\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    await database.close();
  }
}

/** The address kiosks reach this API at, for the policy snippet: --api-url, or where it serves. */
function kioskApiUrl(flag: string | undefined): string {
  const config = flag === undefined ? resolveServeConfig({}, process.env) : null;
  const url = flag ?? `http://${config!.host}:${config!.port}`;
  // The kiosk checks apiUrl with the same rule, so a snippet that passes here installs there.
  const parsed = ApiBaseUrl.safeParse(url);
  if (!parsed.success) {
    throw new UsageError(
      `--api-url: ${parsed.error.issues[0]?.message ?? 'not a valid address'} (the address kiosks reach this API at).`,
    );
  }
  return parsed.data;
}

async function kioskCommand(
  sub: string | undefined,
  rest: string[],
  values: CliValues,
  out: (line: string) => void,
): Promise<number> {
  if (sub === 'pin-hash') {
    if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}".`);
    let pin: string;
    if (values['pin-stdin']) {
      pin = (await readStdin()).trim();
    } else {
      if (!process.stdin.isTTY) {
        throw new AdminError(
          'invalid_input',
          'There is no terminal to ask for the PIN on: pipe it in and pass --pin-stdin.',
        );
      }
      pin = await promptHidden('Staff PIN: ');
      if ((await promptHidden('Staff PIN again: ')) !== pin)
        throw new AdminError('invalid_input', 'The two PINs do not match.');
    }
    // The same rule the kiosk applies to what staff type (StaffPinInput in contract/kiosk.ts).
    if (!/^\d{4,12}$/.test(pin)) {
      throw new AdminError('invalid_input', 'A staff PIN is 4 to 12 digits.');
    }
    out(await hashPassword(pin));
    return 0;
  }
  if (sub !== 'enroll' && sub !== 'list' && sub !== 'revoke') {
    throw new UsageError(
      sub
        ? `Unknown kiosk command "${sub}".`
        : 'Say which: kiosk enroll | list | revoke | pin-hash.',
    );
  }
  if (sub !== 'revoke' && rest.length) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  if (sub === 'revoke' && rest.length > 1)
    throw new UsageError(`Unexpected argument "${rest[1]}".`);
  const apiUrl = sub === 'enroll' ? kioskApiUrl(values['api-url']) : '';
  const database = openDatabase(values.db ?? process.env['AIRTIME_DB'] ?? DEFAULT_DB);
  try {
    await migrateToLatest(database.db);
    const kiosks = new KioskService(database.db, systemClock);
    switch (sub) {
      case 'enroll': {
        const kiosk = await kiosks.enroll(values.store);
        out(`Enrolled kiosk ${kiosk.id} for ${kiosk.storeName}.`);
        out('');
        out(`Credential (shown only now; only its hash is kept): ${kiosk.credential}`);
        out('');
        out('Policy file for the kiosk (set staffPinHash with "kiosk pin-hash"):');
        out(
          JSON.stringify(
            {
              kiosk: true,
              storeName: kiosk.storeName,
              apiUrl,
              kioskCredential: kiosk.credential,
              staffPinHash: '<the output of: npm run server -- kiosk pin-hash>',
            },
            null,
            2,
          ),
        );
        return 0;
      }
      case 'list': {
        const rows = await kiosks.list();
        const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
        if (values.json) {
          out(
            JSON.stringify(
              rows.map((r) => ({
                id: r.id,
                storeName: r.storeName,
                enrolledAt: iso(r.createdAt),
                lastSeenAt: iso(r.lastSeenAt),
                revokedAt: iso(r.revokedAt),
              })),
              null,
              2,
            ),
          );
        } else if (rows.length === 0) {
          out('No kiosks yet. Enrol one with: npm run server -- kiosk enroll --store "<name>"');
        } else {
          for (const r of rows) {
            const seen = r.lastSeenAt ? `last seen ${iso(r.lastSeenAt)}` : 'never seen';
            const state = r.revokedAt ? `revoked ${iso(r.revokedAt)}` : 'active';
            out(`${r.id}  ${r.storeName.padEnd(30)} ${state.padEnd(32)} ${seen}`);
          }
        }
        return 0;
      }
      case 'revoke': {
        const kiosk = await kiosks.revoke(rest[0]);
        out(`Revoked kiosk ${kiosk.id} (${kiosk.storeName}). It now shows "not enrolled".`);
        return 0;
      }
    }
  } finally {
    await database.close();
  }
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return error.issues.map((i) => i.message).join('\n');
  if (
    error instanceof Error &&
    'code' in error &&
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
  ) {
    return `That port is already in use: ${error.message}`;
  }
  if (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    return `${error.message}\nRun "npm run server -- help" for the options.`;
  }
  return error instanceof Error ? error.message : String(error);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`Error: ${describe(error)}\n`);
    if (error instanceof UsageError)
      process.stderr.write('Run "npm run server -- help" for usage.\n');
    process.exit(error instanceof UsageError ? 64 : 1);
  },
);
