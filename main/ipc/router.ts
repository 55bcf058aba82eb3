import type { z } from 'zod';
import {
  IPC_CHANNELS,
  type IpcChannel,
  type IpcOutput,
  type IpcParsedInput,
  type Result,
} from '../../contract/ipc';
import { isAppError } from '../errors';

export interface HandlerContext {
  /** URL of the frame that sent the request (already checked to be the app's own renderer). */
  senderUrl: string;
}

export type IpcHandlers = {
  [C in IpcChannel]: (input: IpcParsedInput<C>, context: HandlerContext) => Promise<IpcOutput<C>>;
};

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
  return error.issues.map((i) => ({ path: i.path.join('.') || 'input', message: i.message }));
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
