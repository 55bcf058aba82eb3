/**
 * Names for clients that did not name themselves: the sessions list and the sign-in history
 * show what signed in, and most clients other than the desktop app only send a User-Agent.
 */

const DESKTOP_APP = /^Airtime-Desktop\/(\S{1,32})/;

/** A few words a subscriber can recognise: "Airtime desktop app", "curl", "Unknown device". */
export function describeUserAgent(userAgent: string | null | undefined): string {
  const ua = (userAgent ?? '').trim();
  if (ua === '') return 'Unknown device';
  if (DESKTOP_APP.test(ua)) return 'Airtime desktop app';
  const tool = /^(curl|Wget|PostmanRuntime|insomnia|HTTPie|python-requests|okhttp)\b/i.exec(ua);
  if (tool) return tool[1]!.toLowerCase() === 'postmanruntime' ? 'Postman' : tool[1]!;
  if (/^Mozilla\//.test(ua)) return 'Web browser';
  return 'Unknown device';
}

/** The desktop app's version from its User-Agent (`Airtime-Desktop/1.2.0`), else `null`. */
export function appVersionFromUserAgent(userAgent: string | null | undefined): string | null {
  return DESKTOP_APP.exec(userAgent ?? '')?.[1] ?? null;
}
