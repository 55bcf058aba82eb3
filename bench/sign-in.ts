import path from 'node:path';
import { sql } from 'kysely';
import { systemClock } from '../server/src/clock';
import { DEMO_SUBSCRIBERS, seedDemo } from '../server/src/demo/seed-demo';
import { ARGON2_OPTIONS, verifyPassword } from '../server/src/auth/passwords';
import { measureLoad, type LoadTarget } from './lib/autocannon';
import { CONTENDED_CPU_PERCENT, formatLoadTable, type BenchContext } from './lib/context';
import { DATA_DIR } from './lib/paths';
import { removeSqliteFile, signIn, startAirtime } from './lib/servers';
import { fixed, formatTable, integer, percent } from './lib/table';
import { timeCalls } from './lib/timing';

/** argon2 runs on libuv's thread pool; this many verifies can be in flight at once. */
const THREAD_POOL_SIZE = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);
/**
 * Twice the pool keeps every argon2 thread busy. Many more only lengthens the queue: at ~80
 * sign-ins/s, 100 connections means ~1.2 s per request and only a few rounds per run.
 */
const THROUGHPUT_CONNECTIONS = THREAD_POOL_SIZE * 2;

function mostOtherCpu(...readings: (number | null)[]): number | null {
  const known = readings.filter((r): r is number => r !== null);
  return known.length ? Math.max(...known) : null;
}

/** `POST /v1/auth/sign-in` with the right password, and argon2 verify alone in this process. */
export async function signInBench(ctx: BenchContext): Promise<void> {
  ctx.print(
    '\n## sign-in: POST /v1/auth/sign-in (right password, per-client limiter off) vs argon2 verify alone\n',
  );
  const dbFile = path.join(DATA_DIR, 'sign-in-demo.sqlite');
  removeSqliteFile(dbFile);
  const server = await startAirtime({
    dbFile,
    clock: systemClock,
    authRateLimit: 0,
    prepare: async (database) => void (await seedDemo(database.db, systemClock)),
  });
  try {
    const demo = DEMO_SUBSCRIBERS[0]!;
    await signIn(server.url, demo.display, demo.password);
    const { hash } = await sql<{
      hash: string;
    }>`select password_hash as hash from subscribers where phone = ${demo.phone}`
      .execute(server.database.db)
      .then((r) => r.rows[0]!);
    if (!(await verifyPassword(hash, demo.password)))
      throw new Error('the demo password does not verify');

    ctx.progress('argon2 verify, one at a time (one core)');
    const verify = () => verifyPassword(hash, demo.password);
    const oneCore = await timeCalls(verify, { warmupCalls: 3, seconds: 3, minCalls: 20 });
    ctx.progress(`argon2 verify, ${THREAD_POOL_SIZE} in flight (the whole thread pool)`);
    const pool = await timeCalls(verify, {
      warmupCalls: 0,
      seconds: 3,
      minCalls: 20,
      concurrency: THREAD_POOL_SIZE,
    });

    const target: LoadTarget = {
      url: `${server.url}/v1/auth/sign-in`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: demo.display, password: demo.password }),
    };
    ctx.progress(`POST /v1/auth/sign-in, 1 connection, ${ctx.load.durationSeconds} s`);
    const single = await measureLoad(target, { ...ctx.load, connections: 1 });
    ctx.progress(
      `POST /v1/auth/sign-in, ${THROUGHPUT_CONNECTIONS} connections, ${ctx.load.durationSeconds} s`,
    );
    const loaded = await measureLoad(target, { ...ctx.load, connections: THROUGHPUT_CONNECTIONS });

    ctx.print(
      formatLoadTable([
        { label: 'POST /v1/auth/sign-in (latency)', result: single },
        { label: 'POST /v1/auth/sign-in (throughput)', result: loaded },
      ]),
    );
    const other = mostOtherCpu(oneCore.otherCpuPercent, pool.otherCpuPercent);
    const params = `m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}`;
    ctx.print('');
    ctx.print(
      formatTable(
        [`argon2id verify (${params}), same process`, 'figure'],
        [
          ['verify time p50, one at a time', `${fixed(oneCore.p50Ms, 2)} ms`],
          ['verify time p99, one at a time', `${fixed(oneCore.p99Ms, 2)} ms`],
          ['share of sign-in p50 at 1 connection', percent(oneCore.p50Ms / single.latencyP50Ms)],
          ['verifies/s on one core', fixed(oneCore.perSecond, 1)],
          [`verifies/s, ${THREAD_POOL_SIZE} in flight (thread pool)`, fixed(pool.perSecond, 1)],
          ['sign-ins/s at 1 connection', fixed(single.requestsPerSecond, 1)],
          [`sign-ins/s at ${loaded.connections} connections`, fixed(loaded.requestsPerSecond, 1)],
          [
            `sign-ins/s at ${loaded.connections} conns ÷ verifies/s ${THREAD_POOL_SIZE} in flight`,
            percent(loaded.requestsPerSecond / pool.perSecond),
          ],
          ['verify calls timed', integer(oneCore.calls + pool.calls)],
          ["other processes' CPU while timing", other === null ? 'n/a' : percent(other / 100)],
        ],
      ),
    );
    if (other !== null && other > CONTENDED_CPU_PERCENT) {
      ctx.print(
        'warning: other processes competed for the CPU while argon2 was timed; those figures are low.',
      );
    }
  } finally {
    await server.close();
  }
}
