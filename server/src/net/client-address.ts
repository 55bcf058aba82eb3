import net from 'node:net';

/**
 * Who a client is, by address, for per-client budgets. An IPv4 client is its address. An IPv6
 * client is its /64: a subscriber line or home network is handed a whole /64, and a client can
 * pick any of its 2^64 addresses at will, so counting per address would give it endless fresh
 * budgets. An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) is the IPv4 client.
 */
export function addressKey(address: string): string {
  const bare = address.split('%')[0]!; // a zone id (`fe80::1%eth0`) names an interface, not a host
  if (net.isIPv4(bare)) return `ip:${bare}`;
  if (!net.isIPv6(bare)) return `ip:${bare}`;
  const groups = expandIPv6(bare);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const v4 = [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff];
    return `ip:${v4.join('.')}`;
  }
  const prefix = groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':');
  return `ip6:${prefix}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, `::` and a dotted IPv4 tail expanded. */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text =
      text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
