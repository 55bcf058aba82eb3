/**
 * What Electron's preload does, for the browser harness: builds `window.airtime` with the
 * preload's own `buildBridge`, over a Playwright binding into the real main-process router.
 */
import { buildBridge } from '../../../preload/bridge';

type Listener = (payload: unknown) => void;

declare global {
  interface Window {
    /** Exposed by the harness with `page.exposeBinding`: the main-process router's dispatch. */
    __airtimeInvoke(channel: string, input: unknown): Promise<unknown>;
    /** Called by the harness to deliver a push event from main. */
    __airtimeDeliver(event: string, payload: unknown): void;
  }
}

const listeners = new Map<string, Set<Listener>>();

window.__airtimeDeliver = (event, payload) => {
  for (const listener of listeners.get(event) ?? []) listener(payload);
};

const api = buildBridge(
  (channel, input) => window.__airtimeInvoke(channel, input),
  (event, listener) => {
    const set = listeners.get(event) ?? new Set<Listener>();
    listeners.set(event, set);
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
);

Object.defineProperty(window, 'airtime', {
  value: Object.freeze(api),
  writable: false,
  configurable: false,
});
