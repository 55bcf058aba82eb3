/**
 * `npm run bench` runs every default bench; `npm run bench -- <name> [options]` runs one.
 * Benches print figures; none of them passes or fails on time.
 */
import { parseArgs } from 'node:util';
import { BenchContext } from './lib/context';
import { describeMachine } from './lib/machine';
import { summaryBench } from './summary';
import { signInBench } from './sign-in';
import { DEFAULT_SCALE_SUBSCRIBERS, scaleBench } from './scale';
import { bridgeBench } from './bridge';
import { desktopSignInBench } from './desktop-sign-in';
import { rendererSizeBench } from './renderer-size';
import { statementsBench } from './statements';
import { refillsBench } from './refills';
import { captchaBench } from './captcha';

const USAGE = `usage: npm run bench [-- <bench>] [--duration S] [--connections N] [--subscribers N[,N…]] [--runs N]

benches:
  summary          GET /v1/account/summary on the demo database, beside a bare Fastify hello route
  sign-in          POST /v1/auth/sign-in, and how much of it is argon2
  scale            GET /v1/account/summary on generated databases (default ${DEFAULT_SCALE_SUBSCRIBERS.toLocaleString('en-US')} subscribers)
  bridge           IPC router dispatch (sender check, zod, envelope) vs calling the handler, in µs
  desktop-sign-in  click "Sign in" → balance on the dashboard in the Chromium harness, and argon2's part
  renderer-size    renderer JS/CSS up front and lazy (raw, brotli); first paint vs a blank Svelte 5 page
  statements       10 years of statements: list pages, CSV exports, PDF render vs an empty pdfkit document
  refills          POST /v1/account/refill from 100 clients with retried keys, vs a cheap GET; then every PIN and balance checked
  captcha          SHA-256 tries/s per core, the cost of each captcha step here and on a modest laptop, and the app solving one
  (none)           all nine, scale with ${DEFAULT_SCALE_SUBSCRIBERS.toLocaleString('en-US')} subscribers

options:
  --duration S       seconds of each measured autocannon run (default 6; a 2 s warm-up precedes it)
  --connections N    concurrent connections for summary and scale, clients for refills (default 100; sign-in uses 1 and 8)
  --subscribers N    database size(s) for scale, e.g. 1000000 or 1000,1000000 (built on first use)
  --big              shorthand for --subscribers 1000,1000000
  --runs N           app launches for desktop-sign-in (default 20) and page loads for renderer-size (default 12)`;

const BENCHES = [
  'all',
  'summary',
  'sign-in',
  'scale',
  'bridge',
  'desktop-sign-in',
  'renderer-size',
  'statements',
  'refills',
  'captcha',
];
/** Benches that drive autocannon (the load settings are printed only when one of them runs). */
const HTTP_BENCHES = new Set(['all', 'summary', 'sign-in', 'scale']);

function positiveInt(name: string, value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      subscribers: { type: 'string' },
      big: { type: 'boolean' },
      runs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const bench = positionals[0] ?? 'all';
  if (values.help || positionals.length > 1 || !BENCHES.includes(bench)) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const subscribers = values.big
    ? [1_000, 1_000_000]
    : (values.subscribers?.split(',').map((s) => positiveInt('subscribers', s.trim())) ?? [
        DEFAULT_SCALE_SUBSCRIBERS,
      ]);

  const ctx = new BenchContext({
    durationSeconds: values.duration ? positiveInt('duration', values.duration) : 6,
    connections: values.connections ? positiveInt('connections', values.connections) : 100,
    warmupSeconds: 2,
  });
  const runs = values.runs ? positiveInt('runs', values.runs) : undefined;
  ctx.print(describeMachine());
  if (HTTP_BENCHES.has(bench)) {
    ctx.print(
      `autocannon: ${ctx.load.connections} connections, ${ctx.load.durationSeconds} s measured after ${ctx.load.warmupSeconds} s warm-up, load generator in its own process`,
    );
    ctx.print(
      'columns: srv CPU = this process (the server), load CPU = autocannon, other CPU = the rest of the machine (should be ~0);\n' +
        '         100 % = one core; disk MiB = server reads that missed the page cache; failed = non-2xx + errors',
    );
  }

  if (bench === 'all' || bench === 'summary') await summaryBench(ctx);
  if (bench === 'all' || bench === 'sign-in') await signInBench(ctx);
  if (bench === 'all' || bench === 'scale') await scaleBench(ctx, subscribers);
  if (bench === 'all' || bench === 'bridge') await bridgeBench(ctx);
  if (bench === 'all' || bench === 'desktop-sign-in') await desktopSignInBench(ctx, runs);
  if (bench === 'all' || bench === 'renderer-size') await rendererSizeBench(ctx, runs);
  if (bench === 'all' || bench === 'statements') await statementsBench(ctx);
  if (bench === 'all' || bench === 'refills') await refillsBench(ctx);
  if (bench === 'all' || bench === 'captcha') await captchaBench(ctx);
  if (bench === 'all' && !subscribers.includes(1_000_000)) {
    ctx.print(
      '\nThe 1,000,000-subscriber case is not in the default run (its database, ~2.7 GB, takes a minute or two to build):\n' +
        '  npm run bench -- scale --big                       (1,000 and 1,000,000 side by side)\n' +
        '  npm run bench -- scale --subscribers 1000000',
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
