import type { z } from 'zod';
import type { Route } from '../../contract/http/routes';
import { Readiness } from '../../contract/http/health';
import type { Language } from '../../contract/settings';
import { AppError } from '../errors';
import { createCall, type ApiCall } from './api/call';
import { createTransport, MESSAGES, type ApiFile, type TransportOptions } from './api/transport';

export type { AnyCallInput, ApiCall, CallArgs, CallInput, CallResult } from './api/call';
export { routePath } from './api/call';
export type { ApiFile, KioskRequestContext, RetryPolicy } from './api/transport';
export { attachmentName, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, isPdf } from './api/transport';

/** Statement and payment filters of the CSV exports: the export query without its language. */
export type ExportFilterParams = Omit<
  NonNullable<z.input<Route<'account.statementsCsv'>['query']>>,
  'lang'
>;

/**
 * The API's file downloads as the export service asks for them. `language` is the language the
 * file's texts are written in (`lang`); the API's own default, English, when not given.
 */
export interface ApiDownloads {
  /** A statement as a PDF (`%PDF-` checked). */
  statementPdf(accessToken: string, id: string, language?: Language): Promise<ApiFile>;
  statementsCsv(
    accessToken: string,
    filters?: ExportFilterParams,
    language?: Language,
  ): Promise<ApiFile>;
  paymentsCsv(
    accessToken: string,
    filters?: ExportFilterParams,
    language?: Language,
  ): Promise<ApiFile>;
}

/**
 * The account API as the main process uses it: every route of `contract/http/routes` by its id,
 * resolving with contract-checked data or rejecting with an {@link AppError}.
 */
export interface ApiClient {
  /** `api.call('account.summary', { accessToken })`: paths, schemas and auth come from the route. */
  call: ApiCall;
  /** One GET `/readyz` on `baseUrl` (not the configured one): for "Test connection". */
  ping(baseUrl: string): Promise<{ latencyMs: number }>;
}

/** What a service needs of the client: the routes, without the connection test. */
export type ApiCaller = Pick<ApiClient, 'call'>;

export interface ApiClientOptions extends TransportOptions {
  /** Monotonic milliseconds for latency figures. */
  now?: () => number;
}

/** The account API client over one transport (see `createTransport` for what it guarantees). */
export function createApiClient(options: ApiClientOptions): ApiClient & ApiDownloads {
  const now = options.now ?? (() => performance.now());
  const transport = createTransport(options);
  const call = createCall(transport);
  const lang = (language: Language | undefined) => (language ? { lang: language } : {});

  return {
    call,
    statementPdf: (accessToken, id, language) =>
      call('account.statementPdf', { accessToken, params: { id }, query: lang(language) }),
    statementsCsv: (accessToken, filters, language) =>
      call('account.statementsCsv', { accessToken, query: { ...filters, ...lang(language) } }),
    paymentsCsv: (accessToken, filters, language) =>
      call('account.paymentsCsv', { accessToken, query: { ...filters, ...lang(language) } }),
    async ping(baseUrl) {
      const started = now();
      try {
        const answer = await transport({
          method: 'GET',
          path: '/readyz',
          baseUrl,
          expect: { kind: 'json' },
          // The person is waiting for an honest answer about this address, not a patient one.
          resend: false,
        });
        const readiness = Readiness.safeParse(answer.kind === 'json' ? answer.body : undefined);
        if (!readiness.success)
          throw new AppError('invalid_response', MESSAGES.invalid, { status: answer.status });
        if (readiness.data.status !== 'ready')
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
