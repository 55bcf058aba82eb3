import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CaptchaChallenge } from '../../contract/errors';
import { AppError } from '../errors';

/**
 * At most this many threads search at once. The server sizes its hardest challenge for a
 * two-core laptop (docs/security.md); more cores only finish sooner.
 */
const MAX_THREADS = 4;
/** Below this much work, starting threads costs more than it saves: it is searched here. */
const IN_PLACE_MAX = 20_000;
/** Tries between yields when searching here, so main keeps answering the window meanwhile. */
const SLICE = 2_000;

/** Node's name for an ALTCHA algorithm (`SHA-256` → `sha256`). */
function nodeAlgorithm(algorithm: string): string {
  return algorithm.toLowerCase().replace('-', '');
}

/**
 * The search each thread runs over its share of the numbers. Plain CommonJS text rather than a
 * module of its own: the bundled app then needs no separate worker file. One synchronous
 * `createHash` per try is about 4× as fast as an awaited Web Crypto digest per try.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { algorithm, salt, challenge, from, to } = workerData;
const target = Buffer.from(challenge, 'hex');
let found = -1;
for (let n = from; n <= to; n++) {
  if (createHash(algorithm).update(salt + n).digest().equals(target)) {
    found = n;
    break;
  }
}
parentPort.postMessage(found);
`;

/**
 * The number in `from…to` whose hash is `target`, or -1: the same loop as a thread's, here
 * for small challenges and for the benchmark that calibrates the server's policy.
 */
export function searchRange(
  algorithm: string,
  salt: string,
  target: Buffer,
  from: number,
  to: number,
): number {
  for (let n = from; n <= to; n++) {
    if (
      createHash(algorithm)
        .update(salt + n)
        .digest()
        .equals(target)
    )
      return n;
  }
  return -1;
}

/** `searchRange` in slices, yielding between them. */
async function searchHere(
  algorithm: string,
  salt: string,
  target: Buffer,
  from: number,
  to: number,
): Promise<number> {
  for (let start = from; start <= to; start += SLICE) {
    const found = searchRange(algorithm, salt, target, start, Math.min(to, start + SLICE - 1));
    if (found >= 0) return found;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return -1;
}

/** Splits `0…max` into one contiguous share per thread; the first thread to find it wins. */
function searchInThreads(
  algorithm: string,
  salt: string,
  challenge: string,
  max: number,
  threads: number,
): Promise<number> {
  const share = Math.ceil((max + 1) / threads);
  const workers: Worker[] = [];
  return new Promise<number>((resolve, reject) => {
    let pending = threads;
    const finish = (result: number | Error) => {
      for (const worker of workers) void worker.terminate();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    for (let i = 0; i < threads; i++) {
      const from = i * share;
      const worker = new Worker(THREAD_SOURCE, {
        eval: true,
        workerData: { algorithm, salt, challenge, from, to: Math.min(max, from + share - 1) },
      });
      workers.push(worker);
      worker.once('message', (found: number) => {
        pending -= 1;
        if (found >= 0) finish(found);
        else if (pending === 0) finish(-1);
      });
      worker.once('error', (error) => finish(error));
    }
  });
}

/** How many threads search a challenge of `max` numbers on this computer. */
export function solverThreads(max: number): number {
  return max <= IN_PLACE_MAX ? 1 : Math.max(1, Math.min(availableParallelism(), MAX_THREADS));
}

/**
 * Solves the account API's ALTCHA proof-of-work challenge and returns the `captcha` value to
 * send back. The work is the point (it makes guessing expensive for bots); no puzzle is shown to
 * the person, so sign-in stays accessible and password managers keep working. It runs from main,
 * where the request is made, in worker threads for real work, so main and the window stay
 * responsive and a several-core laptop finishes in a fraction of the one-core time.
 */
export async function solveCaptcha(challenge: CaptchaChallenge): Promise<string> {
  const algorithm = nodeAlgorithm(challenge.algorithm);
  // ALTCHA's own default when a challenge names no bound.
  const max = challenge.maxnumber ?? 1_000_000;
  const threads = solverThreads(max);
  let number: number;
  try {
    number =
      threads === 1
        ? await searchHere(
            algorithm,
            challenge.salt,
            Buffer.from(challenge.challenge, 'hex'),
            0,
            max,
          )
        : await searchInThreads(algorithm, challenge.salt, challenge.challenge, max, threads);
  } catch {
    number = -1;
  }
  if (number < 0) {
    throw new AppError(
      'captcha_invalid',
      'The security check could not be completed. Please try again.',
    );
  }
  return Buffer.from(
    JSON.stringify({
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      number,
      salt: challenge.salt,
      signature: challenge.signature,
    }),
  ).toString('base64');
}
