import { z } from 'zod';
import { ApiErrorBody } from '../../errors';
import { IdempotencyHeaders } from '../payments';
import { ReceiptEmailResponse } from '../kiosk';

/**
 * How a route of the account API is declared: once, here, for the server that serves it, the
 * OpenAPI document generated from it, the desktop app that calls it and the tests that hold the
 * three together.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call a route:
 * - `public`: anyone, and the document declares no security at all (the plan catalogue);
 * - `publicOrKiosk`: anyone, a store kiosk with its credential (everything before a session);
 * - `bearer`: the access token of a live session;
 * - `kiosk`: only an enrolled store kiosk, with its credential and no token.
 */
export type RouteAuth = 'public' | 'publicOrKiosk' | 'bearer' | 'kiosk';

/**
 * Which per-client limit a route counts against, each set by the server's configuration:
 * - `auth`: sign-in, 2-step, refresh, sign-out, password reset and captcha challenges;
 * - `kiosk`: a store kiosk starting and ending visits;
 * - `password`: the routes that take the account's password again (argon2 work, and a stolen
 *   access token must not become a fast way to guess the password);
 * - `payments`: the routes that reach the card processor;
 * - `catalogue`: the public plan catalogue;
 * - `none`: only the limits of the services behind the route (lockouts, PIN and e-mail budgets).
 */
export type RateLimitClass = 'auth' | 'kiosk' | 'password' | 'payments' | 'catalogue' | 'none';

/** The groups of the OpenAPI document. */
export type RouteTag = 'auth' | 'account' | 'security' | 'payments' | 'plans' | 'kiosk';

/** A success answer that is a file rather than JSON: its media type and what the bytes are. */
export interface FileResponse {
  description: string;
  content: { readonly [mediaType: string]: { schema: z.ZodType } };
}

export type RouteResponse = z.ZodType | FileResponse;

/** The `Idempotency-Key` a route needs: declared as its headers, so both always go together. */
type Idempotency =
  | { idempotencyKey: true; headers: typeof IdempotencyHeaders }
  | { idempotencyKey: false; headers?: never };

export type RouteDef = Idempotency & {
  method: HttpMethod;
  /** The full path, with Fastify's `:name` for a path parameter. */
  path: `/v1/${string}`;
  auth: RouteAuth;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * Every answer the route itself gives, by status: one success (its body, `z.null()` for 204, or
   * a file) and `ApiErrorBody` for each error. The framework's own answers (403 for a refused
   * kiosk, 408, 413, 414, 415, 431, 500) are added to the document by the server.
   */
  responses: { readonly [status: number]: RouteResponse };
  rateLimit: RateLimitClass;
  summary: string;
  /**
   * The operation's description. A function when it publishes the server's own configuration
   * (the lockout numbers at sign-in): the server calls it with them when it registers the route.
   */
  // `never` accepts a function of any one argument; the server's types recover the real one.
  description?: string | ((configuration: never) => string);
  tags: readonly RouteTag[];
};

/** Routes by id, as each domain's file declares them. */
export type RouteTable = Record<string, RouteDef>;

/** Error answers every route that takes a JSON body can give. */
export const JSON_BODY_ERRORS = {
  400: ApiErrorBody,
  413: ApiErrorBody,
  415: ApiErrorBody,
  429: ApiErrorBody,
} as const;

/** Error answers of a signed-in GET: a bad query or parameter, and no valid session. */
export const READ_ERRORS = { 400: ApiErrorBody, 401: ApiErrorBody } as const;

/** Error answers of a signed-in POST: a body can also be too large, not JSON, or rate-limited. */
export const WRITE_ERRORS = { ...JSON_BODY_ERRORS, 401: ApiErrorBody } as const;

/**
 * What e-mailing a receipt answers, for a payment's and a plan change's alike: sent; not this
 * account's (404); no address on file or the day's limit reached (409); the mail server refused
 * it (502) or none is set up (503).
 */
export const RECEIPT_EMAIL_RESPONSES = {
  200: ReceiptEmailResponse,
  404: ApiErrorBody,
  409: ApiErrorBody,
  502: ApiErrorBody,
  503: ApiErrorBody,
  ...WRITE_ERRORS,
} as const;

/** A 204: no body. */
export const NoContent = z.null();

/** A POST that needs no body; an empty JSON object is accepted too. */
export const NoBody = z.strictObject({}).nullish();

/** The bytes of a PDF, described as a binary string in the OpenAPI document. */
export const PdfBytes = z
  .custom<Uint8Array>((value) => value instanceof Uint8Array)
  .meta({ type: 'string', format: 'binary' });

/** A PDF download. */
export const pdfFile = (description: string) =>
  ({ description, content: { 'application/pdf': { schema: PdfBytes } } }) as const;

/** A CSV download, as text. */
export const csvFile = (description: string) =>
  ({ description, content: { 'text/csv': { schema: z.string() } } }) as const;
