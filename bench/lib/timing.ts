import { machineCpuPercent, readCpuTimes } from './machine';

export interface Timing {
  calls: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU this process used per call (all threads), in milliseconds. */
  cpuMsPerCall: number;
  /** Completed calls per second of wall time. */
  perSecond: number;
  /** CPU other processes used meanwhile, 100 = one core (null where unknown). */
  otherCpuPercent: number | null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

export interface TimeOptions {
  /** Calls made and thrown away first. */
  warmupCalls: number;
  /** Keep calling until this much time has passed… */
  seconds: number;
  /** …and at least this many calls were made. */
  minCalls?: number;
  /** Calls kept in flight at once (each loop waits for its own call). */
  concurrency?: number;
}

/** Times an async call in this process: `concurrency` loops, each awaiting one call at a time. */
export async function timeCalls(
  call: () => Promise<unknown>,
  options: TimeOptions,
): Promise<Timing> {
  for (let i = 0; i < options.warmupCalls; i++) await call();
  const samples: number[] = [];
  const machineBefore = readCpuTimes();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const minCalls = options.minCalls ?? 1;
  const loop = async () => {
    while (performance.now() < deadline || samples.length < minCalls) {
      const t0 = performance.now();
      await call();
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, loop));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const machine = machineCpuPercent(machineBefore, readCpuTimes());
  const ownPercent = ((cpu.user + cpu.system) / 1e3 / elapsedMs) * 100;
  samples.sort((a, b) => a - b);
  return {
    calls: samples.length,
    meanMs: samples.reduce((t, s) => t + s, 0) / samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    cpuMsPerCall: (cpu.user + cpu.system) / 1e3 / samples.length,
    perSecond: (samples.length / elapsedMs) * 1000,
    otherCpuPercent: machine === null ? null : Math.max(0, machine - ownPercent),
  };
}
