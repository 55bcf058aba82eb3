import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ManualClock } from '../server/src/clock';
import { AccessTokens } from '../server/src/auth/tokens';
import { loadTokenSecret } from '../server/src/secrets';
import { DEFAULT_SESSION_POLICY } from '../server/src/auth/auth-service';
import { measureLoad, type Measurement } from './lib/autocannon';
import { formatLoadTable, type BenchContext, type LoadRow } from './lib/context';
import {
  BENCH_USER_AGENT,
  expectOk,
  signIn,
  startAirtime,
  type AirtimeServer,
} from './lib/servers';
import { bytes, fixed, formatTable, integer, percent } from './lib/table';
import {
  GENERATED_PASSWORD,
  ensureSubscriberDatabase,
  generatedPhone,
} from './generate-subscribers';

export const DEFAULT_SCALE_SUBSCRIBERS = 1_000;
/** Subscribers the "spread" run cycles through: enough that their rows cannot all stay in SQLite's page cache. */
const SPREAD_SUBSCRIBERS = 10_000;

/**
 * Signs in `count` random subscribers the quick way: a session row each plus an access token
 * signed with the server's key, which is what a sign-in leaves behind minus the argon2 work.
 */
async function spreadTokens(server: AirtimeServer, count: number): Promise<string[]> {
  const { db } = server.database;
  const { rows } = await sql<{
    id: string;
  }>`select id from subscribers order by random() limit ${count}`.execute(db);
  const now = server.clock.now();
  const sessions = rows.map(({ id }) => ({
    id: randomUUID(),
    subscriber_id: id,
    created_at: now,
    expires_at: now + DEFAULT_SESSION_POLICY.sessionMaxMs,
    last_used_at: now,
    revoked_at: null,
    user_agent: BENCH_USER_AGENT,
    ip: null,
  }));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < sessions.length; i += 500) {
      await trx
        .insertInto('sessions')
        .values(sessions.slice(i, i + 500))
        .execute();
    }
  });
  const tokens = new AccessTokens(await loadTokenSecret(db, server.clock));
  return Promise.all(
    sessions.map((s) => tokens.issue({ subscriberId: s.subscriber_id, sessionId: s.id }, now)),
  );
}

/** The generated files are reused, so the sessions a run adds are taken out again. */
async function removeBenchSessions(server: AirtimeServer): Promise<void> {
  await server.database.db
    .deleteFrom('sessions')
    .where('user_agent', '=', BENCH_USER_AGENT)
    .execute();
}

function subscribersLabel(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0
    ? `${n / 1_000_000}M`
    : n >= 1_000 && n % 1_000 === 0
      ? `${n / 1_000}k`
      : String(n);
}

/** `GET /v1/account/summary` on generated databases of each size in `sizes`. */
export async function scaleBench(ctx: BenchContext, sizes: number[]): Promise<void> {
  ctx.print(
    `\n## scale: GET /v1/account/summary with ${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} subscribers (SQLite)\n`,
  );
  const hello = await ctx.helloBaseline();
  const loadRows: LoadRow[] = [{ label: 'bare Fastify GET /hello', result: hello }];
  const fileRows: string[][] = [];
  const bySize: { n: number; one: Measurement; spread: Measurement }[] = [];

  for (const n of sizes) {
    const generated = await ensureSubscriberDatabase(n, (line) => ctx.progress(line));
    // Pinned to the day the generated history ends: "this cycle" stays this cycle and tokens never expire.
    const clock = new ManualClock(`${generated.today}T12:00:00.000Z`);
    const server = await startAirtime({ dbFile: generated.file, clock });
    try {
      const url = `${server.url}/v1/account/summary`;
      const token = await signIn(server.url, generatedPhone(0), GENERATED_PASSWORD);
      await expectOk(url, token);
      const spreadCount = Math.min(n, SPREAD_SUBSCRIBERS);
      const tokens = await spreadTokens(server, spreadCount);
      await expectOk(url, tokens[0]!);

      ctx.progress(
        `${subscribersLabel(n)}: one subscriber, ${ctx.load.connections} connections, ${ctx.load.durationSeconds} s`,
      );
      const one = await measureLoad(
        { url, method: 'GET', headers: { authorization: `Bearer ${token}` } },
        ctx.load,
      );
      ctx.progress(
        `${subscribersLabel(n)}: ${spreadCount.toLocaleString('en-US')} random subscribers, ${ctx.load.durationSeconds} s`,
      );
      const spread = await measureLoad({ url, method: 'GET', bearerTokens: tokens }, ctx.load);

      loadRows.push(
        {
          label: `${subscribersLabel(n)} subscribers, one subscriber`,
          result: one,
          baseline: hello,
        },
        {
          label: `${subscribersLabel(n)} subscribers, ${integer(spreadCount)} random`,
          result: spread,
          baseline: hello,
        },
      );
      bySize.push({ n, one, spread });
      const totalRows = Object.values(generated.rows).reduce((t, r) => t + r, 0);
      fileRows.push([
        n.toLocaleString('en-US'),
        bytes(generated.bytes),
        integer(totalRows),
        integer(generated.rows['usage_daily'] ?? 0),
        generated.reused ? 'reused' : `built in ${fixed(generated.buildSeconds, 0)} s`,
      ]);
    } finally {
      await removeBenchSessions(server);
      await server.close();
    }
  }

  ctx.print(formatLoadTable(loadRows));
  ctx.print('');
  ctx.print(formatTable(['subscribers', 'file', 'rows', 'usage rows', 'database'], fileRows));
  const [smallest, ...larger] = bySize;
  if (smallest) {
    for (const b of larger) {
      ctx.print(
        `\n${subscribersLabel(b.n)} vs ${subscribersLabel(smallest.n)} throughput: one subscriber ${percent(b.one.requestsPerSecond / smallest.one.requestsPerSecond, 1)}, ` +
          `random subscribers ${percent(b.spread.requestsPerSecond / smallest.spread.requestsPerSecond, 1)}`,
      );
    }
  }
}
