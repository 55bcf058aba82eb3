import { availableParallelism } from 'node:os';
import { createChallenge, solveChallenge } from 'altcha-lib/v1';
import { DEFAULT_CAPTCHA_POLICY, requiredMaxNumber } from '../server/src/auth/captcha';
import { searchRange, solveCaptcha, solverThreads } from '../main/services/captcha-solver';
import type { BenchContext } from './lib/context';
import { CONTENDED_CPU_PERCENT } from './lib/context';
import { machineCpuPercent, readCpuTimes } from './lib/machine';
import { fixed, formatTable, integer, percent } from './lib/table';

/**
 * The slowest computer the policy is sized for: two cores, each half as fast as one core of the
 * build machine (a shared cloud core). Budget laptops (Celeron/Pentium Silver class) have at
 * least two cores and roughly half the single-thread speed of a current server core.
 */
export const MODEST_LAPTOP = { coreSpeed: 0.5, cores: 2 } as const;
/** The desktop app's budget for one solve on that laptop, worst case included. */
const APP_BUDGET_S = 2;
const SALT = 'c0ffee00c0ffee00c0ffee00?expires=1800000000&maxnumber=250000&';
const HKEY = 'captcha-bench-key-0123456789abcdef0123';

interface Rate {
  /** Tries per second of CPU time (one core's worth, whatever else the machine does). */
  perCpuSecond: number;
  /** Tries per second of wall time. */
  perWallSecond: number;
  otherCpuPercent: number | null;
}

/** Times `tries` tries of `run`, in CPU time of this process and in wall time. */
async function rate(tries: number, run: () => Promise<void> | void): Promise<Rate> {
  const machineBefore = readCpuTimes();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await run();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const machine = machineCpuPercent(machineBefore, readCpuTimes());
  const own = (cpuMs / wallMs) * 100;
  return {
    perCpuSecond: (tries / cpuMs) * 1000,
    perWallSecond: (tries / wallMs) * 1000,
    otherCpuPercent: machine === null ? null : Math.max(0, machine - own),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time of `solveCaptcha` on a fresh challenge of `maxNumber`, hiding `number` when given. */
async function timeSolve(maxNumber: number, number?: number): Promise<number> {
  const challenge = await createChallenge({
    hmacKey: HKEY,
    maxnumber: maxNumber,
    params: { maxnumber: String(maxNumber) },
    ...(number === undefined ? {} : { number }),
  });
  const start = performance.now();
  await solveCaptcha({ ...challenge, maxnumber: maxNumber });
  return performance.now() - start;
}

const seconds = (s: number) => `${fixed(s, 2)} s`;

/**
 * What one captcha costs: SHA-256 tries per second on one core with the desktop app's search
 * (and with Web Crypto, the path of altcha-lib's own solver), the expected and worst-case time
 * of each step of the policy here and on the modest laptop, and real solves by the app's solver.
 */
export async function captchaBench(ctx: BenchContext, runs = 7): Promise<void> {
  ctx.print('\n## captcha: proof-of-work cost per attempt, and the desktop app solving it\n');
  const never = Buffer.alloc(32);
  const appTries = 1_000_000;
  ctx.progress('warm-up');
  searchRange('sha256', SALT, never, 0, 200_000);
  ctx.progress(`the app's search (node:crypto createHash), best of 3 × ${integer(appTries)} tries`);
  // The best round is the one least slowed by other processes (caches and a shared core slow
  // even the CPU time of a contended run), so it is the closest to the core's own speed.
  let app = await rate(appTries, () => void searchRange('sha256', SALT, never, 0, appTries - 1));
  for (let round = 1; round < 3; round++) {
    const next = await rate(
      appTries,
      () => void searchRange('sha256', SALT, never, 0, appTries - 1),
    );
    if (next.perCpuSecond > app.perCpuSecond) app = next;
  }
  const webTries = 50_000;
  ctx.progress(`altcha-lib solveChallenge (Web Crypto digest per try), ${integer(webTries)} tries`);
  const web = await rate(webTries, async () => {
    await solveChallenge('0'.repeat(64), SALT, 'SHA-256', webTries - 1).promise;
  });

  const other = Math.max(app.otherCpuPercent ?? 0, web.otherCpuPercent ?? 0);
  ctx.print(
    formatTable(
      ['SHA-256 tries, one core', 'tries/s (CPU time)', 'tries/s (wall)'],
      [
        [
          "desktop app's search: createHash per try, synchronous (best of 3)",
          integer(app.perCpuSecond),
          integer(app.perWallSecond),
        ],
        [
          "altcha-lib's solveChallenge: awaited Web Crypto digest per try",
          integer(web.perCpuSecond),
          integer(web.perWallSecond),
        ],
        ["other processes' CPU while timing", percent(other / 100), ''],
      ],
    ),
  );
  if (other > CONTENDED_CPU_PERCENT) {
    ctx.print(
      'note: other processes competed for the CPU; the CPU-time column is the per-core figure to use.',
    );
  }

  const policy = DEFAULT_CAPTCHA_POLICY;
  const here = app.perCpuSecond;
  const modestCore = here * MODEST_LAPTOP.coreSpeed;
  const modestApp = modestCore * MODEST_LAPTOP.cores;
  const rows: string[][] = [];
  const cap = requiredMaxNumber(policy, Number.MAX_SAFE_INTEGER);
  for (let failures = policy.afterFailures; ; failures++) {
    const max = requiredMaxNumber(policy, failures);
    rows.push([
      `${failures}${max === cap ? '+' : ''}`,
      integer(max),
      `${seconds(max / 2 / here)} / ${seconds(max / here)}`,
      `${seconds(max / 2 / modestCore)} / ${seconds(max / modestCore)}`,
      `${seconds(max / 2 / modestApp)} / ${seconds(max / modestApp)}${max / modestApp > APP_BUDGET_S ? ' (over budget)' : ''}`,
      seconds(max / 2 / here),
    ]);
    if (max === cap) break;
  }
  ctx.print('');
  ctx.print(
    `policy: maxNumber ${integer(policy.maxNumber)} from ${policy.afterFailures} failures, ×2 per further failure, capped at ${integer(cap)}; ` +
      `modest laptop = ${MODEST_LAPTOP.cores} cores at ${MODEST_LAPTOP.coreSpeed}× this core (${integer(modestCore)} tries/s each); app budget ${APP_BUDGET_S} s`,
  );
  ctx.print(
    formatTable(
      [
        'failures',
        'maxNumber',
        'here, 1 core: expected / worst',
        'modest, 1 core: expected / worst',
        `modest, app on ${MODEST_LAPTOP.cores} threads: expected / worst`,
        'attacker CPU per attempt (expected, here)',
      ],
      rows,
    ),
  );

  const threads = solverThreads(policy.maxNumber);
  ctx.progress(`solveCaptcha on ${integer(policy.maxNumber)}, ${runs} random + 3 worst-case runs`);
  await timeSolve(policy.maxNumber);
  const random: number[] = [];
  for (let i = 0; i < runs; i++) random.push(await timeSolve(policy.maxNumber));
  const worst: number[] = [];
  for (let i = 0; i < 3; i++) worst.push(await timeSolve(policy.maxNumber, policy.maxNumber));
  ctx.print('');
  ctx.print(
    formatTable(
      [
        `solveCaptcha, first required challenge (${integer(policy.maxNumber)}), ${threads} thread(s) of ${availableParallelism()} cores`,
        'wall time',
      ],
      [
        [`median of ${runs}, number hidden at random`, `${integer(median(random))} ms`],
        [`slowest of ${runs}`, `${integer(Math.max(...random))} ms`],
        ['median of 3, number at maxNumber (worst case)', `${integer(median(worst))} ms`],
      ],
    ),
  );
}
