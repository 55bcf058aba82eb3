import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { systemClock } from '../server/src/clock';
import { loadRefillPinKey } from '../server/src/secrets';
import { generatePins } from '../server/src/billing/refill-pins';
import { SubscriberAdmin } from '../server/src/account/subscriber-admin';
import { CONTENDED_CPU_PERCENT, type BenchContext } from './lib/context';
import { machineCpuPercent, readCpuTimes } from './lib/machine';
import { DATA_DIR } from './lib/paths';
import type {
  RefillClient,
  RefillLoadFigures,
  RefillLoadJob,
  RefillOutcome,
} from './lib/refill-client';
import { removeSqliteFile, signIn, startAirtime, type AirtimeServer } from './lib/servers';
import { fixed, formatTable, integer, percent } from './lib/table';

const CLIENT_ENTRY = fileURLToPath(new URL('./lib/refill-client.ts', import.meta.url));
const PASSWORD = 'Bench-Refill-Lantern-2026';
/** Every PIN is worth the same, so each receipt's balance after is predictable. */
const PIN_VALUE_CENTS = 10_00;
/** Refills each concurrent client makes in the measured run (after a warm-up of 5). */
const REFILLS_PER_CLIENT = 30;
const WARMUP_PER_CLIENT = 5;
/** Refills of the single client, one at a time (after a warm-up of 20). */
const SEQUENTIAL_REFILLS = 300;
const SEQUENTIAL_WARMUP = 20;
/** Every 5th refill is resent with its key after its answer: a retry after a lost answer. */
const RETRY_EVERY = 5;
/** Every 10th refill is sent twice at once: a double click. */
const DOUBLE_EVERY = 10;
/**
 * The cheap authenticated GET the refill throughput is compared with: the bearer-token check and
 * small indexed reads of an empty card list.
 */
const BASELINE_PATH = '/v1/account/payment-methods';

type Reply = { ok: true; figures: RefillLoadFigures } | { ok: false; message: string };

interface Run {
  label: string;
  clients: number;
  figures: RefillLoadFigures;
  /** First sends per second (refills, or GETs for the baseline). */
  opsPerSecond: number;
  /** Every request per second, duplicates included. */
  requestsPerSecond: number;
  serverCpuPercent: number;
  clientCpuPercent: number;
  otherCpuPercent: number | null;
}

const UNREDEEMED = '(not redeemed)';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

function latency(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((t, s) => t + s, 0) / sorted.length,
  };
}

function ask(child: ChildProcess, job: RefillLoadJob): Promise<RefillLoadFigures> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`refill load generator exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      if (reply.ok) resolve(reply.figures);
      else reject(new Error(`refill load generator failed: ${reply.message}`));
    });
    child.send(job);
  });
}

/** Runs one job from the load process; the CPU this process uses meanwhile is the server's. */
async function measure(child: ChildProcess, label: string, job: RefillLoadJob): Promise<Run> {
  const machineBefore = readCpuTimes();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const figures = await ask(child, job);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const machine = machineCpuPercent(machineBefore, readCpuTimes());
  const serverCpuPercent = ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100;
  const clientCpuPercent = (figures.clientCpuSeconds / (figures.wallMs / 1000)) * 100;
  const seconds = figures.wallMs / 1000;
  return {
    label,
    clients: job.clients.length,
    figures,
    opsPerSecond: figures.firstMs.length / seconds,
    requestsPerSecond: (figures.firstMs.length + figures.duplicateMs.length) / seconds,
    serverCpuPercent,
    clientCpuPercent,
    otherCpuPercent:
      machine === null ? null : Math.max(0, machine - serverCpuPercent - clientCpuPercent),
  };
}

/** A fresh database of one kind for this bench; `drop` closes nothing, only removes it. */
async function benchDatabase(
  kind: 'sqlite' | 'postgres',
  pgUrl: string | undefined,
): Promise<{ location: string; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const file = path.join(DATA_DIR, 'refills.sqlite');
    removeSqliteFile(file);
    return { location: file, drop: async () => removeSqliteFile(file) };
  }
  const name = `airtime_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgUrl!);
  url.pathname = `/${name}`;
  return {
    location: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** `count` subscribers with a session each, signed in over HTTP as the desktop app does. */
async function signedInSubscribers(
  server: AirtimeServer,
  count: number,
): Promise<{ id: string; token: string }[]> {
  const admin = new SubscriberAdmin(server.database.db, systemClock);
  const made: { id: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    const phone = `+1206300${String(i).padStart(4, '0')}`;
    const { id } = await admin.add({
      phone,
      name: `Refill Bench ${i}`,
      email: `refill-bench-${i}@example.com`,
      planId: 'starter-5gb',
      password: PASSWORD,
    });
    made.push({ id, token: await signIn(server.url, phone, PASSWORD) });
  }
  return made;
}

interface Check {
  what: string;
  expected: string;
  found: string;
}

/**
 * What must hold after every refill of the run, read from the database and the API: each PIN
 * redeemed once by the client it was given to, one payment, ledger credit and stored answer per
 * key, duplicates answered with the first receipt, and balances that add up.
 */
async function verify(
  server: AirtimeServer,
  subscribers: { id: string; token: string }[],
  pinsGiven: Map<string, number>,
  runs: Run[],
): Promise<Check[]> {
  const { db } = server.database;
  const issued = [...pinsGiven.values()].reduce((t, n) => t + n, 0);
  const pins = await db.selectFrom('refill_pins').select(['redeemed_by']).execute();
  const payments = await db
    .selectFrom('payments')
    .select(['id', 'subscriber_id'])
    .where('method', '=', 'refill_pin')
    .execute();
  const ledger = await db
    .selectFrom('ledger_entries')
    .select(['subscriber_id', 'kind', 'amount_cents'])
    .execute();
  const operations = await db
    .selectFrom('idempotent_operations')
    .select(['subscriber_id', 'state'])
    .where('operation', '=', 'refill')
    .execute();
  const outcomes: RefillOutcome[] = runs.flatMap((r) => r.figures.outcomes);
  const duplicates = runs.reduce((t, r) => t + r.figures.duplicateMs.length, 0);
  const mismatched = runs.reduce((t, r) => t + r.figures.mismatched, 0);
  const nonCreated = runs.reduce(
    (t, r) =>
      t +
      Object.entries(r.figures.statuses)
        .filter(([status]) => status !== '201')
        .reduce((s, [, n]) => s + n, 0) +
      r.figures.errors,
    0,
  );

  const byPin = new Map<string, number>();
  for (const p of pins) {
    const who = p.redeemed_by ?? UNREDEEMED;
    byPin.set(who, (byPin.get(who) ?? 0) + 1);
  }
  const pinsMatch = [...pinsGiven].every(([id, n]) => byPin.get(id) === n);

  // Each client refills one at a time, so its receipts' balances climb by one PIN each.
  const lastBalance = new Map<number, number>();
  let chainBroken = 0;
  for (const o of outcomes) {
    const expected = (lastBalance.get(o.client) ?? 0) + PIN_VALUE_CENTS;
    if (o.balanceAfterCents !== expected) chainBroken++;
    lastBalance.set(o.client, o.balanceAfterCents ?? expected);
  }

  let balancesMatch = 0;
  for (const s of subscribers) {
    const entries = ledger.filter((e) => e.subscriber_id === s.id);
    const sum = entries.reduce((t, e) => t + e.amount_cents, 0);
    const response = await fetch(`${server.url}/v1/account/summary`, {
      headers: { authorization: `Bearer ${s.token}` },
    });
    const summary = (await response.json()) as { balance: { amountCents: number } };
    const given = pinsGiven.get(s.id) ?? 0;
    if (summary.balance.amountCents === sum && sum === given * PIN_VALUE_CENTS) balancesMatch++;
  }

  const refillCredits = ledger.filter((e) => e.kind === 'refill').length;
  const done = operations.filter((o) => o.state === 'done').length;
  return [
    {
      what: 'PINs redeemed, each by the client given it',
      expected: integer(issued),
      found: pinsMatch
        ? integer(issued)
        : `${integer(pins.length - (byPin.get(UNREDEEMED) ?? 0))} redeemed, not as given`,
    },
    { what: 'refill payments', expected: integer(issued), found: integer(payments.length) },
    {
      what: 'distinct payment ids in receipts',
      expected: integer(outcomes.length),
      found: integer(new Set(outcomes.map((o) => o.paymentId)).size),
    },
    { what: 'refill ledger credits', expected: integer(issued), found: integer(refillCredits) },
    {
      what: 'refill operations done (none pending)',
      expected: `${integer(issued)} done, 0 other`,
      found: `${integer(done)} done, ${integer(operations.length - done)} other`,
    },
    {
      what: 'duplicates answered with the first receipt',
      expected: integer(duplicates),
      found: integer(duplicates - mismatched),
    },
    { what: 'answers other than 201 (and errors)', expected: '0', found: integer(nonCreated) },
    {
      what: 'receipts whose balance after is one PIN up',
      expected: integer(outcomes.length),
      found: integer(outcomes.length - chainBroken),
    },
    {
      what: 'subscribers with API balance = ledger sum = PINs',
      expected: integer(subscribers.length),
      found: integer(balancesMatch),
    },
  ];
}

function loadRow(run: Run, baseline?: Run): string[] {
  const first = latency(run.figures.firstMs);
  const failed =
    Object.entries(run.figures.statuses)
      .filter(([status]) => !status.startsWith('2'))
      .reduce((t, [, n]) => t + n, 0) + run.figures.errors;
  return [
    run.label,
    String(run.clients),
    integer(run.figures.firstMs.length + run.figures.duplicateMs.length),
    integer(run.requestsPerSecond),
    integer(run.opsPerSecond),
    fixed(first.p50, 1),
    fixed(first.p99, 1),
    fixed(first.mean, 2),
    baseline ? percent(run.opsPerSecond / baseline.opsPerSecond, 1) : '',
    percent(run.serverCpuPercent / 100),
    percent(run.clientCpuPercent / 100),
    run.otherCpuPercent === null ? 'n/a' : percent(run.otherCpuPercent / 100),
    integer(failed),
  ];
}

/**
 * Refill PINs under load: the real API in this process (SQLite file; PostgreSQL too when
 * `AIRTIME_BENCH_PG_URL` names a server), 100 simulated desktop clients (`--connections`) in a
 * load process, each its own subscriber, redeeming PINs one after another with a fresh
 * Idempotency-Key each, resending some keys (retries, double clicks). Beside it: the same clients
 * on a cheap authenticated GET, and one client refilling alone. Then every PIN, payment, ledger
 * entry and balance is checked.
 */
export async function refillsBench(ctx: BenchContext): Promise<void> {
  const clientCount = ctx.load.connections;
  ctx.print(
    `\n## refills: POST /v1/account/refill, ${clientCount} clients × ${REFILLS_PER_CLIENT} PINs, every ${RETRY_EVERY}th resent after its answer and every ${DOUBLE_EVERY}th sent twice at once\n`,
  );
  const pgUrl = process.env['AIRTIME_BENCH_PG_URL'];
  const kinds: ('sqlite' | 'postgres')[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

  for (const kind of kinds) {
    const { location, drop } = await benchDatabase(kind, pgUrl);
    const child = fork(CLIENT_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let server: AirtimeServer | undefined;
    try {
      server = await startAirtime({ dbFile: location, clock: systemClock, authRateLimit: 0 });
      ctx.progress(`${kind}: ${clientCount + 1} subscribers, signed in over HTTP`);
      const subscribers = await signedInSubscribers(server, clientCount + 1);
      const alone = subscribers.pop()!;
      const pinKey = await loadRefillPinKey(server.database.db, systemClock);
      const pinsGiven = new Map<string, number>();
      const makePins = async (id: string, count: number, batch: string) => {
        pinsGiven.set(id, (pinsGiven.get(id) ?? 0) + count);
        return (
          await generatePins(server!.database.db, systemClock, pinKey, {
            count,
            valueCents: PIN_VALUE_CENTS,
            batch,
          })
        ).pins;
      };
      const clientsWith = async (perClient: number, batch: string): Promise<RefillClient[]> => {
        const clients: RefillClient[] = [];
        for (const s of subscribers)
          clients.push({ token: s.token, pins: await makePins(s.id, perClient, batch) });
        return clients;
      };
      ctx.progress(
        `${kind}: ${integer(clientCount * (WARMUP_PER_CLIENT + REFILLS_PER_CLIENT) + SEQUENTIAL_WARMUP + SEQUENTIAL_REFILLS)} refill PINs`,
      );
      const warmup = await clientsWith(WARMUP_PER_CLIENT, 'bench-warmup');
      const measured = await clientsWith(REFILLS_PER_CLIENT, 'bench-measured');
      const aloneWarmup = await makePins(alone.id, SEQUENTIAL_WARMUP, 'bench-alone-warmup');
      const aloneMeasured = await makePins(alone.id, SEQUENTIAL_REFILLS, 'bench-alone');

      const base = { url: server.url, retryEvery: 0, doubleEvery: 0 };
      // Idempotency-Keys are 8 to 128 characters; the run's id keeps them unique across jobs.
      const runId = randomBytes(6).toString('hex');
      const gets = (n: number) =>
        subscribers.map((s) => ({ token: s.token, pins: Array(n).fill('') }));
      ctx.progress(`${kind}: GET ${BASELINE_PATH}, ${clientCount} clients (baseline)`);
      await ask(child, {
        ...base,
        kind: 'get',
        getPath: BASELINE_PATH,
        keyPrefix: `bench_${runId}_g`,
        clients: gets(WARMUP_PER_CLIENT),
      });
      const baseline = await measure(child, `GET ${BASELINE_PATH} (baseline)`, {
        ...base,
        kind: 'get',
        getPath: BASELINE_PATH,
        keyPrefix: `bench_${runId}_g`,
        clients: gets(REFILLS_PER_CLIENT),
      });

      ctx.progress(`${kind}: refills, 1 client, one at a time`);
      const runs: Run[] = [];
      const aloneIndex = subscribers.length;
      const one = (pins: string[]): RefillClient[] => [{ token: alone.token, pins }];
      // The load process numbers clients from 0 in every job; the lone client's outcomes are
      // renumbered so the balance check follows each subscriber across jobs.
      const renumber = (run: Run, client: number): Run => {
        for (const o of run.figures.outcomes) o.client = client;
        return run;
      };
      runs.push(
        renumber(
          await measure(child, 'warm-up', {
            ...base,
            kind: 'refill',
            keyPrefix: `bench_${runId}_aw`,
            clients: one(aloneWarmup),
          }),
          aloneIndex,
        ),
      );
      const sequential = renumber(
        await measure(child, 'POST /v1/account/refill, one at a time', {
          ...base,
          kind: 'refill',
          keyPrefix: `bench_${runId}_a`,
          clients: one(aloneMeasured),
        }),
        aloneIndex,
      );
      runs.push(sequential);

      ctx.progress(`${kind}: refills, ${clientCount} clients with retries and double clicks`);
      const load = {
        ...base,
        kind: 'refill' as const,
        retryEvery: RETRY_EVERY,
        doubleEvery: DOUBLE_EVERY,
      };
      runs.push(
        await measure(child, 'warm-up', {
          ...load,
          keyPrefix: `bench_${runId}_w`,
          clients: warmup,
        }),
      );
      const concurrent = await measure(child, `POST /v1/account/refill, concurrent`, {
        ...load,
        keyPrefix: `bench_${runId}_m`,
        clients: measured,
      });
      runs.push(concurrent);

      ctx.progress(`${kind}: checking every PIN, payment, ledger entry and balance`);
      const checks = await verify(server, [...subscribers, alone], pinsGiven, runs);

      ctx.print(`### ${kind}\n`);
      ctx.print(
        formatTable(
          [
            'case',
            'clients',
            'requests',
            'req/s',
            'ops/s',
            'p50 ms',
            'p99 ms',
            'mean ms',
            'vs GET',
            'srv CPU',
            'load CPU',
            'other CPU',
            'failed',
          ],
          [loadRow(baseline), loadRow(sequential, baseline), loadRow(concurrent, baseline)],
        ),
      );
      ctx.print(
        `\nops/s = GETs, or refills (first sends of a key) per second; req/s adds the resent keys. Latency is of the ops.\n`,
      );
      const byRequest = [
        ['first sends of a key', concurrent.figures.firstMs],
        [`resent after the answer (every ${RETRY_EVERY}th)`, concurrent.figures.retryMs],
        [`second of a double click (every ${DOUBLE_EVERY}th)`, concurrent.figures.twinMs],
      ] as const;
      ctx.print(
        formatTable(
          [`concurrent refills by request`, 'requests', 'p50 ms', 'p99 ms', 'mean ms'],
          byRequest.map(([label, samples]) => {
            const l = latency(samples);
            return [
              label,
              integer(samples.length),
              fixed(l.p50, 1),
              fixed(l.p99, 1),
              fixed(l.mean, 2),
            ];
          }),
        ),
      );
      ctx.print('');
      ctx.print(
        formatTable(
          ['ratio', 'figure'],
          [
            [
              `refills/s at ${clientCount} clients ÷ GET/s at ${clientCount} clients`,
              fixed(concurrent.opsPerSecond / baseline.opsPerSecond, 3),
            ],
            [
              `refills/s at ${clientCount} clients ÷ refills/s one at a time`,
              fixed(concurrent.opsPerSecond / sequential.opsPerSecond, 2),
            ],
            [
              `server CPU per refill (its resends included) ÷ per GET`,
              fixed(
                concurrent.serverCpuPercent /
                  concurrent.opsPerSecond /
                  (baseline.serverCpuPercent / baseline.opsPerSecond),
                2,
              ),
            ],
          ],
        ),
      );
      ctx.print('');
      const failed = checks.filter((c) => c.found !== c.expected);
      ctx.print(
        formatTable(
          ['check (all runs, warm-ups included)', 'expected', 'found', ''],
          checks.map((c) => [
            c.what,
            c.expected,
            c.found,
            c.found === c.expected ? 'ok' : 'FAILED',
          ]),
        ),
      );
      const contended = [baseline, sequential, concurrent].filter(
        (r) => (r.otherCpuPercent ?? 0) > CONTENDED_CPU_PERCENT,
      );
      if (contended.length)
        ctx.print(
          `\nwarning: other processes used over ${CONTENDED_CPU_PERCENT} % CPU during: ${contended.map((r) => r.label).join('; ')}. Those figures are low; run again on a quiet machine.`,
        );
      ctx.print();
      if (failed.length) {
        const statuses = runs.map((r) => `${r.label}: ${JSON.stringify(r.figures.statuses)}`);
        ctx.print(`answers by status: ${statuses.join('; ')}`);
        throw new Error(
          `refills on ${kind}: ${failed.map((c) => `${c.what}: expected ${c.expected}, found ${c.found}`).join('; ')}`,
        );
      }
    } finally {
      child.kill();
      await server?.close();
      await drop();
    }
  }
  if (!pgUrl)
    ctx.print(
      'PostgreSQL: not measured (set AIRTIME_BENCH_PG_URL=postgres://… to add it beside SQLite).',
    );
}
