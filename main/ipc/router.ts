import type { z } from 'zod';
import { errorIssueOf } from '../../contract/errors';
import {
  IPC_CHANNELS,
  PUSH_EVENTS,
  type IpcChannel,
  type IpcOutput,
  type IpcParsedInput,
  type PushEvent,
  type Result,
} from '../../contract/ipc';
import { isAppError } from '../errors';
import type { Log } from '../services/logger';
import type { PushEmitter } from '../services/session';

export interface HandlerContext {
  /** URL of the frame that sent the request (already checked to be the app's own renderer). */
  senderUrl: string;
}

export type IpcHandlers = {
  [C in IpcChannel]: (input: IpcParsedInput<C>, context: HandlerContext) => Promise<IpcOutput<C>>;
};

type DomainOf<C> = C extends `${infer D}:${string}` ? D : never;

/** The part of a channel name before the colon: `auth`, `settings`, `kiosk`… */
export type IpcDomain = DomainOf<IpcChannel>;

/**
 * The handlers of one or more domains, exactly: a handler file returning this for
 * `'plans' | 'addons'` does not compile when it misses a channel of those domains or adds one
 * of another.
 */
export type HandlersFor<D extends IpcDomain> = Pick<
  IpcHandlers,
  Extract<IpcChannel, `${D}:${string}`>
>;

export interface IpcRouterOptions {
  handlers: IpcHandlers;
  /** True only for frames of the app's own renderer. */
  isTrustedSender(url: string | undefined): boolean;
  /** Where unexpected errors are reported (their details never reach the renderer). */
  onUnexpectedError?(channel: string, error: unknown): void;
}

export interface IpcRouter {
  dispatch(
    channel: string,
    senderUrl: string | undefined,
    payload: unknown,
  ): Promise<Result<unknown>>;
  channels: readonly IpcChannel[];
}

function issuesOf(error: z.ZodError) {
  return error.issues.map((i) => errorIssueOf(i, i.path.join('.') || 'input'));
}

/**
 * The single `handle()` every channel goes through: (1) reject senders that are not the app's
 * renderer, (2) parse the `unknown` payload with the channel's schema, (3) call the handler and
 * wrap whatever happens in a Result envelope. Nothing is thrown across IPC.
 */
export function createIpcRouter(options: IpcRouterOptions): IpcRouter {
  const channels = Object.keys(IPC_CHANNELS) as IpcChannel[];
  return {
    channels,
    async dispatch(channel, senderUrl, payload) {
      if (!options.isTrustedSender(senderUrl)) {
        return {
          ok: false,
          error: { code: 'forbidden', message: 'This request did not come from Airtime.' },
        };
      }
      if (!Object.hasOwn(IPC_CHANNELS, channel)) {
        return {
          ok: false,
          error: { code: 'not_found', message: `There is no channel ${channel.slice(0, 60)}.` },
        };
      }
      const name = channel as IpcChannel;
      const parsed = IPC_CHANNELS[name].input.safeParse(payload);
      if (!parsed.success) {
        const issues = issuesOf(parsed.error);
        return {
          ok: false,
          error: {
            code: 'invalid_request',
            message: issues[0] ? issues[0].message : 'The request is not valid.',
            issues,
          },
        };
      }
      try {
        const handler = options.handlers[name] as (
          input: unknown,
          context: HandlerContext,
        ) => Promise<unknown>;
        const value = await handler(parsed.data, { senderUrl: senderUrl ?? '' });
        return { ok: true, value };
      } catch (error) {
        if (isAppError(error)) return { ok: false, error: error.toApiError() };
        options.onUnexpectedError?.(name, error);
        return {
          ok: false,
          error: {
            code: 'internal_error',
            message: 'Something went wrong in Airtime. Please try again.',
          },
        };
      }
    },
  };
}

/**
 * Sender check for one origin: `app://airtime` in the packaged app, the dev server's origin in
 * development, the harness's origin in browser tests. Compares scheme and host exactly (custom
 * schemes have an opaque `origin`, so `URL.origin` cannot be used).
 */
export function senderCheck(allowedOrigin: string): (url: string | undefined) => boolean {
  const allowed = new URL(allowedOrigin);
  return (url) => {
    if (!url) return false;
    try {
      const u = new URL(url);
      return u.protocol === allowed.protocol && u.host === allowed.host;
    } catch {
      return false;
    }
  };
}

/**
 * The way out for push events: every payload is checked against PUSH_EVENTS first, as the router
 * checks every request, and one that does not match (or an unknown event) is logged, not sent.
 * A failing `send` is logged too: a push never throws into the service that emitted it.
 */
export function createPushEmitter(
  send: (event: PushEvent, payload: unknown) => void,
  log: Log,
): PushEmitter {
  return (event, payload) => {
    if (!Object.hasOwn(PUSH_EVENTS, event)) {
      log.error({ event: String(event) }, 'push: unknown event; not sent');
      return;
    }
    const parsed = PUSH_EVENTS[event].safeParse(payload);
    if (!parsed.success) {
      log.error({ event }, 'push: payload does not match the contract; not sent');
      return;
    }
    try {
      send(event, parsed.data);
    } catch (error) {
      log.error({ err: error, event }, 'push: sending failed');
    }
  };
}
