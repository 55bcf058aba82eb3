/**
 * Child-process side of `runLoad` (autocannon.ts). The load generator runs in its own process so
 * it gets its own core and never competes with the server for the server's event loop.
 */
import autocannon, { type RequestData, type RequestSpec } from 'autocannon';
import type { LoadFigures, LoadJob } from './autocannon';

function requestsFor(job: LoadJob): RequestSpec[] | undefined {
  const tokens = job.bearerTokens;
  if (!tokens?.length) return undefined;
  let next = 0;
  return [
    {
      setupRequest: (request: RequestData) => {
        request.headers = { ...request.headers, authorization: `Bearer ${tokens[next]}` };
        next = (next + 1) % tokens.length;
        return request;
      },
    },
  ];
}

async function run(job: LoadJob): Promise<LoadFigures> {
  const requests = requestsFor(job);
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: job.url,
    method: job.method,
    headers: job.headers ?? {},
    ...(job.body !== undefined ? { body: job.body } : {}),
    ...(requests ? { requests } : {}),
    connections: job.connections,
    duration: job.durationSeconds,
    pipelining: 1,
    timeout: 20,
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: result.latency.average,
    responses: result['2xx'] + result.non2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (figures) => process.send?.({ ok: true, figures }),
    (error: unknown) =>
      process.send?.({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
