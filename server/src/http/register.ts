import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifyContextConfig,
  FastifyInstance,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  ROUTES,
  type RouteAuth,
  type RouteDef,
  type RouteId,
  type Route,
  type SuccessStatus,
} from '../../../contract/http/routes';
import { PUBLIC_OR_KIOSK, rateLimitConfig, type RateLimits, type RouteRateLimit } from './shared';

/** A plugin scope of the app, with zod schemas as its type provider. */
export type ZodScope = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** `R[F]` when the route declares it, `undefined` (which Fastify reads as "not declared") if not. */
type Declared<R, F extends string> = R extends { readonly [P in F]: infer S } ? S : undefined;

/**
 * The schema a route's handler is typed by: its params, query, headers and body, and only its
 * success answer, as handlers answer errors by throwing `ApiHttpError` (the replay of a stored
 * error by `sendAnswer` goes through an untyped reply).
 */
type HandlerSchema<K extends RouteId> = {
  params: Declared<Route<K>, 'params'>;
  querystring: Declared<Route<K>, 'query'>;
  headers: Declared<Route<K>, 'headers'>;
  body: Declared<Route<K>, 'body'>;
  response: Pick<Route<K>['responses'], SuccessStatus<K>>;
};

/** A route's handler, with `request` and `reply` typed from the route's zod schemas. */
export type RouteHandler<K extends RouteId> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  HandlerSchema<K>,
  ZodTypeProvider,
  FastifyBaseLogger
>;

/** Exactly one handler for each route id: a missing one, or one for another route, is an error. */
export type RouteHandlers<Ids extends RouteId> = { [K in Ids]: RouteHandler<K> };

type LimitClass<Ids extends RouteId> = Exclude<Route<Ids>['rateLimit'], 'none'>;

/** The routes whose description is written from the server's configuration. */
type DescribedIds<Ids extends RouteId> = {
  [K in Ids]: Declared<Route<K>, 'description'> extends (configuration: never) => string
    ? K
    : never;
}[Ids];

type DescriptionInput<K extends RouteId> =
  Declared<Route<K>, 'description'> extends (configuration: infer C) => string ? C : never;

/**
 * What registering some routes needs besides their handlers: the limits of the rate-limit classes
 * they use and the configuration their descriptions publish (each asked for only when one of the
 * routes needs it), and any route config of the scope's own (a kiosk route's `kioskVisitOptional`).
 */
export type RegisterOptions<Ids extends RouteId> = ([LimitClass<Ids>] extends [never]
  ? { rateLimits?: undefined }
  : { rateLimits: Pick<RateLimits, LimitClass<Ids>> }) &
  ([DescribedIds<Ids>] extends [never]
    ? { describe?: undefined }
    : { describe: { [K in DescribedIds<Ids>]: DescriptionInput<K> } }) & {
    config?: { [K in Ids]?: FastifyContextConfig };
  };

type OptionsArgument<Ids extends RouteId> =
  object extends RegisterOptions<Ids>
    ? [options?: RegisterOptions<Ids>]
    : [options: RegisterOptions<Ids>];

/** The OpenAPI security requirement of each kind of caller; a public route declares none. */
const SECURITY: Record<RouteAuth, Array<Record<string, string[]>> | undefined> = {
  public: undefined,
  publicOrKiosk: PUBLIC_OR_KIOSK,
  bearer: [{ bearerAuth: [] }],
  kiosk: [{ kioskCredential: [] }],
};

/**
 * Registers routes of the table on `app`, with the method, path, schemas, OpenAPI texts,
 * security and rate limit the table declares, each served by its handler. `app` is the plugin
 * scope that carries what the routes have in common (the bearer-token hook, a prefix): a route's
 * full path must start with the scope's prefix, and a bearer route must be registered in a scope
 * that checks the token (and only a bearer route), or the app does not start.
 */
export function registerRoutes<const Ids extends RouteId>(
  app: ZodScope,
  ids: readonly Ids[],
  handlers: RouteHandlers<Ids>,
  ...[options]: OptionsArgument<Ids>
): void {
  const wanted = new Set<string>(ids);
  for (const id of Object.keys(handlers)) {
    if (!wanted.has(id)) throw new Error(`${id} has a handler but is not registered here`);
  }
  // Set by requireBearerToken, so the scope checks the token before anything else.
  const bearerScope = app.hasRequestDecorator('subscriberId');
  const limits: Partial<RateLimits> = options?.rateLimits ?? {};
  const inputs: Partial<Record<RouteId, unknown>> = options?.describe ?? {};
  for (const id of ids) {
    const route: RouteDef = ROUTES[id];
    const where = `${route.method} ${route.path} (${id})`;
    if (!route.path.startsWith(`${app.prefix}/`)) {
      throw new Error(`${where} cannot be registered under the prefix ${app.prefix}`);
    }
    if ((route.auth === 'bearer') !== bearerScope) {
      throw new Error(`${where} is ${route.auth}, in a scope that does the opposite`);
    }
    let limit: RouteRateLimit = false;
    if (route.rateLimit !== 'none') {
      const configured = limits[route.rateLimit];
      if (configured === undefined) throw new Error(`${where} has no ${route.rateLimit} limit`);
      limit = configured;
    }
    const description =
      typeof route.description === 'function'
        ? (route.description as (configuration: unknown) => string)(inputs[id])
        : route.description;
    app.route({
      method: route.method,
      url: route.path.slice(app.prefix.length),
      config: { ...rateLimitConfig(limit), ...options?.config?.[id] },
      schema: fastifySchema(route, description),
      handler: handlers[id] as RouteHandlerMethod,
    });
  }
}

/** The route schema Fastify validates and serializes with, and @fastify/swagger documents. */
function fastifySchema(route: RouteDef, description: string | undefined): FastifySchema {
  const security = SECURITY[route.auth];
  return {
    summary: route.summary,
    ...(description !== undefined && { description }),
    tags: [...route.tags],
    ...(security && { security }),
    ...(route.params && { params: route.params }),
    ...(route.query && { querystring: route.query }),
    ...(route.headers && { headers: route.headers }),
    ...(route.body && { body: route.body }),
    response: { ...route.responses },
  };
}
