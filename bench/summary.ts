import path from 'node:path';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { systemClock } from '../server/src/clock';
import { DEMO_SUBSCRIBERS, seedDemo } from '../server/src/demo/seed-demo';
import { AccessTokens } from '../server/src/auth/tokens';
import { loadTokenSecret } from '../server/src/secrets';
import { AuthService } from '../server/src/auth/auth-service';
import { AccountService } from '../server/src/account/account-service';
import { DEFAULT_LOCKOUT_POLICY } from '../server/src/auth/lockout-policy';
import { AccountSummary } from '../contract/http/account';
import { measureLoad, type Measurement } from './lib/autocannon';
import { formatLoadTable, type BenchContext } from './lib/context';
import { DATA_DIR } from './lib/paths';
import {
  expectOk,
  removeSqliteFile,
  signIn,
  startAirtime,
  type AirtimeServer,
} from './lib/servers';
import { fixed, formatTable } from './lib/table';
import { timeCalls, type Timing } from './lib/timing';

/** Server CPU time one request cost during a load run, in microseconds. */
function cpuMicrosPerRequest(m: Measurement): number {
  return ((m.serverCpuPercent / 100) * 1e6) / m.requestsPerSecond;
}

/**
 * The parts of a summary request, called directly in this process one at a time: the bearer
 * token check, the account queries, and the response serializer the route uses.
 */
async function inProcessCosts(server: AirtimeServer, token: string) {
  const { db } = server.database;
  const tokens = new AccessTokens(await loadTokenSecret(db, server.clock));
  const auth = new AuthService(db, server.clock, tokens, DEFAULT_LOCKOUT_POLICY);
  const account = new AccountService(db, server.clock);
  const { subscriberId } = await auth.authenticate(token);
  const body = await account.summary(subscriberId);
  const serialize = serializerCompiler({
    schema: AccountSummary,
    method: 'GET',
    url: '/v1/account/summary',
    httpStatus: '200',
  });
  const options = { warmupCalls: 500, seconds: 1.5 };
  return {
    verify: await timeCalls(() => tokens.verify(token, server.clock.now()), options),
    authenticate: await timeCalls(() => auth.authenticate(token), options),
    summary: await timeCalls(() => account.summary(subscriberId), options),
    serialize: await timeCalls(async () => serialize(body), options),
  };
}

const cpuMicros = (t: Timing) => fixed(t.cpuMsPerCall * 1000);
const wallMicros = (t: Timing) => fixed(t.meanMs * 1000);

/** `GET /v1/account/summary` for one demo subscriber, beside bare Fastify. */
export async function summaryBench(ctx: BenchContext): Promise<void> {
  ctx.print(
    '\n## summary: GET /v1/account/summary (demo database, one subscriber) vs bare Fastify\n',
  );
  const hello = await ctx.helloBaseline();

  const dbFile = path.join(DATA_DIR, 'summary-demo.sqlite');
  removeSqliteFile(dbFile);
  const server = await startAirtime({
    dbFile,
    clock: systemClock,
    prepare: async (database) => void (await seedDemo(database.db, systemClock)),
  });
  let summary: Measurement;
  let costs: Awaited<ReturnType<typeof inProcessCosts>>;
  try {
    const demo = DEMO_SUBSCRIBERS[0]!;
    const token = await signIn(server.url, demo.display, demo.password);
    const url = `${server.url}/v1/account/summary`;
    await expectOk(url, token);
    ctx.progress(
      `GET /v1/account/summary as ${demo.name}, ${ctx.load.connections} connections, ${ctx.load.durationSeconds} s`,
    );
    summary = await measureLoad(
      { url, method: 'GET', headers: { authorization: `Bearer ${token}` } },
      ctx.load,
    );
    ctx.progress('the parts of a summary request, in-process');
    costs = await inProcessCosts(server, token);
  } finally {
    await server.close();
  }

  ctx.print(
    formatLoadTable([
      { label: 'bare Fastify GET /hello', result: hello },
      { label: 'GET /v1/account/summary', result: summary, baseline: hello },
    ]),
  );
  ctx.print(
    `\nsummary / hello throughput: ${fixed(summary.requestsPerSecond / hello.requestsPerSecond, 3)}\n`,
  );
  ctx.print(
    formatTable(
      ['where a summary request goes', 'CPU µs', 'wall µs'],
      [
        [
          'bare Fastify hello request, server CPU under load',
          fixed(cpuMicrosPerRequest(hello)),
          '',
        ],
        ['summary request, server CPU under load', fixed(cpuMicrosPerRequest(summary)), ''],
        [
          '  AccessTokens.verify(): HS256 JWT via jose',
          cpuMicros(costs.verify),
          wallMicros(costs.verify),
        ],
        [
          '  authenticate(): JWT + session query',
          cpuMicros(costs.authenticate),
          wallMicros(costs.authenticate),
        ],
        [
          '  AccountService.summary(): 3 queries',
          cpuMicros(costs.summary),
          wallMicros(costs.summary),
        ],
        [
          '  response serializer: zod encode + JSON',
          cpuMicros(costs.serialize),
          wallMicros(costs.serialize),
        ],
      ],
    ),
  );
  ctx.print(
    '(the indented rows are called directly, one at a time; authenticate() includes the JWT verify)',
  );
}
