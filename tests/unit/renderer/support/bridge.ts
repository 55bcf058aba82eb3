/// <reference types="svelte" />
import { vi } from 'vitest';
import type { ApiError } from '../../../../contract/errors';
import type { Result } from '../../../../contract/ipc';
import type { AirtimeApi } from '../../../../preload/bridge';

type Domains = Omit<AirtimeApi, 'on'>;
/** Some of the bridge's functions, per domain: what a test's code under test calls. */
export type FakeBridge = { [D in keyof Domains]?: Partial<Domains[D]> };

/**
 * Puts a fake `window.airtime` in place (the renderer's state classes reach main only through
 * it). Undo with `vi.unstubAllGlobals()`.
 */
export function installBridge(bridge: FakeBridge): void {
  vi.stubGlobal('window', { airtime: { on: () => () => {}, ...bridge } });
}

export function ok<T>(value: T): Promise<Result<T>> {
  return Promise.resolve({ ok: true, value });
}

export function fail<T = never>(error: ApiError): Promise<Result<T>> {
  return Promise.resolve({ ok: false, error });
}

/** Lets pending promise callbacks run (the bridge's answers, then the class's follow-up). */
export async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
