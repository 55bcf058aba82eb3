import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { migrateToLatest, openDatabase, type AppDatabase } from '../../server/src/db/database';
import type { Clock } from '../../server/src/clock';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export interface AirtimeServer extends Listening {
  app: FastifyInstance;
  database: AppDatabase;
  clock: Clock;
}

/** User-Agent of every request the benches make outside autocannon; their sessions carry it. */
export const BENCH_USER_AGENT = 'airtime-bench';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** The yardstick: Fastify with nothing but one JSON route. */
export async function startHello(): Promise<Listening> {
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  const url = await listen(app);
  return { url, close: () => app.close() };
}

/** Removes a SQLite database file with its WAL and shared-memory files. */
export function removeSqliteFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    fs.rmSync(`${file}${suffix}`, { force: true });
}

export interface AirtimeOptions {
  dbFile: string;
  clock: Clock;
  /** Runs after migrations, before the app is built (e.g. seeding). */
  prepare?: (database: AppDatabase) => Promise<void>;
  authRateLimit?: number;
}

/** The real account API (`buildApp`) on a migrated SQLite database, listening on 127.0.0.1. */
export async function startAirtime(options: AirtimeOptions): Promise<AirtimeServer> {
  const database = openDatabase(options.dbFile);
  try {
    await migrateToLatest(database.db);
    await options.prepare?.(database);
    const app = await buildApp({
      database,
      clock: options.clock,
      logger: false,
      ...(options.authRateLimit !== undefined ? { authRateLimit: options.authRateLimit } : {}),
    });
    const url = await listen(app);
    return {
      url,
      app,
      database,
      clock: options.clock,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Signs in over HTTP, as the desktop app does, and returns the access token. */
export async function signIn(url: string, phone: string, password: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BENCH_USER_AGENT },
    body: JSON.stringify({ phone, password }),
  });
  if (response.status !== 200) {
    throw new Error(`sign-in as ${phone} answered ${response.status}: ${await response.text()}`);
  }
  const body = (await response.json()) as { accessToken: string };
  return body.accessToken;
}

/** One authenticated GET that must answer 200, so a bench never measures a stream of errors. */
export async function expectOk(url: string, token: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, 'user-agent': BENCH_USER_AGENT },
  });
  if (response.status !== 200)
    throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}
