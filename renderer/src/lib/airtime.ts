import type { AirtimeApi } from '../../../preload/bridge';
import type { Result } from '../../../contract/ipc';
import { unexpectedError } from './errors';

declare global {
  interface Window {
    /** The bridge the preload exposes: one function per IPC channel, plus `on()`. */
    airtime: AirtimeApi;
  }
}

/** The typed bridge to the main process: the renderer's only way out of its sandbox. */
export function airtime(): AirtimeApi {
  return window.airtime;
}

/**
 * Awaits a bridge call and always yields a Result: the bridge answers with envelopes, and a
 * transport failure (which should not happen) becomes an `internal_error` envelope too.
 */
export async function settle<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await call();
  } catch (cause) {
    return { ok: false, error: unexpectedError(cause) };
  }
}
