import { ACCOUNT_ROUTES, TWO_FACTOR_ROUTES } from './account';
import { AUTH_ROUTES } from './auth';
import type { RouteDef, RouteTable } from './define';
import { KIOSK_ROUTES } from './kiosk';
import { PAYMENT_ROUTES } from './payments';
import { PLAN_ROUTES } from './plans';
import { SECURITY_ROUTES } from './security';

export type {
  FileResponse,
  HttpMethod,
  RateLimitClass,
  RouteAuth,
  RouteDef,
  RouteResponse,
  RouteTable,
  RouteTag,
} from './define';
export type { LockoutNumbers } from './auth';

/**
 * Every route of the account API, by a stable id: the server registers exactly these, the OpenAPI
 * document is generated from them, and clients call them by id. Each entry keeps its exact zod
 * types, so `Route<'payments.pay'>['body']` is the schema itself.
 */
export const ROUTES = {
  ...AUTH_ROUTES,
  ...TWO_FACTOR_ROUTES,
  ...ACCOUNT_ROUTES,
  ...SECURITY_ROUTES,
  ...PAYMENT_ROUTES,
  ...PLAN_ROUTES,
  ...KIOSK_ROUTES,
} as const satisfies RouteTable;

export type Routes = typeof ROUTES;
export type RouteId = keyof Routes;
export type Route<K extends RouteId> = Routes[K];

/** The status a route answers with when it succeeds. */
export type SuccessStatus<K extends RouteId> = Extract<
  keyof Route<K>['responses'],
  200 | 201 | 202 | 204
>;

export const ROUTE_IDS: readonly RouteId[] = Object.freeze(Object.keys(ROUTES) as RouteId[]);

/** The status a route answers with when it succeeds; each route has exactly one. */
export function successStatus(route: RouteDef): number {
  const statuses = Object.keys(route.responses)
    .map(Number)
    .filter((status) => status >= 200 && status < 300);
  if (statuses.length !== 1) {
    throw new Error(`${route.method} ${route.path} declares ${statuses.length} success statuses`);
  }
  return statuses[0]!;
}

/** A route's path as OpenAPI writes it: `/v1/account/statements/{id}` for `…/:id`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}
