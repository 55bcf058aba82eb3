import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { ApiErrorBody, CaptchaChallenge } from '../../contract/errors';
import { RefreshResponse, SignInResponse, type DeviceInfo } from '../../contract/http/auth';
import {
  AccountSummary,
  PaymentList,
  Plan,
  StatementDetail,
  StatementList,
  UsageResponse,
} from '../../contract/http/account';
import { AutopayView, type AutopayUpdate } from '../../contract/http/autopay';
import { UsageInsights } from '../../contract/http/insights';
import {
  AddOnList,
  AddOnPurchase,
  CancelledPlanChange,
  PlanCatalogue,
  PlanChangePreview,
  PlanChangeReceipt,
  PlanChangeResult,
  type PlanChangePreviewRequest,
  type PlanChangeRequest,
} from '../../contract/http/plans';
import { Readiness } from '../../contract/http/health';
import {
  ResetStartResponse,
  ResetVerifyResponse,
  type ResetChannel,
} from '../../contract/http/recovery';
import {
  ChangePasswordResponse,
  SecurityEventList,
  SecurityOverview,
  SessionList,
  SignOutOthersResponse,
  type ChangeContactRequest,
  type ChangePasswordRequest,
} from '../../contract/http/security';
import {
  RecoveryCodesResponse,
  SecondFactorResendResponse,
  TwoFactorConfirmResponse,
  TwoFactorEnrolResponse,
  type TwoFactorMethod,
} from '../../contract/http/two-factor';
import { ApiBaseUrl } from '../../contract/settings';
import {
  Receipt,
  SavedCard,
  SavedCardList,
  type AddCardRequest,
  type PayRequest,
} from '../../contract/http/payments';
import {
  KIOSK_CREDENTIAL_HEADER,
  KIOSK_VISIT_HEADER,
  KioskVisitEndResponse,
  KioskVisitStartResponse,
  ReceiptEmailResponse,
} from '../../contract/http/kiosk';
import { AppError } from '../errors';

/** A page of a cursor-paginated list. */
export interface PageParams {
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** Statement and payment filters: months as `YYYY-MM`, amounts as inclusive bounds in cents. */
export interface ExportFilterParams {
  month?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  minAmountCents?: number | undefined;
  maxAmountCents?: number | undefined;
}

/** A file the API sent as it is (a PDF, a CSV), checked against the type that was asked for. */
export interface ApiFile {
  bytes: Buffer;
  /** The name the API suggests (`content-disposition`), when it is a plain file name. */
  fileName: string | null;
}

/** The API's file downloads. Kept apart from {@link ApiClient} so JSON-only fakes need not grow. */
export interface ApiDownloads {
  /** A statement as a PDF (`%PDF-` checked). */
  statementPdf(accessToken: string, id: string): Promise<ApiFile>;
  statementsCsv(accessToken: string, filters?: ExportFilterParams): Promise<ApiFile>;
  paymentsCsv(accessToken: string, filters?: ExportFilterParams): Promise<ApiFile>;
}

/**
 * Saved cards and the routes that move money. Kept apart from {@link ApiClient} like the
 * downloads. `idempotencyKey` is the caller's: a retry must send the same one, so the money moves
 * once.
 */
export interface ApiPayments {
  paymentMethods(accessToken: string): Promise<SavedCardList>;
  addPaymentMethod(accessToken: string, body: AddCardRequest): Promise<SavedCard>;
  removePaymentMethod(accessToken: string, id: string): Promise<void>;
  setDefaultPaymentMethod(accessToken: string, id: string): Promise<SavedCardList>;
  pay(accessToken: string, body: PayRequest, idempotencyKey: string): Promise<Receipt>;
  refill(accessToken: string, pin: string, idempotencyKey: string): Promise<Receipt>;
  receipt(accessToken: string, paymentId: string): Promise<Receipt>;
}

/**
 * The plan catalogue, plan changes and add-ons. Kept apart from {@link ApiClient} like the
 * downloads. `idempotencyKey` is the caller's: a retry of the same change or purchase sends the
 * same one, so it happens once.
 */
export interface ApiPlans {
  planCatalogue(accessToken: string): Promise<PlanCatalogue>;
  planPreview(accessToken: string, body: PlanChangePreviewRequest): Promise<PlanChangePreview>;
  planChange(
    accessToken: string,
    body: PlanChangeRequest,
    idempotencyKey: string,
  ): Promise<PlanChangeResult>;
  addOns(accessToken: string): Promise<AddOnList>;
  buyAddOn(accessToken: string, addOnId: string, idempotencyKey: string): Promise<AddOnPurchase>;
  /** Cancels the change scheduled for the renewal (no money moves, so no key). */
  cancelPendingPlanChange(accessToken: string): Promise<CancelledPlanChange>;
}

/** AutoPay: on or off with a saved card. Kept apart from {@link ApiClient} like the downloads. */
export interface ApiAutopay {
  autopay(accessToken: string): Promise<AutopayView>;
  /** A PUT: it sets the state, so sending it again changes nothing more. */
  updateAutopay(accessToken: string, body: AutopayUpdate): Promise<AutopayView>;
}

/**
 * What only a store kiosk calls: ending its visits, and receipts by e-mail (a kiosk keeps no
 * files). Kept apart from {@link ApiClient} like the downloads.
 */
export interface ApiKiosk {
  /** `POST /v1/kiosk/visits`: a new customer visit; the API accepts only visit ids it issued. */
  startKioskVisit(): Promise<KioskVisitStartResponse>;
  /** `POST /v1/kiosk/visits/end`: revokes every session opened from this kiosk. */
  endKioskVisits(): Promise<KioskVisitEndResponse>;
  emailPaymentReceipt(accessToken: string, paymentId: string): Promise<ReceiptEmailResponse>;
  /** A plan change as its receipt shows it (`GET /v1/account/plan/changes/:id/receipt`). */
  planChangeReceipt(accessToken: string, changeId: string): Promise<PlanChangeReceipt>;
  emailPlanChangeReceipt(accessToken: string, changeId: string): Promise<ReceiptEmailResponse>;
}

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

export interface SignInBody {
  phone: string;
  password: string;
  captcha?: string | undefined;
  device?: DeviceInfo | undefined;
  /** A remembered computer's token: skips the second step while the server still honours it. */
  deviceToken?: string | undefined;
  /**
   * The device cookie of the last sign-in to this number: this computer's own allowance of
   * wrong passwords, whatever others try.
   */
  deviceCookie?: string | undefined;
}

export interface SecondFactorBody {
  challenge: string;
  code: string;
  rememberDevice?: boolean | undefined;
  device?: DeviceInfo | undefined;
}

/** The account API as the main process uses it. Every method resolves with contract-checked data or rejects with an {@link AppError}. */
export interface ApiClient {
  /** A 2-step account answers `second_factor_required`, its challenge in `extra.secondFactor`. */
  signIn(body: SignInBody): Promise<SignInResponse>;
  secondFactor(body: SecondFactorBody): Promise<SignInResponse>;
  /** Another text for an `sms` second-factor challenge. */
  secondFactorResend(challenge: string): Promise<SecondFactorResendResponse>;
  refresh(refreshToken: string): Promise<RefreshResponse>;
  /** Revokes the session the token belongs to. */
  signOut(refreshToken: string): Promise<void>;
  /** A proof-of-work challenge to solve before a risky request (a password reset). */
  captchaChallenge(): Promise<CaptchaChallenge>;
  resetStart(body: {
    phone: string;
    channel: ResetChannel;
    captcha: string;
  }): Promise<ResetStartResponse>;
  resetVerify(body: { phone: string; code: string }): Promise<ResetVerifyResponse>;
  resetComplete(body: { ticket: string; newPassword: string }): Promise<void>;
  securityOverview(accessToken: string): Promise<SecurityOverview>;
  changePassword(accessToken: string, body: ChangePasswordRequest): Promise<ChangePasswordResponse>;
  changeContact(accessToken: string, body: ChangeContactRequest): Promise<SecurityOverview>;
  sessions(accessToken: string): Promise<SessionList>;
  signOutSession(accessToken: string, id: string): Promise<void>;
  signOutOthers(accessToken: string): Promise<SignOutOthersResponse>;
  securityEvents(accessToken: string, page?: PageParams): Promise<SecurityEventList>;
  twoFactorEnrol(accessToken: string, method: TwoFactorMethod): Promise<TwoFactorEnrolResponse>;
  /** Another text with the enrolment code for `sms`. */
  twoFactorResend(accessToken: string): Promise<SecondFactorResendResponse>;
  twoFactorConfirm(accessToken: string, code: string): Promise<TwoFactorConfirmResponse>;
  twoFactorDisable(accessToken: string, password: string): Promise<void>;
  /** Replaces the recovery codes; the old ones stop working. */
  recoveryCodes(accessToken: string, password: string): Promise<RecoveryCodesResponse>;
  summary(accessToken: string): Promise<AccountSummary>;
  plan(accessToken: string): Promise<Plan>;
  /** `cycle`: `current` (default) or any day (`YYYY-MM-DD`) inside the wanted cycle. */
  usage(accessToken: string, cycle?: string): Promise<UsageResponse>;
  /** This cycle's data forecast and the plan advisor's suggestion. */
  insights(accessToken: string): Promise<UsageInsights>;
  statements(accessToken: string, query?: PageParams & ExportFilterParams): Promise<StatementList>;
  statement(accessToken: string, id: string): Promise<StatementDetail>;
  payments(accessToken: string, page?: PageParams): Promise<PaymentList>;
  /** One GET `/readyz` on `baseUrl` (not the configured one): for "Test connection". */
  ping(baseUrl: string): Promise<{ latencyMs: number }>;
}

export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  /** Wait before the second try; doubled before each further one. */
  baseDelayMs: number;
}

export interface ApiClientOptions {
  /** Read on every request, so a settings change applies at once. */
  baseUrl: () => string;
  /** Sent as `User-Agent: Airtime-Desktop/<appVersion>`. */
  appVersion: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds for latency figures. */
  now?: () => number;
  /** For tests (an adapter); production uses a fresh instance. */
  axiosInstance?: AxiosInstance;
  /** Set in kiosk mode only. */
  kiosk?: KioskRequestContext;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 300 };
/** No answer of the API is near this size; a larger one is not the API. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** A statement PDF is a few kilobytes and a CSV of years of history well under this. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** What a file name suggested by the API may look like: no folders, no surprises. */
const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const MESSAGES = {
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
const RETRYABLE_STATUS = new Set([502, 503, 504]);

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
    const { code, message, retryAfterSeconds, issues, captcha, attemptsLeft, feedback } =
      body.data.error;
    const { secondFactor, shortfallCents } = body.data.error;
    return new AppError(code, message, {
      status,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(issues !== undefined ? { issues } : {}),
      ...(captcha !== undefined ? { captcha } : {}),
      ...(attemptsLeft !== undefined ? { attemptsLeft } : {}),
      ...(feedback !== undefined ? { feedback } : {}),
      ...(secondFactor !== undefined ? { secondFactor } : {}),
      ...(shortfallCents !== undefined ? { shortfallCents } : {}),
    });
  }
  if (status >= 500) return new AppError('service_unavailable', MESSAGES.unavailable, { status });
  return new AppError('invalid_response', MESSAGES.invalid, { status });
}

function isRetryable(error: AppError): boolean {
  if (permanent.has(error)) return false;
  if (error.code === 'network_unreachable' || error.code === 'timeout') return true;
  return error.extra.status !== undefined && RETRYABLE_STATUS.has(error.extra.status);
}

function normaliseBaseUrl(raw: string): string {
  const parsed = ApiBaseUrl.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_request', MESSAGES.badAddress);
  return parsed.data;
}

interface RequestSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Base URL for this request instead of the configured one. */
  baseUrl?: string;
  accessToken?: string;
  body?: unknown;
  params?: Record<string, string | number | undefined>;
  /** Schema of the 2xx body; `null` when the body is ignored (204). */
  schema: z.ZodType<T> | null;
  /** Override of the retry policy (ping never retries). */
  attempts?: number;
  /** Sent as `Idempotency-Key` on requests that move money. */
  idempotencyKey?: string;
}

interface FileSpec {
  path: string;
  accessToken: string;
  params?: Record<string, string | number | undefined>;
  /** The media type asked for; an answer of another type is refused. */
  accept: 'application/pdf' | 'text/csv';
  /** A check of the bytes themselves (a PDF's signature). */
  check?: (bytes: Buffer) => boolean;
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

/**
 * The account API client: axios with every status handled here (no status throws), bodies
 * checked against the contract, errors mapped to {@link AppError} with the contract's codes,
 * idempotent GETs retried with exponential backoff. Redirects are not followed (a redirect could
 * carry a bearer token to another host or to plain http), and TLS verification is always on:
 * there is deliberately no option to turn it off.
 */
export function createApiClient(
  options: ApiClientOptions,
): ApiClient & ApiDownloads & ApiPayments & ApiPlans & ApiAutopay & ApiKiosk {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => performance.now());
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

  async function once<T>(spec: RequestSpec<T>): Promise<T> {
    const baseURL = normaliseBaseUrl(spec.baseUrl ?? options.baseUrl());
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': userAgent,
    };
    if (spec.accessToken !== undefined) headers['Authorization'] = `Bearer ${spec.accessToken}`;
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    if (spec.idempotencyKey !== undefined) headers['Idempotency-Key'] = spec.idempotencyKey;
    const cancel = kioskParts(headers);
    let response: AxiosResponse<unknown>;
    try {
      response = await http.request<unknown>({
        ...cancel,
        method: spec.method,
        baseURL,
        url: spec.path,
        params: spec.params,
        data: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        headers,
        timeout: timeoutMs,
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        responseType: 'text',
        // Bodies are parsed here, so a non-JSON answer is an invalid response, not a string.
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
    if (response.status < 200 || response.status >= 300) throw failed(response);
    if (spec.schema === null) return undefined as T;
    const parsed = spec.schema.safeParse(parseJson(response.data));
    if (!parsed.success)
      throw new AppError('invalid_response', MESSAGES.invalid, { status: response.status });
    return parsed.data;
  }

  async function request<T>(spec: RequestSpec<T>): Promise<T> {
    const attempts = spec.method === 'GET' ? Math.max(1, spec.attempts ?? retry.attempts) : 1;
    return retrying(attempts, () => once(spec));
  }

  async function retrying<T>(attempts: number, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof AppError) || attempt >= attempts || !isRetryable(error)) throw error;
        await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  /** A GET whose body is a file: raw bytes, never parsed; errors still come as JSON. */
  async function fileOnce(spec: FileSpec): Promise<ApiFile> {
    const headers: Record<string, string> = {
      Accept: `${spec.accept}, application/json`,
      'User-Agent': userAgent,
      Authorization: `Bearer ${spec.accessToken}`,
    };
    const cancel = kioskParts(headers);
    let response: AxiosResponse<unknown>;
    try {
      response = await http.request<unknown>({
        ...cancel,
        method: 'GET',
        baseURL: normaliseBaseUrl(options.baseUrl()),
        url: spec.path,
        params: spec.params,
        headers,
        timeout: timeoutMs,
        maxRedirects: 0,
        maxContentLength: MAX_FILE_BYTES,
        responseType: 'arraybuffer',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
      });
    } catch (error) {
      throw transportError(error);
    }
    const bytes = Buffer.isBuffer(response.data)
      ? response.data
      : response.data instanceof ArrayBuffer
        ? Buffer.from(response.data)
        : Buffer.alloc(0);
    if (response.status < 200 || response.status >= 300) {
      throw failed({ ...response, data: bytes.toString('utf8') });
    }
    const type = String(response.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== spec.accept || (spec.check && !spec.check(bytes))) {
      throw new AppError('invalid_response', MESSAGES.invalid, { status: response.status });
    }
    return { bytes, fileName: attachmentName(response.headers['content-disposition']) };
  }

  const file = (spec: FileSpec) => retrying(retry.attempts, () => fileOnce(spec));

  const page = (p: PageParams | undefined) => ({ cursor: p?.cursor, limit: p?.limit });
  const filters = (f: ExportFilterParams | undefined) => ({
    month: f?.month,
    from: f?.from,
    to: f?.to,
    minAmountCents: f?.minAmountCents,
    maxAmountCents: f?.maxAmountCents,
  });
  /** A bearer POST; `{}` when the route takes no fields, so every POST is a JSON request. */
  const post = <T>(accessToken: string, path: string, schema: z.ZodType<T> | null, body = {}) =>
    request({ method: 'POST', path, accessToken, body, schema });
  const get = <T>(accessToken: string, path: string, schema: z.ZodType<T>) =>
    request({ method: 'GET', path, accessToken, schema });

  return {
    signIn: (body) =>
      request({
        method: 'POST',
        path: '/v1/auth/sign-in',
        body: {
          phone: body.phone,
          password: body.password,
          ...(body.captcha ? { captcha: body.captcha } : {}),
          ...(body.device ? { device: body.device } : {}),
          ...(body.deviceToken ? { deviceToken: body.deviceToken } : {}),
          ...(body.deviceCookie ? { deviceCookie: body.deviceCookie } : {}),
        },
        schema: SignInResponse,
      }),
    secondFactor: (body) =>
      request({
        method: 'POST',
        path: '/v1/auth/second-factor',
        body: {
          challenge: body.challenge,
          code: body.code,
          ...(body.rememberDevice !== undefined ? { rememberDevice: body.rememberDevice } : {}),
          ...(body.device ? { device: body.device } : {}),
        },
        schema: SignInResponse,
      }),
    secondFactorResend: (challenge) =>
      request({
        method: 'POST',
        path: '/v1/auth/second-factor/resend',
        body: { challenge },
        schema: SecondFactorResendResponse,
      }),
    refresh: (refreshToken) =>
      request({
        method: 'POST',
        path: '/v1/auth/refresh',
        body: { refreshToken },
        schema: RefreshResponse,
      }),
    signOut: (refreshToken) =>
      request({ method: 'POST', path: '/v1/auth/sign-out', body: { refreshToken }, schema: null }),
    captchaChallenge: () =>
      request({ method: 'GET', path: '/v1/captcha/challenge', schema: CaptchaChallenge }),
    resetStart: (body) =>
      request({
        method: 'POST',
        path: '/v1/auth/reset/start',
        body: { phone: body.phone, channel: body.channel, captcha: body.captcha },
        schema: ResetStartResponse,
      }),
    resetVerify: (body) =>
      request({
        method: 'POST',
        path: '/v1/auth/reset/verify',
        body: { phone: body.phone, code: body.code },
        schema: ResetVerifyResponse,
      }),
    resetComplete: (body) =>
      request({
        method: 'POST',
        path: '/v1/auth/reset/complete',
        body: { ticket: body.ticket, newPassword: body.newPassword },
        schema: null,
      }),
    securityOverview: (t) => get(t, '/v1/account/security', SecurityOverview),
    changePassword: (t, body) =>
      post(t, '/v1/account/password', ChangePasswordResponse, {
        currentPassword: body.currentPassword,
        newPassword: body.newPassword,
      }),
    changeContact: (t, body) =>
      post(t, '/v1/account/contact', SecurityOverview, {
        password: body.password,
        ...(body.email !== undefined ? { email: body.email } : {}),
        ...(body.contactPhone !== undefined ? { contactPhone: body.contactPhone } : {}),
      }),
    sessions: (t) => get(t, '/v1/account/sessions', SessionList),
    signOutSession: (t, id) =>
      post(t, `/v1/account/sessions/${encodeURIComponent(id)}/sign-out`, null),
    signOutOthers: (t) => post(t, '/v1/account/sessions/sign-out-others', SignOutOthersResponse),
    securityEvents: (t, p) =>
      request({
        method: 'GET',
        path: '/v1/account/security-events',
        accessToken: t,
        params: page(p),
        schema: SecurityEventList,
      }),
    twoFactorEnrol: (t, method) =>
      post(t, '/v1/account/two-factor/enrol', TwoFactorEnrolResponse, { method }),
    twoFactorResend: (t) => post(t, '/v1/account/two-factor/resend', SecondFactorResendResponse),
    twoFactorConfirm: (t, code) =>
      post(t, '/v1/account/two-factor/confirm', TwoFactorConfirmResponse, { code }),
    twoFactorDisable: (t, password) =>
      post(t, '/v1/account/two-factor/disable', null, { password }),
    recoveryCodes: (t, password) =>
      post(t, '/v1/account/two-factor/recovery-codes', RecoveryCodesResponse, { password }),
    summary: (accessToken) =>
      request({ method: 'GET', path: '/v1/account/summary', accessToken, schema: AccountSummary }),
    plan: (accessToken) =>
      request({ method: 'GET', path: '/v1/account/plan', accessToken, schema: Plan }),
    usage: (accessToken, cycle) =>
      request({
        method: 'GET',
        path: '/v1/account/usage',
        accessToken,
        params: { cycle },
        schema: UsageResponse,
      }),
    insights: (accessToken) =>
      request({
        method: 'GET',
        path: '/v1/account/insights',
        accessToken,
        schema: UsageInsights,
      }),
    statements: (accessToken, p) =>
      request({
        method: 'GET',
        path: '/v1/account/statements',
        accessToken,
        params: { ...page(p), ...filters(p) },
        schema: StatementList,
      }),
    statementPdf: (accessToken, id) =>
      file({
        path: `/v1/account/statements/${encodeURIComponent(id)}/pdf`,
        accessToken,
        accept: 'application/pdf',
        check: isPdf,
      }),
    statementsCsv: (accessToken, f) =>
      file({
        path: '/v1/account/statements.csv',
        accessToken,
        params: filters(f),
        accept: 'text/csv',
      }),
    paymentsCsv: (accessToken, f) =>
      file({
        path: '/v1/account/payments.csv',
        accessToken,
        params: filters(f),
        accept: 'text/csv',
      }),
    statement: (accessToken, id) =>
      request({
        method: 'GET',
        path: `/v1/account/statements/${encodeURIComponent(id)}`,
        accessToken,
        schema: StatementDetail,
      }),
    payments: (accessToken, p) =>
      request({
        method: 'GET',
        path: '/v1/account/payments',
        accessToken,
        params: page(p),
        schema: PaymentList,
      }),
    paymentMethods: (t) => get(t, '/v1/account/payment-methods', SavedCardList),
    addPaymentMethod: (t, body) => post(t, '/v1/account/payment-methods', SavedCard, body),
    removePaymentMethod: (t, id) =>
      request({
        method: 'DELETE',
        path: `/v1/account/payment-methods/${encodeURIComponent(id)}`,
        accessToken: t,
        schema: null,
      }),
    setDefaultPaymentMethod: (t, id) =>
      post(t, `/v1/account/payment-methods/${encodeURIComponent(id)}/default`, SavedCardList),
    pay: (t, body, idempotencyKey) =>
      request({
        method: 'POST',
        path: '/v1/account/payments',
        accessToken: t,
        body,
        idempotencyKey,
        schema: Receipt,
      }),
    refill: (t, pin, idempotencyKey) =>
      request({
        method: 'POST',
        path: '/v1/account/refill',
        accessToken: t,
        body: { pin },
        idempotencyKey,
        schema: Receipt,
      }),
    receipt: (t, id) => get(t, `/v1/account/payments/${encodeURIComponent(id)}/receipt`, Receipt),
    planCatalogue: (t) => get(t, '/v1/plans', PlanCatalogue),
    planPreview: (t, body) =>
      post(t, '/v1/account/plan/preview', PlanChangePreview, {
        planId: body.planId,
        when: body.when,
      }),
    planChange: (t, body, idempotencyKey) =>
      request({
        method: 'POST',
        path: '/v1/account/plan/change',
        accessToken: t,
        body: {
          planId: body.planId,
          when: body.when,
          ...(body.expectedChargeCents !== undefined
            ? { expectedChargeCents: body.expectedChargeCents }
            : {}),
        },
        idempotencyKey,
        schema: PlanChangeResult,
      }),
    autopay: (t) => get(t, '/v1/account/autopay', AutopayView),
    updateAutopay: (t, body) =>
      request({
        method: 'PUT',
        path: '/v1/account/autopay',
        accessToken: t,
        body: body.enabled
          ? { enabled: true, paymentMethodId: body.paymentMethodId }
          : { enabled: false },
        schema: AutopayView,
      }),
    cancelPendingPlanChange: (t) =>
      request({
        method: 'DELETE',
        path: '/v1/account/plan/pending',
        accessToken: t,
        schema: CancelledPlanChange,
      }),
    addOns: (t) => get(t, '/v1/account/add-ons', AddOnList),
    buyAddOn: (t, addOnId, idempotencyKey) =>
      request({
        method: 'POST',
        path: '/v1/account/add-ons',
        accessToken: t,
        body: { addOnId },
        idempotencyKey,
        schema: AddOnPurchase,
      }),
    startKioskVisit: () =>
      request({
        method: 'POST',
        path: '/v1/kiosk/visits',
        body: {},
        schema: KioskVisitStartResponse,
      }),
    endKioskVisits: () =>
      request({
        method: 'POST',
        path: '/v1/kiosk/visits/end',
        body: {},
        schema: KioskVisitEndResponse,
      }),
    emailPaymentReceipt: (t, id) =>
      post(t, `/v1/account/payments/${encodeURIComponent(id)}/receipt/email`, ReceiptEmailResponse),
    planChangeReceipt: (t, id) =>
      get(t, `/v1/account/plan/changes/${encodeURIComponent(id)}/receipt`, PlanChangeReceipt),
    emailPlanChangeReceipt: (t, id) =>
      post(
        t,
        `/v1/account/plan/changes/${encodeURIComponent(id)}/receipt/email`,
        ReceiptEmailResponse,
      ),
    async ping(baseUrl) {
      const started = now();
      try {
        const readiness = await request({
          method: 'GET',
          path: '/readyz',
          baseUrl,
          schema: Readiness,
          attempts: 1,
        });
        if (readiness.status !== 'ready')
          throw new AppError('service_unavailable', MESSAGES.notReady);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.extra.status === 503) {
          throw new AppError('service_unavailable', MESSAGES.notReady, { status: 503 });
        }
        if (error.code === 'invalid_response' || error.code === 'not_found') {
          throw new AppError('invalid_response', MESSAGES.notAirtime, error.extra);
        }
        throw error;
      }
      return { latencyMs: Math.max(0, Math.round(now() - started)) };
    },
  };
}
