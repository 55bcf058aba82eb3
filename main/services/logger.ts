import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * The logging surface the services depend on. A pino logger satisfies it; tests pass
 * {@link silentLog} or a recorder.
 */
export interface Log {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** A {@link Log} that drops everything. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export const REDACTED = '[redacted]';

/** Field names (compared lower-case, without `-` and `_`) whose values never reach the log. */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authorization',
  'cookie',
  'setcookie',
  'apikey',
  'code',
  'otp',
  'pin',
  // Card fields: the full number and security code only ever go to the API.
  'number',
  'cardnumber',
  'pan',
  'cvc',
  'cvv',
]);
/** Field names whose values are phone numbers: kept, masked to the last two digits. */
const PHONE_KEYS = new Set(['phone', 'phonenumber', 'lastphone', 'account', 'msisdn']);

const normaliseKey = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

function isSecretKey(key: string): boolean {
  const k = normaliseKey(key);
  return (
    SECRET_KEYS.has(k) ||
    k.endsWith('token') ||
    k.endsWith('password') ||
    k.endsWith('secret') ||
    k.endsWith('cookie')
  );
}

function maskDigits(text: string): string {
  const digits = text.replace(/\D/g, '');
  return `***${digits.slice(-2)}`;
}

const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** Exactly 43 base64url characters: the shape of an Airtime refresh token (32 random bytes). */
const OPAQUE_TOKEN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const BEARER = /\b(Bearer\s+)[^\s"',;]+/gi;
/** `password=…`, `"refreshToken": "…"`, `apiSecret: …` inside free text. */
const KEY_VALUE =
  /\b([A-Za-z_-]*(?:password|passwd|secret|token)|pwd|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi;
/** `code=123456`, `pin: 1234`: one-time codes are digits (an error code such as ECONNREFUSED is kept). */
const CODE_VALUE = /\b(code|otp|pin)(["']?\s*[:=]\s*["']?)\d{4,10}\b/gi;
/** 13–19 digits in groups (`4242 4242 4242 4242`): a card number in free text. */
const CARD_NUMBER = /(?<![\d+])\d{4}(?:[ -]?\d{3,4}){2}[ -]?\d{1,7}(?!\d)/g;
/** `+12065550100`, `+1 (206) 555-0100`, `+44 20 7946 0958`. */
const INTERNATIONAL_PHONE = /\+[1-9](?:[\s.()-]{0,2}\d){6,14}(?!\d)/g;
/** `(206) 555-0100`, `206-555-0100`, `206.555.0100`, `2065550100`, `1-206-555-0100`. */
const US_PHONE = /(?<![\d+])(?:1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)/g;

/**
 * Removes secrets from free text: JWTs, bearer values, 43-character base64url tokens and
 * `key=value` secrets become `[redacted]`; E.164 and US-formatted phone numbers keep only their
 * last two digits. Pure; used on every log message and every string value.
 */
export function scrubText(text: string): string {
  return text
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(KEY_VALUE, `$1$2${REDACTED}`)
    .replace(CODE_VALUE, `$1$2${REDACTED}`)
    .replace(OPAQUE_TOKEN, REDACTED)
    .replace(CARD_NUMBER, (m) => (m.replace(/\D/g, '').length >= 13 ? REDACTED : m))
    .replace(INTERNATIONAL_PHONE, (m) => maskDigits(m))
    .replace(US_PHONE, (m) => maskDigits(m));
}

const MAX_DEPTH = 8;

/**
 * Deep copy of `value` with secrets removed: values under secret-looking keys (`password`,
 * `accessToken`, `refreshToken`, `token`, `code`, `authorization`…) become `[redacted]`, values
 * under phone keys (`phone`, `lastPhone`, `account`) are masked, every other string goes through
 * {@link scrubText}. Errors become plain objects whose `code` is kept (an error code such as
 * `ECONNREFUSED` is not a secret) and whose message and stack are scrubbed.
 */
export function scrubValue(value: unknown): unknown {
  return scrub(value, 0, new WeakSet());
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen));
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: scrubText(value.message),
    };
    if (value.stack) out['stack'] = scrubText(value.stack);
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'code' || key === 'message' || key === 'stack') continue;
      out[key] = scrubEntry(key, inner, depth, seen);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = scrubEntry(key, inner, depth, seen);
  return out;
}

function scrubEntry(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined) return value;
  if (isSecretKey(key)) return REDACTED;
  if (PHONE_KEYS.has(normaliseKey(key))) {
    return typeof value === 'string' || typeof value === 'number'
      ? maskDigits(String(value))
      : REDACTED;
  }
  return scrub(value, depth + 1, seen);
}

export interface LoggerOptions {
  /** Folder for the log file; created when missing. */
  directory: string;
  level?: pino.LevelWithSilent;
  /** Defaults to `main.log`. */
  fileName?: string;
  /** The file is moved to `<name>.1` at start-up once it is larger than this. Default 5 MiB. */
  maxBytes?: number;
}

/**
 * A pino logger writing JSON lines to `<directory>/main.log`, with every message, argument,
 * field and child binding scrubbed (see {@link scrubValue}, {@link scrubText}). Writes are
 * synchronous: the main process logs little, and the last lines before a crash are the ones
 * that matter.
 */
export function createLogger(options: LoggerOptions): Logger {
  fs.mkdirSync(options.directory, { recursive: true });
  const file = path.join(options.directory, options.fileName ?? 'main.log');
  rotateIfLarge(file, options.maxBytes ?? 5 * 1024 * 1024);
  const destination = pino.destination({ dest: file, sync: true, mkdir: true });
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors are already plain, scrubbed objects by the time pino sees them (see the hook).
      serializers: { err: (value: unknown) => value },
      formatters: {
        bindings: (bindings) => scrubValue(bindings) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error) {
            const message = typeof rest[0] === 'string' ? rest.shift() : first.message;
            return method.apply(this, [
              { err: scrubValue(first) },
              scrubText(String(message)),
              ...rest.map((a) => scrubValue(a)),
            ] as never);
          }
          return method.apply(this, args.map((a) => scrubValue(a)) as never);
        },
      },
    },
    destination,
  );
  // pino formats only the root's bindings; children (which inherit this override) are scrubbed here.
  const baseChild = (Object.getPrototypeOf(logger) as Logger).child;
  logger.child = function (this: Logger, bindings, options) {
    return baseChild.call(this, scrubValue(bindings) as pino.Bindings, options);
  } as Logger['child'];
  return logger;
}

function rotateIfLarge(file: string, maxBytes: number): void {
  try {
    if (fs.statSync(file).size > maxBytes) fs.renameSync(file, `${file}.1`);
  } catch {
    // No file yet, or it cannot be moved: keep appending.
  }
}
