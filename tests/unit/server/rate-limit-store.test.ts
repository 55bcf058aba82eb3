import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/src/clock';
import { memoryRateLimitStore } from '../../../server/src/http/rate-limit-store';

interface Count {
  current: number;
  ttl: number;
}
interface Store {
  incr(key: string, cb: (e: Error | null, r?: Count) => void, windowMs: number, max: number): void;
  child(params: { routeInfo?: { method?: string; url?: string } }): Store;
}

const incr = (store: Store, key: string, windowMs = 60_000) =>
  new Promise<Count>((resolve, reject) =>
    store.incr(key, (e, r) => (e ? reject(e) : resolve(r!)), windowMs, 10),
  );

function storeAt(clock: ManualClock, capacity?: number): Store {
  const Ctor = memoryRateLimitStore(clock, capacity) as unknown as new (options: object) => Store;
  return new Ctor({}).child({ routeInfo: { method: 'POST', url: '/v1/auth/refresh' } });
}

describe('memoryRateLimitStore', () => {
  it('gives each of a burst its own count, not a shared live one', async () => {
    const store = storeAt(new ManualClock('2026-12-01T00:00:00Z'));
    const counts = await Promise.all(Array.from({ length: 40 }, () => incr(store, 'ip:a')));
    expect(counts.map((c) => c.current)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('starts a new window when the old one has ended, by the injected clock', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const store = storeAt(clock);
    await incr(store, 'ip:a');
    clock.advance(59_000);
    expect(await incr(store, 'ip:a')).toEqual({ current: 2, ttl: 1_000 });
    clock.advance(1_000);
    expect(await incr(store, 'ip:a')).toEqual({ current: 1, ttl: 60_000 });
  });

  it('keeps limits apart per route', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const Ctor = memoryRateLimitStore(clock) as unknown as new (options: object) => Store;
    const root = new Ctor({});
    const refresh = root.child({ routeInfo: { method: 'POST', url: '/v1/auth/refresh' } });
    const signIn = root.child({ routeInfo: { method: 'POST', url: '/v1/auth/sign-in' } });
    await incr(refresh, 'ip:a');
    await incr(refresh, 'ip:a');
    expect((await incr(signIn, 'ip:a')).current).toBe(1);
  });

  it('forgets the client counted longest ago once it remembers too many', async () => {
    const store = storeAt(new ManualClock('2026-12-01T00:00:00Z'), 2);
    await incr(store, 'ip:a');
    await incr(store, 'ip:b');
    await incr(store, 'ip:a');
    await incr(store, 'ip:c'); // evicts b, the least recently counted
    expect((await incr(store, 'ip:a')).current).toBe(3);
    expect((await incr(store, 'ip:b')).current).toBe(1);
  });
});
