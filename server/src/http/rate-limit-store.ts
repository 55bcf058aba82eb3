import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { Database } from '../db/schema';

/** What @fastify/rate-limit reads back after counting a request. */
interface Count {
  current: number;
  ttl: number;
}

/** What the plugin hands `child()`: the limit's merged options and the route it guards. */
interface ChildParams {
  groupId?: string;
  max?: unknown;
  timeWindow?: unknown;
  routeInfo?: { method?: string | string[]; url?: string };
}

/** Windows this old are over for every route (the longest limit window is an hour). */
export const RATE_LIMIT_ROW_IDLE_MS = 24 * 60 * 60 * 1000;

type CountRequest = (key: string, now: number, windowMs: number) => Promise<Count>;

/**
 * A @fastify/rate-limit store over `count`, namespaced per limit. Each answer is a snapshot of
 * the count this request wrote: the plugin's own in-process store hands every request the same
 * live object, so when 40 arrive at once all of them read the 40th count and all are refused.
 */
function storeOver(count: CountRequest, clock: Clock): FastifyRateLimitStoreCtor {
  // Not declared `implements FastifyRateLimitStore`: its types say `child()` gets the route's
  // options, while the plugin really passes the limit's merged options with `routeInfo`.
  class CountingStore {
    constructor(private readonly namespace = 'global') {}

    incr(
      key: string,
      callback: (error: Error | null, result?: Count) => void,
      timeWindow: number,
    ): void {
      count(`${this.namespace}|${key}`, clock.now(), timeWindow).then(
        (result) => callback(null, result),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    /**
     * One namespace per limit, the same on every instance: the route's method and URL, or for a
     * limiter made with `app.rateLimit()` (no route), its group or its numbers.
     */
    child(params: ChildParams) {
      const route = params.routeInfo;
      const namespace =
        params.groupId ??
        (route?.url
          ? `${[route.method ?? ''].flat().join(',')} ${route.url}`
          : `limit ${String(params.max)}/${String(params.timeWindow)}`);
      return new CountingStore(namespace);
    }
  }
  // The plugin constructs the store itself, with its options; the namespace starts global.
  return CountingStore as unknown as FastifyRateLimitStoreCtor;
}

/**
 * Counts in the database, so every API instance on one PostgreSQL shares one count per client
 * and route: with a count per instance, a fleet of N instances would give each client N times
 * its limit.
 */
export function databaseRateLimitStore(
  db: Kysely<Database>,
  clock: Clock,
): FastifyRateLimitStoreCtor {
  return storeOver((key, now, windowMs) => countRequest(db, key, now, windowMs), clock);
}

/**
 * Counts in this process, for SQLite, which serves one instance. At most `capacity` clients are
 * remembered; past that the one counted longest ago is forgotten first.
 */
export function memoryRateLimitStore(clock: Clock, capacity = 10_000): FastifyRateLimitStoreCtor {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return storeOver(async (key, now, windowMs) => {
    const previous = windows.get(key);
    const window =
      previous && previous.startedAt + windowMs > now
        ? { startedAt: previous.startedAt, count: previous.count + 1 }
        : { startedAt: now, count: 1 };
    // Re-inserted, so the Map's order is least recently counted first.
    windows.delete(key);
    windows.set(key, window);
    if (windows.size > capacity) windows.delete(windows.keys().next().value!);
    return { current: window.count, ttl: Math.max(0, window.startedAt + windowMs - now) };
  }, clock);
}

/**
 * Counts one request for `key` by one atomic upsert that starts a new window when the old one
 * has ended and returns the count it wrote, so concurrent requests on any instance each see their
 * own place in the window.
 */
export async function countRequest(
  db: Kysely<Database>,
  key: string,
  now: number,
  windowMs: number,
): Promise<Count> {
  const ended = sql<boolean>`rate_limits.window_started_at + ${windowMs} <= ${now}`;
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_started_at: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when ${ended} then 1 else rate_limits.count + 1 end`,
        window_started_at: sql<number>`case when ${ended} then ${now} else rate_limits.window_started_at end`,
      }),
    )
    .returning(['count', 'window_started_at'])
    .executeTakeFirstOrThrow();
  return { current: row.count, ttl: Math.max(0, row.window_started_at + windowMs - now) };
}
