import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineCpuPercent, readCpuTimes, readStorageBytes } from './machine';

/** One autocannon run, as sent to the load-generating child process. */
export interface LoadJob {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Sent round-robin, one per request, as `Authorization: Bearer …` (overrides `headers`). */
  bearerTokens?: string[];
  connections: number;
  durationSeconds: number;
}

export interface LoadFigures {
  /** Mean of autocannon's per-second samples (its "Req/Sec Avg"). */
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  responses: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  seconds: number;
  clientCpuSeconds: number;
}

export interface Measurement extends LoadFigures {
  connections: number;
  /** CPU the bench process (the server under test) used during the run, 100 = one core. */
  serverCpuPercent: number;
  /** CPU the load generator used during the run, 100 = one core. */
  clientCpuPercent: number;
  /**
   * CPU used during the run by everything else on the machine (null where unknown). Anything
   * well above zero means other work competed for the cores and the figures are low.
   */
  otherCpuPercent: number | null;
  /** MiB the server read from storage during the run, i.e. page-cache misses (null where unknown). */
  storageReadMiB: number | null;
}

export type LoadTarget = Omit<LoadJob, 'connections' | 'durationSeconds'>;

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  /** Discarded run first, so the JIT and caches are warm when measuring. */
  warmupSeconds: number;
}

type Reply = { ok: true; figures: LoadFigures } | { ok: false; message: string };

const SETTLE_MS = 1_000;
const CLIENT_ENTRY = fileURLToPath(new URL('./load-client.ts', import.meta.url));

function ask(child: ChildProcess, job: LoadJob): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`load generator exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      if (reply.ok) resolve(reply.figures);
      else reject(new Error(`autocannon failed: ${reply.message}`));
    });
    child.send(job);
  });
}

/**
 * Runs autocannon against `target` from a separate process (it inherits tsx through execArgv):
 * a warm-up run, then the measured one. The server must be running in this process, so the
 * CPU this process uses during the measured run is the server's.
 */
export async function measureLoad(
  target: LoadTarget,
  settings: LoadSettings,
): Promise<Measurement> {
  const child = fork(CLIENT_ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const job = { ...target, connections: settings.connections };
    if (settings.warmupSeconds > 0) {
      await ask(child, { ...job, durationSeconds: settings.warmupSeconds });
      // Requests the warm-up left in flight would otherwise be served inside the measured window.
      await sleep(SETTLE_MS);
    }
    const machineBefore = readCpuTimes();
    const storageBefore = readStorageBytes();
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const figures = await ask(child, { ...job, durationSeconds: settings.durationSeconds });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const machine = machineCpuPercent(machineBefore, readCpuTimes());
    const storageAfter = readStorageBytes();
    const serverCpuPercent = ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100;
    const clientCpuPercent = (figures.clientCpuSeconds / figures.seconds) * 100;
    return {
      ...figures,
      connections: settings.connections,
      serverCpuPercent,
      clientCpuPercent,
      otherCpuPercent:
        machine === null ? null : Math.max(0, machine - serverCpuPercent - clientCpuPercent),
      storageReadMiB:
        storageBefore === null || storageAfter === null
          ? null
          : (storageAfter - storageBefore) / 1024 ** 2,
    };
  } finally {
    child.kill();
  }
}
