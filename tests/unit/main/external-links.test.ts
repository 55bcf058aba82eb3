import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl } from '../../../main/services/external-links';

const allowlist = ['airtime.example.org', '*.metrobyt-mobile.com'];

describe('isAllowedExternalUrl', () => {
  it.each([
    'https://airtime.example.org/help',
    'https://airtime.example.org/help?topic=refill#pay',
    'https://AIRTIME.example.org/',
    'https://www.metrobyt-mobile.com/pay',
    'https://a.b.metrobyt-mobile.com/',
  ])('allows %s', (url) => {
    expect(isAllowedExternalUrl(url, allowlist)).toBe(true);
  });

  it.each([
    ['plain http', 'http://airtime.example.org/help'],
    ['another scheme', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['a host not on the list', 'https://evil.example.com/'],
    ['a look-alike suffix', 'https://airtime.example.org.evil.com/'],
    ['a look-alike prefix', 'https://notairtime.example.org/'],
    ['credentials that hide the real host', 'https://airtime.example.org@evil.com/'],
    ['user info on an allowed host', 'https://user:pw@airtime.example.org/'],
    ['a non-default port', 'https://airtime.example.org:8443/'],
    ['a trailing-dot host', 'https://airtime.example.org./'],
    ['the bare domain of a wildcard entry', 'https://metrobyt-mobile.com/'],
    ['not a URL', 'airtime.example.org/help'],
    ['an empty string', ''],
    ['a custom scheme', 'app://airtime/index.html'],
  ])('refuses %s', (_why, url) => {
    expect(isAllowedExternalUrl(url, allowlist)).toBe(false);
  });

  it('allows nothing with an empty allowlist', () => {
    expect(isAllowedExternalUrl('https://airtime.example.org/', [])).toBe(false);
  });
});
