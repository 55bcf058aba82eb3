/**
 * Builds (or reuses) a SQLite database of N generated subscribers for the scale bench:
 *
 *   npx tsx bench/generate-subscribers.ts --subscribers 1000000 [--force]
 *
 * The schema comes from the server's own migrations; rows go in through better-sqlite3 prepared
 * statements, one transaction per batch, with the journal and fsync off (a half-built file is
 * never reused: it is built under a `.partial` name and renamed when complete).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '../server/src/db/database';
import { hashPassword } from '../server/src/auth/passwords';
import { PLAN_CATALOGUE } from '../server/src/db/migrations/002-plan-catalogue';
import {
  addDays,
  cycleContaining,
  dayToMs,
  type BillingCycle,
} from '../server/src/billing/billing-cycle';
import { renewalCharges } from '../server/src/billing/charges';
import { storedLineItem } from '../server/src/billing/line-items';
import { HOUR_MS } from '../server/src/clock';
import { DATA_DIR } from './lib/paths';
import { removeSqliteFile } from './lib/servers';
import { bytes } from './lib/table';

/** Bump when the generated data changes shape, so old files are rebuilt rather than reused. */
const GENERATOR_VERSION = 1;
/** The generated history ends on this day; benches on these files run a clock pinned to it. */
export const GENERATED_TODAY = '2026-11-25';
/** Every generated subscriber has this password (one shared argon2 hash). */
export const GENERATED_PASSWORD = 'Bench-Lantern-2026';
/** Phone numbers are +1 206 2xx-xxxx upwards, so this is the most the scheme can number. */
export const MAX_GENERATED_SUBSCRIBERS = 5_000_000;

const BATCH = 10_000;

export interface GeneratedDatabase {
  file: string;
  subscribers: number;
  today: string;
  bytes: number;
  rows: Record<string, number>;
  buildSeconds: number;
  reused: boolean;
}

interface Meta {
  version: number;
  subscribers: number;
  today: string;
  rows: Record<string, number>;
  buildSeconds: number;
}

/** Short ids (not UUIDs) keep the 1M file near 2 GB; zero-padded so insertion order is key order. */
export function generatedSubscriberId(index: number): string {
  return `s${String(index).padStart(7, '0')}`;
}

export function generatedPhone(index: number): string {
  return `+1206${200 + Math.floor(index / 10_000)}${String(index % 10_000).padStart(4, '0')}`;
}

/** mulberry32: deterministic, so every machine builds the same data. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface CycleFacts {
  cycle: BillingCycle;
  issuedAt: number;
  /** Paid the afternoon before renewal. */
  paidAt: number;
}

/** Everything that depends only on the renewal day, worked out once instead of per subscriber. */
function cyclesByAnchor(today: string) {
  const facts = (cycle: BillingCycle): CycleFacts => ({
    cycle,
    issuedAt: dayToMs(cycle.start) + 6 * HOUR_MS,
    paidAt: dayToMs(addDays(cycle.start, -1)) + 15 * HOUR_MS,
  });
  return Array.from({ length: 29 }, (_, anchor) => {
    if (anchor === 0) return null;
    const current = cycleContaining(anchor, today);
    const previous = cycleContaining(anchor, addDays(current.start, -1));
    const usageDays: string[] = [];
    for (let d = current.start; d <= today; d = addDays(d, 1)) usageDays.push(d);
    return { current: facts(current), previous: facts(previous), usageDays };
  });
}

const PLANS = PLAN_CATALOGUE.map((plan) => {
  const charges = renewalCharges(plan).map((c) => ({ ...c, item: storedLineItem(c.item) }));
  return {
    plan,
    charges,
    total: charges.reduce((t, c) => t + c.amountCents, 0),
    dailyDataMb: ((plan.data_mb ?? 40 * 1024) * 0.6) / 30,
    dailyMinutes: plan.talk_minutes ? plan.talk_minutes / 45 : 40,
    dailyTexts: plan.texts ? plan.texts / 45 : 60,
  };
});

async function build(
  file: string,
  subscribers: number,
  today: string,
  log: (line: string) => void,
): Promise<Meta> {
  const started = performance.now();
  const partial = `${file}.partial`;
  removeSqliteFile(partial);
  const migrated = openDatabase(partial);
  await migrateToLatest(migrated.db);
  await migrated.close();

  const passwordHash = await hashPassword(GENERATED_PASSWORD);
  const db = new SqliteDatabase(partial);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');

  const insert = {
    subscriber: db.prepare(
      `insert into subscribers (id, phone, name, email, password_hash, plan_id, status, cycle_anchor_day, created_at,
         failed_attempts, locked_until, last_locked_at, lock_level) values (?, ?, ?, ?, ?, ?, 'active', ?, ?, 0, null, null, 0)`,
    ),
    statement: db.prepare(
      `insert into statements (id, subscriber_id, period_start, period_end, issued_at, due_date, plan_name, total_cents, currency)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    line: db.prepare(
      'insert into statement_lines (id, statement_id, position, kind, item, amount_cents) values (?, ?, ?, ?, ?, ?)',
    ),
    payment: db.prepare(
      `insert into payments (id, subscriber_id, amount_cents, currency, method, card_last4, status, item, created_at, statement_id)
         values (?, ?, ?, ?, ?, ?, 'succeeded', ?, ?, ?)`,
    ),
    ledger: db.prepare(
      `insert into ledger_entries (id, subscriber_id, kind, amount_cents, currency, item, created_at, statement_id, payment_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    usage: db.prepare(
      'insert into usage_daily (subscriber_id, day, data_mb, minutes, texts) values (?, ?, ?, ?, ?)',
    ),
  };
  const rows = {
    subscribers: 0,
    statements: 0,
    statement_lines: 0,
    payments: 0,
    ledger_entries: 0,
    usage_daily: 0,
  };
  const anchors = cyclesByAnchor(today);
  const random = prng(0x41_17_13_e5);

  const insertRange = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = generatedSubscriberId(i);
      const p = PLANS[Math.floor(random() * PLANS.length)]!;
      const anchor = 1 + Math.floor(random() * 28);
      const cycles = anchors[anchor]!;
      // Half the accounts are older than this cycle and have last cycle's statement too.
      const history = random() < 0.5 ? [cycles.previous, cycles.current] : [cycles.current];
      const creditCents = random() < 0.25 ? (1 + Math.floor(random() * 8)) * 500 : 0;
      const cardLast4 = String(1000 + Math.floor(random() * 9000));
      const cardPayment = storedLineItem({
        kind: 'card_payment',
        brand: 'unknown',
        last4: cardLast4,
      });

      insert.subscriber.run(
        id,
        generatedPhone(i),
        `Subscriber ${i}`,
        `subscriber${i}@example.com`,
        passwordHash,
        p.plan.id,
        anchor,
        history[0]!.issuedAt,
      );
      rows.subscribers++;

      let ledgerNo = 0;
      history.forEach((facts, k) => {
        const statementId = `${id}-s${k}`;
        const { cycle } = facts;
        insert.statement.run(
          statementId,
          id,
          cycle.start,
          cycle.end,
          facts.issuedAt,
          cycle.start,
          p.plan.name,
          p.total,
          p.plan.currency,
        );
        rows.statements++;
        p.charges.forEach((c, position) => {
          insert.line.run(
            `${statementId}-${position}`,
            statementId,
            position,
            c.kind,
            c.item,
            c.amountCents,
          );
          insert.ledger.run(
            `${id}-l${ledgerNo++}`,
            id,
            c.kind === 'plan' ? 'plan_charge' : c.kind,
            -c.amountCents,
            p.plan.currency,
            c.item,
            facts.issuedAt,
            statementId,
            null,
          );
        });
        rows.statement_lines += p.charges.length;
        const paymentId = `${id}-p${k}`;
        const amount = p.total + (k === history.length - 1 ? creditCents : 0);
        insert.payment.run(
          paymentId,
          id,
          amount,
          p.plan.currency,
          'card',
          cardLast4,
          cardPayment,
          facts.paidAt,
          statementId,
        );
        insert.ledger.run(
          `${id}-l${ledgerNo++}`,
          id,
          'payment',
          amount,
          p.plan.currency,
          cardPayment,
          facts.paidAt,
          null,
          paymentId,
        );
        rows.payments++;
        rows.ledger_entries += p.charges.length + 1;
      });

      for (const day of cycles.usageDays) {
        insert.usage.run(
          id,
          day,
          Math.round(p.dailyDataMb * (0.4 + random() * 1.2)),
          Math.round(p.dailyMinutes * random()),
          Math.round(p.dailyTexts * random()),
        );
      }
      rows.usage_daily += cycles.usageDays.length;
    }
  });

  let reportedTenths = 0;
  for (let from = 0; from < subscribers; from += BATCH) {
    const to = Math.min(subscribers, from + BATCH);
    insertRange(from, to);
    const tenths = Math.floor((to * 10) / subscribers);
    if (tenths > reportedTenths && to < subscribers) {
      reportedTenths = tenths;
      log(
        `${to.toLocaleString('en-US')} of ${subscribers.toLocaleString('en-US')} subscribers (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  }
  db.close();
  fs.renameSync(partial, file);
  return {
    version: GENERATOR_VERSION,
    subscribers,
    today,
    rows,
    buildSeconds: (performance.now() - started) / 1000,
  };
}

function readMeta(file: string): Meta | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Meta;
  } catch {
    return null;
  }
}

/** The database for `subscribers`, built unless an identical one is already in bench/.data. */
export async function ensureSubscriberDatabase(
  subscribers: number,
  log: (line: string) => void,
  options: { force?: boolean } = {},
): Promise<GeneratedDatabase> {
  if (subscribers > MAX_GENERATED_SUBSCRIBERS) {
    throw new Error(
      `At most ${MAX_GENERATED_SUBSCRIBERS.toLocaleString('en-US')} subscribers can be generated.`,
    );
  }
  const file = path.join(DATA_DIR, `subscribers-${subscribers}.sqlite`);
  const metaFile = `${file}.json`;
  const meta = readMeta(metaFile);
  const reusable =
    !options.force &&
    fs.existsSync(file) &&
    meta?.version === GENERATOR_VERSION &&
    meta.subscribers === subscribers &&
    meta.today === GENERATED_TODAY;
  let built: Meta;
  if (reusable) {
    built = meta;
  } else {
    log(
      `building ${path.relative(process.cwd(), file)} (${subscribers.toLocaleString('en-US')} subscribers)`,
    );
    fs.mkdirSync(DATA_DIR, { recursive: true });
    fs.rmSync(metaFile, { force: true });
    removeSqliteFile(file);
    built = await build(file, subscribers, GENERATED_TODAY, log);
    fs.writeFileSync(metaFile, `${JSON.stringify(built, null, 2)}\n`);
  }
  return {
    file,
    subscribers,
    today: built.today,
    bytes: fs.statSync(file).size,
    rows: built.rows,
    buildSeconds: built.buildSeconds,
    reused: reusable,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { subscribers: { type: 'string', default: '1000000' }, force: { type: 'boolean' } },
  });
  const subscribers = Number(values.subscribers.replace(/_/g, ''));
  if (!Number.isInteger(subscribers) || subscribers < 1)
    throw new Error('--subscribers must be a positive whole number.');
  const generated = await ensureSubscriberDatabase(
    subscribers,
    (line) => process.stderr.write(`  … ${line}\n`),
    {
      force: values.force ?? false,
    },
  );
  const total = Object.values(generated.rows).reduce((t, n) => t + n, 0);
  process.stdout.write(
    `${generated.reused ? 'reused' : 'built'} ${generated.file}\n` +
      `  ${bytes(generated.bytes)}, ${total.toLocaleString('en-US')} rows, built in ${generated.buildSeconds.toFixed(0)} s\n` +
      Object.entries(generated.rows)
        .map(([table, n]) => `  ${table.padEnd(16)} ${n.toLocaleString('en-US').padStart(12)}\n`)
        .join(''),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
