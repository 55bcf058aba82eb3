/**
 * Child-process side of the refills bench (`bench/refills.ts`): simulated desktop clients, each
 * with its own subscriber and session, sending one request at a time over keep-alive HTTP. It
 * runs in its own process, as autocannon does for the other benches, so the load generator never
 * competes with the server for the server's event loop. autocannon itself does not fit: every
 * refill needs its own PIN and Idempotency-Key, and a retry must resend a key already used.
 */
import http from 'node:http';

export interface RefillClient {
  token: string;
  /** Refill: one PIN per request, in order. GET: only the count matters. */
  pins: string[];
}

export interface RefillLoadJob {
  /** Base URL of the API, e.g. http://127.0.0.1:1234 */
  url: string;
  /** `refill`: POST /v1/account/refill; `get`: the same clients on `getPath`. */
  kind: 'refill' | 'get';
  getPath?: string;
  clients: RefillClient[];
  /** Prefix of every Idempotency-Key this job sends (keys are `<prefix>-<client>-<n>`). */
  keyPrefix: string;
  /** Every n-th refill of a client is sent again with its key after its answer (0: never). */
  retryEvery: number;
  /** Every n-th refill of a client is sent twice at once, as a double click (0: never). */
  doubleEvery: number;
}

/** What one refill ended with, for the bench's checks against the database. */
export interface RefillOutcome {
  client: number;
  key: string;
  status: number;
  paymentId: string | null;
  balanceAfterCents: number | null;
}

export interface RefillLoadFigures {
  /** Latency of every first send (a refill or a GET), in ms. */
  firstMs: number[];
  /** Latency of every resend of a key already sent (retries and the second of a double click). */
  duplicateMs: number[];
  /** Of those, the resends after the first answer came back (a retry after a lost answer). */
  retryMs: number[];
  /** Of those, the second request of a double click, sent while the first is running. */
  twinMs: number[];
  /** Responses by status code, first sends and duplicates together. */
  statuses: Record<string, number>;
  /** Connection errors. */
  errors: number;
  /** Duplicates answered 201 with a body other than the first answer's for their key. */
  mismatched: number;
  outcomes: RefillOutcome[];
  wallMs: number;
  clientCpuSeconds: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function send(
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(
      url,
      {
        method,
        agent,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function run(job: RefillLoadJob): Promise<RefillLoadFigures> {
  const figures: RefillLoadFigures = {
    firstMs: [],
    duplicateMs: [],
    retryMs: [],
    twinMs: [],
    statuses: {},
    errors: 0,
    mismatched: 0,
    outcomes: [],
    wallMs: 0,
    clientCpuSeconds: 0,
  };
  const count = (status: number) => {
    figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
  };
  const refillUrl = new URL('/v1/account/refill', job.url);
  const getUrl = new URL(job.getPath ?? '/v1/account/payment-methods', job.url);

  const client = async ({ token, pins }: RefillClient, index: number) => {
    const auth = { authorization: `Bearer ${token}`, 'user-agent': 'airtime-bench' };
    for (let n = 0; n < pins.length; n++) {
      try {
        if (job.kind === 'get') {
          const res = await send(getUrl, 'GET', auth);
          figures.firstMs.push(res.ms);
          count(res.status);
          continue;
        }
        const key = `${job.keyPrefix}-${index}-${n}`;
        const headers = { ...auth, 'content-type': 'application/json', 'idempotency-key': key };
        const body = JSON.stringify({ pin: pins[n] });
        const double = job.doubleEvery > 0 && n % job.doubleEvery === job.doubleEvery - 1;
        const sent = await Promise.all(
          Array.from({ length: double ? 2 : 1 }, () => send(refillUrl, 'POST', headers, body)),
        );
        const first = sent[0]!;
        figures.firstMs.push(first.ms);
        for (const twin of sent.slice(1)) {
          figures.duplicateMs.push(twin.ms);
          figures.twinMs.push(twin.ms);
        }
        if (job.retryEvery > 0 && n % job.retryEvery === job.retryEvery - 1) {
          const retry = await send(refillUrl, 'POST', headers, body);
          sent.push(retry);
          figures.duplicateMs.push(retry.ms);
          figures.retryMs.push(retry.ms);
        }
        for (const res of sent) {
          count(res.status);
          if (res !== first && res.status === 201 && res.body !== first.body) figures.mismatched++;
        }
        const receipt =
          first.status === 201
            ? (JSON.parse(first.body) as {
                paymentId: string;
                balanceAfter: { amountCents: number } | null;
              })
            : null;
        figures.outcomes.push({
          client: index,
          key,
          status: first.status,
          paymentId: receipt?.paymentId ?? null,
          balanceAfterCents: receipt?.balanceAfter?.amountCents ?? null,
        });
      } catch {
        figures.errors++;
      }
    }
  };

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(job.clients.map(client));
  figures.wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  figures.clientCpuSeconds = (cpu.user + cpu.system) / 1e6;
  return figures;
}

process.on('message', (job: RefillLoadJob) => {
  run(job).then(
    (figures) => process.send?.({ ok: true, figures }),
    (error: unknown) =>
      process.send?.({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
