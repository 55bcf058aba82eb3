import { measureLoad, type LoadSettings, type Measurement } from './autocannon';
import { startHello } from './servers';
import { fixed, formatTable, integer, percent } from './table';

/** What every bench of one `npm run bench` shares: settings, the hello baseline, output. */
export class BenchContext {
  #hello: Promise<Measurement> | undefined;

  constructor(readonly load: LoadSettings) {}

  /** Progress goes to stderr so stdout holds only the figures. */
  progress(message: string): void {
    process.stderr.write(`  … ${message}\n`);
  }

  print(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  /** Bare Fastify `GET /hello` under the same autocannon settings; measured once per run. */
  helloBaseline(): Promise<Measurement> {
    this.#hello ??= (async () => {
      const hello = await startHello();
      try {
        this.progress(
          `bare Fastify GET /hello, ${this.load.connections} connections, ${this.load.durationSeconds} s`,
        );
        return await measureLoad({ url: `${hello.url}/hello`, method: 'GET' }, this.load);
      } finally {
        await hello.close();
      }
    })();
    return this.#hello;
  }
}

export interface LoadRow {
  label: string;
  result: Measurement;
  /** Throughput to compare with (the hello baseline); omitted for the baseline itself. */
  baseline?: Measurement;
}

/** Above this, another process took a real share of the two cores during a run. */
export const CONTENDED_CPU_PERCENT = 25;

/** The table every HTTP bench prints, with a warning when other work competed for the CPU. */
export function formatLoadTable(rows: LoadRow[]): string {
  const contended = rows.filter((r) => (r.result.otherCpuPercent ?? 0) > CONTENDED_CPU_PERCENT);
  const warning = contended.length
    ? `\nwarning: other processes used over ${CONTENDED_CPU_PERCENT} % CPU during: ${contended.map((r) => r.label).join('; ')}. Those figures are low; run again on a quiet machine.`
    : '';
  const table = formatTable(
    [
      'case',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'mean ms',
      'vs hello',
      'srv CPU',
      'load CPU',
      'other CPU',
      'disk MiB',
      'failed',
    ],
    rows.map(({ label, result: r, baseline }) => [
      label,
      String(r.connections),
      integer(r.requestsPerSecond),
      String(r.latencyP50Ms),
      String(r.latencyP99Ms),
      fixed(r.latencyMeanMs, 2),
      baseline ? percent(r.requestsPerSecond / baseline.requestsPerSecond, 1) : '',
      percent(r.serverCpuPercent / 100),
      percent(r.clientCpuPercent / 100),
      r.otherCpuPercent === null ? 'n/a' : percent(r.otherCpuPercent / 100),
      r.storageReadMiB === null ? 'n/a' : fixed(r.storageReadMiB, 1),
      integer(r.non2xx + r.errors),
    ]),
  );
  return table + warning;
}
