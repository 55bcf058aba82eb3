/**
 * True when `url` may be handed to the operating system's browser: an `https:` URL without
 * credentials or a non-default port, whose host is on the allowlist. Entries are host names
 * (`help.example.com`); an entry `*.example.com` also allows every subdomain of example.com
 * (but not example.com itself). Anything `new URL()` cannot parse is refused.
 */
export function isAllowedExternalUrl(url: string, allowlist: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:') return false;
  if (parsed.username !== '' || parsed.password !== '') return false;
  if (parsed.port !== '') return false;
  // `new URL` has already lower-cased the host and converted it to punycode.
  const host = parsed.hostname;
  if (host === '' || host.endsWith('.')) return false;
  return allowlist.some((entry) => {
    const rule = entry.trim().toLowerCase();
    if (rule.startsWith('*.')) {
      const base = rule.slice(2);
      return base !== '' && host.endsWith(`.${base}`);
    }
    return rule !== '' && host === rule;
  });
}
