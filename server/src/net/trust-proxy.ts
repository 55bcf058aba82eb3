import net from 'node:net';

/**
 * Which proxies may name the client in `X-Forwarded-For`: none (`false`), the nearest N hops,
 * or the proxies at these addresses and CIDR ranges. Never "every proxy": then the left-most
 * `X-Forwarded-For` entry, which any client can write, would be taken as its address, and every
 * per-client budget could be reset by changing a header.
 */
export type TrustProxy = false | number | string[];

export const TRUST_PROXY_HELP =
  'AIRTIME_TRUST_PROXY must be the number of reverse proxies in front of the API (e.g. 1), or a ' +
  'comma-separated list of their addresses or CIDR ranges (e.g. 10.0.0.5,10.1.0.0/16); ' +
  'unset or 0 trusts none.';

/** Parses AIRTIME_TRUST_PROXY; throws an Error with {@link TRUST_PROXY_HELP} when it is neither. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || text === '0') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 10)
      throw new Error(`${TRUST_PROXY_HELP} ${hops} hops is more than any real set-up.`);
    return hops;
  }
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (!isAddressOrRange(entry)) throw new Error(`${TRUST_PROXY_HELP} "${entry}" is neither.`);
  }
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const family = net.isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Fastify's own form: a hop count becomes "trust the nearest N hops" (what Fastify does with a
 * number, which its types do not admit), a list stays a list.
 */
export function fastifyTrustProxy(
  trust: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}
