import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../server/src/net/client-address';
import { fastifyTrustProxy } from '../../../server/src/net/trust-proxy';

describe('addressKey', () => {
  it('counts an IPv4 client by its address', () => {
    expect(addressKey('192.0.2.10')).toBe('ip:192.0.2.10');
  });

  it('counts an IPv6 client by its /64, however it writes its address', () => {
    const key = 'ip6:2001:db8:85a3:12::/64';
    expect(addressKey('2001:db8:85a3:12::1')).toBe(key);
    expect(addressKey('2001:db8:85a3:12:ffff:ffff:ffff:ffff')).toBe(key);
    expect(addressKey('2001:0DB8:85A3:0012:0000:0000:0000:0042')).toBe(key);
    expect(addressKey('2001:db8:85a3:13::1')).not.toBe(key);
  });

  it('expands :: wherever it stands', () => {
    expect(addressKey('::1')).toBe('ip6:0:0:0:0::/64');
    expect(addressKey('2001:db8::')).toBe('ip6:2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('ip6:fe80:0:0:0::/64');
  });

  it('treats an IPv4 address written as IPv6 as the IPv4 client', () => {
    expect(addressKey('::ffff:192.0.2.10')).toBe('ip:192.0.2.10');
    expect(addressKey('::ffff:c000:20a')).toBe('ip:192.0.2.10');
  });
});

describe('fastifyTrustProxy', () => {
  it('trusts exactly the nearest N hops for a hop count', () => {
    const trust = fastifyTrustProxy(1);
    expect(typeof trust).toBe('function');
    const fn = trust as (address: string, hop: number) => boolean;
    expect(fn('10.0.0.1', 0)).toBe(true);
    expect(fn('203.0.113.9', 1)).toBe(false);
  });

  it('passes a list and "none" through', () => {
    expect(fastifyTrustProxy(['10.0.0.0/8'])).toEqual(['10.0.0.0/8']);
    expect(fastifyTrustProxy(false)).toBe(false);
  });
});
