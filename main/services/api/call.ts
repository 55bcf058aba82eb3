import type { z } from 'zod';
import {
  ROUTES,
  successStatus,
  type FileResponse,
  type Route,
  type RouteDef,
  type RouteId,
  type RouteResponse,
  type SuccessStatus,
} from '../../../contract/http/routes';
import { AppError } from '../../errors';
import { isPdf, MESSAGES, type ApiFile, type Expect, type Transport } from './transport';

/** The schema a route declares for one part of the request, or `undefined` when it has none. */
type PartSchema<R, Part extends 'params' | 'query' | 'body'> = R extends {
  readonly [P in Part]: infer S extends z.ZodType;
}
  ? S
  : undefined;

/**
 * One part of a call's input: absent when the route has no such part, optional when an empty
 * one is valid (a body of `NoBody`, a query whose fields all have defaults), required otherwise.
 */
type Part<Name extends string, S> = S extends z.ZodType
  ? undefined extends z.input<S>
    ? { readonly [P in Name]?: z.input<S> }
    : Record<never, never> extends z.input<S>
      ? { readonly [P in Name]?: z.input<S> }
      : { readonly [P in Name]: z.input<S> }
  : { readonly [P in Name]?: never };

/**
 * A session's access token: required where the route is `bearer`, never on a kiosk's own routes
 * (the kiosk's headers are its credential), and allowed where anyone may call (the plan
 * catalogue is read with the session's token, as the signed-in app always has).
 */
type AuthPart<K extends RouteId> = Route<K>['auth'] extends 'bearer'
  ? { readonly accessToken: string }
  : Route<K>['auth'] extends 'kiosk'
    ? { readonly accessToken?: never }
    : { readonly accessToken?: string };

/**
 * The caller's Idempotency-Key on the routes that take one: a retry of the same intent must send
 * the same key, so only the caller can make it.
 */
type KeyPart<K extends RouteId> = Route<K>['idempotencyKey'] extends true
  ? { readonly idempotencyKey: string }
  : { readonly idempotencyKey?: never };

type Flatten<T> = { [P in keyof T]: T[P] } & {};

/** What `call(id, input)` takes for route `K`, from its zod schemas and its `auth`. */
export type CallInput<K extends RouteId> = Flatten<
  Part<'params', PartSchema<Route<K>, 'params'>> &
    Part<'query', PartSchema<Route<K>, 'query'>> &
    Part<'body', PartSchema<Route<K>, 'body'>> &
    AuthPart<K> &
    KeyPart<K>
>;

type SuccessEntry<K extends RouteId> = Route<K>['responses'][SuccessStatus<K>];

/**
 * What `call(id, …)` resolves with: nothing for a 204, the success schema's output, or the file
 * of a download.
 */
export type CallResult<K extends RouteId> =
  SuccessStatus<K> extends 204
    ? void
    : SuccessEntry<K> extends z.ZodType
      ? z.output<SuccessEntry<K>>
      : ApiFile;

/** The input may be left out when the route needs none (the captcha challenge, a kiosk visit). */
export type CallArgs<K extends RouteId> =
  Record<never, never> extends CallInput<K> ? [input?: CallInput<K>] : [input: CallInput<K>];

/**
 * One route of the account API, by its id in the contract's `ROUTES`. Resolves with the body the
 * route's success schema parsed, or rejects with an {@link AppError}.
 */
export type ApiCall = <K extends RouteId>(id: K, ...args: CallArgs<K>) => Promise<CallResult<K>>;

/** What any route takes, once its id no longer says which parts it has. */
export interface AnyCallInput {
  params?: object;
  query?: object;
  body?: unknown;
  idempotencyKey?: string;
  accessToken?: string;
}

const isFile = (response: RouteResponse): response is FileResponse =>
  typeof (response as Partial<z.ZodType>).safeParse !== 'function';

interface Answer {
  expect: Expect;
  /** The 2xx body's schema; `null` when there is none to read (204, a file). */
  schema: z.ZodType | null;
}

/** How a route's success is read, from its one success entry; worked out once per route. */
const answers = new Map<RouteDef, Answer>();
function answerOf(route: RouteDef): Answer {
  let answer = answers.get(route);
  if (answer) return answer;
  const status = successStatus(route);
  const entry = route.responses[status]!;
  if (isFile(entry)) {
    const mediaType = Object.keys(entry.content)[0]!;
    answer = {
      expect: {
        kind: 'file',
        mediaType,
        ...(mediaType === 'application/pdf' ? { check: isPdf } : {}),
      },
      schema: null,
    };
  } else {
    answer =
      status === 204
        ? { expect: { kind: 'none' }, schema: null }
        : { expect: { kind: 'json' }, schema: entry };
  }
  answers.set(route, answer);
  return answer;
}

/** `/v1/account/statements/:id/pdf` with `{ id }`: every parameter URL-encoded. */
export function routePath(path: string, params: object | undefined): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const value = (params as Record<string, unknown> | undefined)?.[name];
    // The input's type requires every parameter; a missing one is a bug, not the API's refusal.
    if (value === undefined || value === null) throw new Error(`${path} needs :${name}`);
    return encodeURIComponent(String(value));
  });
}

/** Where a page starts and its size come first: a cursor reads best at the head of a URL. */
const PAGE_FIELDS = ['cursor', 'limit'];

/**
 * The query in one stable order, so the same request is the same URL in logs: the page first,
 * then the route's own fields in the order its schema declares them, then anything else.
 */
export function orderedQuery(schema: z.ZodType | undefined, query: object): object {
  const shape = (schema as { shape?: object } | undefined)?.shape ?? {};
  const order = [...PAGE_FIELDS, ...Object.keys(shape), ...Object.keys(query)];
  const ordered: Record<string, unknown> = {};
  for (const key of order) {
    if (Object.hasOwn(query, key) && !Object.hasOwn(ordered, key))
      ordered[key] = (query as Record<string, unknown>)[key];
  }
  return ordered;
}

/**
 * Only what sending twice cannot do twice is sent again by the transport: a GET. A route with an
 * Idempotency-Key could be, but its retries belong to the action that made the key (see
 * `IdempotentAction`): the person is shown that the outcome is unknown and tries again with the
 * same key, rather than waiting through backoff on a request that moves money.
 */
const resendable = (route: RouteDef): boolean => route.method === 'GET';

/** Sends route `id` with `input`, untyped: {@link createCall} gives it its types. */
function sendRoute(transport: Transport, id: RouteId, input: AnyCallInput = {}): Promise<unknown> {
  const route: RouteDef = ROUTES[id];
  const { expect, schema } = answerOf(route);
  // Every POST and PUT is a JSON request, `{}` where the route takes no fields.
  const body =
    input.body === undefined && (route.method === 'POST' || route.method === 'PUT')
      ? {}
      : input.body;
  return transport({
    method: route.method,
    path: routePath(route.path, input.params),
    ...(input.accessToken !== undefined ? { accessToken: input.accessToken } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(input.query !== undefined ? { query: orderedQuery(route.query, input.query) } : {}),
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
    expect,
    resend: resendable(route),
  }).then((answer) => {
    if (answer.kind === 'file') return answer.file;
    if (answer.kind === 'none' || schema === null) return undefined;
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success)
      throw new AppError('invalid_response', MESSAGES.invalid, { status: answer.status });
    return parsed.data;
  });
}

/** The typed `call` over a transport. */
export function createCall(transport: Transport): ApiCall {
  return ((id: RouteId, input?: AnyCallInput) => sendRoute(transport, id, input)) as ApiCall;
}
