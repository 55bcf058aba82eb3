import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ApiErrorBody } from '../../../contract/errors';
import type { HttpMethod } from '../../../contract/http/routes';
import { KIOSK_CREDENTIAL_HEADER, KIOSK_VISIT_HEADER } from '../../../contract/http/kiosk';
import { ApiBaseUrl } from '../../../contract/settings';
import { AppError, isRetryable } from '../../errors';

/**
 * How a kiosk's requests differ: every one carries the kiosk credential and the current
 * customer's visit id, and every one can be cancelled when that customer's session is wiped.
 */
export interface KioskRequestContext {
  /** The policy's `kioskCredential`. */
  credential: string;
  /** The current customer's visit id; `null` on the welcome screen. */
  visitId(): string | null;
  /** Read per request: aborted when the visit is wiped. */
  signal(): AbortSignal | undefined;
  /** Called when the API says this kiosk is not (or no longer) enrolled. */
  onNotEnrolled(error: AppError): void;
}

export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  /** Wait before the second try; doubled before each further one. */
  baseDelayMs: number;
}

export interface TransportOptions {
  /** Read on every request, so a settings change applies at once. */
  baseUrl: () => string;
  /** Sent as `User-Agent: Airtime-Desktop/<appVersion>`. */
  appVersion: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** For tests (an adapter); production uses a fresh instance. */
  axiosInstance?: AxiosInstance;
  /** Set in kiosk mode only. */
  kiosk?: KioskRequestContext;
}

/** A file the API sent as it is (a PDF, a CSV), checked against the type that was asked for. */
export interface ApiFile {
  bytes: Buffer;
  /** The name the API suggests (`content-disposition`), when it is a plain file name. */
  fileName: string | null;
}

/** What a response body is read as: JSON checked by the caller, nothing (204), or a file. */
export type Expect =
  | { kind: 'json' }
  | { kind: 'none' }
  | {
      kind: 'file';
      /** The media type asked for; an answer of another type is refused. */
      mediaType: string;
      /** A check of the bytes themselves (a PDF's signature). */
      check?: (bytes: Buffer) => boolean;
    };

/** One request as it goes on the wire; the path is already built and escaped. */
export interface WireRequest {
  method: HttpMethod;
  path: string;
  /** Base URL for this request instead of the configured one. */
  baseUrl?: string;
  accessToken?: string;
  body?: unknown;
  query?: object;
  idempotencyKey?: string;
  expect: Expect;
  /**
   * Whether a try that failed in a way a retry can fix is sent again (up to the retry policy's
   * attempts): only for what sending twice cannot do twice.
   */
  resend: boolean;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 300 };
/** No answer of the API is near this size; a larger one is not the API. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** A statement PDF is a few kilobytes and a CSV of years of history well under this. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** What a file name suggested by the API may look like: no folders, no surprises. */
const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const MESSAGES = {
  network: "Can't reach the account service. Check your internet connection and try again.",
  tls: "Airtime couldn't confirm the account service's identity (its security certificate was not accepted).",
  timeout: 'The account service took too long to answer. Please try again.',
  invalid: 'The account service sent an answer Airtime does not understand.',
  unavailable: 'The account service is not available right now. Please try again in a few minutes.',
  notAirtime: 'That address did not answer like an Airtime account service.',
  notReady: 'The account service is running but not ready yet. Please try again in a minute.',
  badAddress: 'That is not a valid address for the account service.',
  cancelled: 'The request was stopped because the session ended.',
} as const;

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);

/** Errors a retry cannot fix even though they look like network failures (bad certificates). */
const permanent = new WeakSet<AppError>();

function transportError(error: unknown): AppError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_CANCELED') {
    // Cancelled on purpose (a kiosk visit was wiped): trying again would defeat the point.
    const cancelled = new AppError('network_unreachable', MESSAGES.cancelled);
    permanent.add(cancelled);
    return cancelled;
  }
  if (typeof code === 'string' && TLS_CODES.has(code)) {
    const tls = new AppError('network_unreachable', MESSAGES.tls);
    permanent.add(tls);
    return tls;
  }
  if (typeof code === 'string' && TIMEOUT_CODES.has(code))
    return new AppError('timeout', MESSAGES.timeout);
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED') {
    return new AppError('invalid_response', MESSAGES.invalid);
  }
  // ECONNREFUSED, ENOTFOUND, EAI_AGAIN, ECONNRESET, ENETUNREACH, ERR_NETWORK, …: no answer at all.
  return new AppError('network_unreachable', MESSAGES.network);
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Turns a non-2xx answer into the error the renderer is shown. */
function statusError(response: AxiosResponse<unknown>): AppError {
  const status = response.status;
  const body = ApiErrorBody.safeParse(parseJson(response.data));
  if (body.success) {
    // Every detail the contract knows comes along (and nothing else: the schema drops the rest).
    const { code, message, ...details } = body.data.error;
    return new AppError(code, message, { status, ...details });
  }
  // No answer in the API's words: a proxy or gateway in front of it failed, or it is not the API.
  if (status >= 500) return new AppError('service_unavailable', MESSAGES.unavailable, { status });
  return new AppError('invalid_response', MESSAGES.invalid, { status });
}

/** Whether a failed request that is safe to send again is sent again: when its code says so, unless it failed for good. */
function worthRetrying(error: AppError): boolean {
  return !permanent.has(error) && isRetryable(error.code);
}

function normaliseBaseUrl(raw: string): string {
  const parsed = ApiBaseUrl.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_request', MESSAGES.badAddress);
  return parsed.data;
}

/** `attachment; filename="airtime-statement-2026-04.pdf"` → the name, if it is a safe one. */
export function attachmentName(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /filename="([^"]*)"/i.exec(header) ?? /filename=([^;\s]+)/i.exec(header);
  const name = match?.[1];
  return name !== undefined && SAFE_FILE_NAME.test(name) && !name.includes('..') ? name : null;
}

const PDF_SIGNATURE = Buffer.from('%PDF-', 'latin1');
export const isPdf = (bytes: Buffer): boolean =>
  bytes.subarray(0, PDF_SIGNATURE.length).equals(PDF_SIGNATURE);

/** The raw answer of a 2xx: its status and body, the body not yet checked against the contract. */
export type WireAnswer =
  | { status: number; kind: 'json'; body: unknown }
  | { status: number; kind: 'none' }
  | { status: number; kind: 'file'; file: ApiFile };

export type Transport = (request: WireRequest) => Promise<WireAnswer>;

/**
 * The one place requests reach the account API: axios with every status handled here (no status
 * throws), errors mapped to {@link AppError} with the contract's codes, and what is safe to send
 * again retried with exponential backoff. Redirects are not followed (a redirect could carry a
 * bearer token to another host or to plain http), and TLS verification is always on: there is
 * deliberately no option to turn it off.
 */
export function createTransport(options: TransportOptions): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const http = options.axiosInstance ?? axios.create();
  const userAgent = `Airtime-Desktop/${options.appVersion}`;
  const kiosk = options.kiosk;

  /** The kiosk's headers and cancel signal; nothing outside kiosk mode. */
  function kioskParts(headers: Record<string, string>): { signal?: AbortSignal } {
    if (!kiosk) return {};
    headers[KIOSK_CREDENTIAL_HEADER] = kiosk.credential;
    const visit = kiosk.visitId();
    if (visit !== null) headers[KIOSK_VISIT_HEADER] = visit;
    const signal = kiosk.signal();
    return signal ? { signal } : {};
  }

  function failed(response: AxiosResponse<unknown>): AppError {
    const error = statusError(response);
    if (kiosk && error.code === 'kiosk_not_enrolled') kiosk.onNotEnrolled(error);
    return error;
  }

  async function once(spec: WireRequest): Promise<WireAnswer> {
    const expect = spec.expect;
    const file = expect.kind === 'file';
    const headers: Record<string, string> = {
      // Errors come as JSON whatever the success is.
      Accept: file ? `${expect.mediaType}, application/json` : 'application/json',
      'User-Agent': userAgent,
    };
    if (spec.accessToken !== undefined) headers['Authorization'] = `Bearer ${spec.accessToken}`;
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    if (spec.idempotencyKey !== undefined) headers['Idempotency-Key'] = spec.idempotencyKey;
    // A refused address is the caller's mistake, not a network failure: it is thrown as it is.
    const baseURL = normaliseBaseUrl(spec.baseUrl ?? options.baseUrl());
    const cancel = kioskParts(headers);
    let response: AxiosResponse<unknown>;
    try {
      response = await http.request<unknown>({
        ...cancel,
        method: spec.method,
        baseURL,
        url: spec.path,
        params: spec.query,
        data: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        headers,
        timeout: timeoutMs,
        maxRedirects: 0,
        maxContentLength: file ? MAX_FILE_BYTES : MAX_RESPONSE_BYTES,
        // A file's bytes are kept as they are; JSON is parsed here, so a non-JSON answer is an
        // invalid response, not a string.
        responseType: file ? 'arraybuffer' : 'text',
        transformResponse: [(data: unknown) => data],
        transitional: {
          clarifyTimeoutError: true,
          silentJSONParsing: true,
          forcedJSONParsing: false,
        },
        validateStatus: () => true,
      });
    } catch (error) {
      throw transportError(error);
    }
    const status = response.status;
    if (expect.kind !== 'file') {
      if (status < 200 || status >= 300) throw failed(response);
      return expect.kind === 'none'
        ? { status, kind: 'none' }
        : { status, kind: 'json', body: parseJson(response.data) };
    }
    const bytes = Buffer.isBuffer(response.data)
      ? response.data
      : response.data instanceof ArrayBuffer
        ? Buffer.from(response.data)
        : Buffer.alloc(0);
    if (status < 200 || status >= 300) throw failed({ ...response, data: bytes.toString('utf8') });
    const type = String(response.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== expect.mediaType || (expect.check && !expect.check(bytes))) {
      throw new AppError('invalid_response', MESSAGES.invalid, { status });
    }
    return {
      status,
      kind: 'file',
      file: { bytes, fileName: attachmentName(response.headers['content-disposition']) },
    };
  }

  return async (spec) => {
    const attempts = spec.resend ? Math.max(1, retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(spec);
      } catch (error) {
        if (!(error instanceof AppError) || attempt >= attempts || !worthRetrying(error))
          throw error;
        await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
  };
}
