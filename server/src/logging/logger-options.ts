import type { FastifyServerOptions } from 'fastify';
import { scrubDeep, scrubText } from './scrub';

/** Where log lines go: anything with `write(line)` (pino's destination stream). */
export interface LogStream {
  write(line: string): void;
}

type ApiLoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined> & {
  stream?: LogStream;
};

/** Field names that hold a secret or a person's contact details, wherever they appear. */
const SECRET_FIELDS = [
  'phone',
  'email',
  'to',
  'password',
  'newPassword',
  'currentPassword',
  'code',
  'pin',
  'token',
  'ticket',
  'accessToken',
  'refreshToken',
  'deviceToken',
  'captcha',
  'cardNumber',
  'number',
  'cvc',
  'secret',
];

/**
 * The API's log settings: the level, headers and fields that carry secrets redacted, and every
 * logged error's text scrubbed, since a provider's or the database's error often quotes the
 * number, address or code it was given.
 */
export function apiLoggerOptions(level: string, stream?: LogStream): ApiLoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["airtime-kiosk"]',
        'req.headers["idempotency-key"]',
        ...SECRET_FIELDS,
        ...SECRET_FIELDS.map((field) => `*.${field}`),
      ],
      censor: '[redacted]',
    },
    serializers: { err: serializeLoggedError, error: serializeLoggedError },
    ...(stream ? { stream } : {}),
  };
}

/** The shape Fastify's logger types ask of an error serializer. */
interface LoggedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

function serializeLoggedError(error: Error): LoggedError {
  const serialized = serializeError(error) as Partial<LoggedError>;
  return {
    ...serialized,
    type: serialized.type ?? 'Error',
    message: serialized.message ?? scrubText(String(error)),
    stack: serialized.stack ?? '',
  };
}

/** An error as a log field: its kind, code, message, stack and causes, all scrubbed. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return scrubDeep(error);
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  return {
    type: error.name,
    message: scrubText(error.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(error.stack ? { stack: scrubText(error.stack) } : {}),
    ...(error.cause !== undefined && depth < 5
      ? { cause: serializeError(error.cause, depth + 1) }
      : {}),
  };
}
