import { IPC_CHANNEL_NAMES, PUSH_EVENT_NAMES } from '../contract/ipc-names';
import type {
  IpcChannel,
  IpcChannels,
  IpcInput,
  IpcOutput,
  PushEvent,
  PushPayload,
  Result,
} from '../contract/ipc';

/** Sends one request to main and resolves with its Result envelope. */
export type Invoke = (channel: IpcChannel, input: unknown) => Promise<unknown>;
/** Listens to one push event; returns a function that stops listening. */
export type Subscribe = (event: PushEvent, listener: (payload: unknown) => void) => () => void;

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;
type DomainOf<C> = C extends `${infer D}:${string}` ? D : never;
type VerbOf<C> = C extends `${string}:${infer V}` ? CamelCase<V> : never;

type Call<C extends IpcChannel> =
  undefined extends IpcInput<C>
    ? (input?: IpcInput<C>) => Promise<Result<IpcOutput<C>>>
    : (input: IpcInput<C>) => Promise<Result<IpcOutput<C>>>;

type Domains = {
  [D in DomainOf<IpcChannel>]: {
    [C in Extract<IpcChannel, `${D}:${string}`> as VerbOf<C>]: Call<C>;
  };
};

export type Bridge = Domains & {
  /** Subscribes to a push event from main; returns the unsubscribe function. */
  on<E extends PushEvent>(event: E, listener: (payload: PushPayload<E>) => void): () => void;
};

function camel(verb: string): string {
  return verb.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Builds `window.airtime` from the IPC table: one function per channel, grouped by domain
 * (`airtime.auth.signIn(...)`). Built from a transport so the same object runs in Electron's
 * preload and in the browser test harness.
 */
export function buildBridge(invoke: Invoke, subscribe: Subscribe): Bridge {
  const domains: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of IPC_CHANNEL_NAMES) {
    const [domain, verb] = name.split(':') as [string, string];
    domains[domain] ??= {};
    domains[domain][camel(verb)] = (input?: unknown) => invoke(name, input);
  }
  const events = new Set<string>(PUSH_EVENT_NAMES);
  const on = (event: PushEvent, listener: (payload: unknown) => void) => {
    if (!events.has(event)) throw new Error(`Unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    // The listener gets the payload only: the IPC event object never reaches the page.
    return subscribe(event, (payload) => listener(payload));
  };
  return { ...(domains as unknown as Domains), on } as Bridge;
}

export type { IpcChannels };

/** The type of `window.airtime`: whatever `buildBridge` returns, never a hand-kept declaration. */
export type AirtimeApi = ReturnType<typeof buildBridge>;
