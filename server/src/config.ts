import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './net/trust-proxy';
import { MINUTE_MS } from './clock';
import {
  DEFAULT_LOCKOUT_POLICY,
  DEFAULT_SIGN_IN_BUDGETS,
  type LockoutPolicy,
  type SignInBudgetPolicy,
} from './auth/lockout-policy';

/** Environment variables the server reads; flags of the same meaning win over them. */
export const ENV_VARS = {
  AIRTIME_DB: 'SQLite file path or postgres:// URL (default .data/airtime.sqlite)',
  AIRTIME_HOST: 'address to listen on (default 127.0.0.1)',
  AIRTIME_PORT: 'port to listen on (default 8787)',
  AIRTIME_AUTH_RATE_LIMIT: 'requests per minute per client on /v1/auth/* (default 60, 0 = off)',
  AIRTIME_TOKEN_SECRET:
    "access-token signing key, ≥ 32 characters (default: the key file's current token key)",
  AIRTIME_TOTP_KEY:
    "key TOTP secrets are encrypted with, ≥ 32 characters (default: the key file's current TOTP key)",
  AIRTIME_REFILL_PIN_KEY:
    "HMAC key refill PINs are stored under, ≥ 32 characters (default: the key file's current one)",
  AIRTIME_KEY_FILE:
    'key file, mode 0600, made on first start (default: <SQLite file>.keys.json beside the database; for PostgreSQL .data/airtime-keys.json)',
  AIRTIME_TRUST_PROXY:
    'reverse proxies whose X-Forwarded-For names the client: a hop count (1) or their addresses/CIDRs (default none)',
  AIRTIME_LOG_LEVEL: 'fatal | error | warn | info | debug | silent (default info)',
  AIRTIME_SMTP_URL:
    'SMTP server for reset codes by e-mail: smtp://user:pass@host:587 or smtps://…:465 (unset: no e-mail)',
  AIRTIME_MAIL_FROM: 'From address of those e-mails (default Airtime <no-reply@airtime.invalid>)',
  AIRTIME_SMS_URL: 'HTTP(S) endpoint of the SMS gateway, POSTed JSON (unset: no text messages)',
  AIRTIME_SMS_TOKEN: 'bearer token sent to the SMS gateway',
  AIRTIME_SMS_BODY_TEMPLATE:
    'JSON body for the SMS gateway with {{to}} and {{text}} (default {"to":"{{to}}","text":"{{text}}"})',
  AIRTIME_CAPTCHA_KEY:
    "HMAC key for captcha challenges, ≥ 32 characters (default: the key file's current captcha key)",
  AIRTIME_CAPTCHA_MAX_NUMBER:
    'proof-of-work size of the first required captcha: the client tries up to this many hashes, half on average; doubled per further failure up to 1500000 (default 850000)',
  AIRTIME_LOCKOUT_CLIENT_FAILURES:
    'wrong passwords or codes one client without a device cookie may type at one number before it is locked out of it (default 5)',
  AIRTIME_LOCKOUT_NUMBER_FAILURES:
    'wrong tries from all clients without a device cookie that lock a number for every one of them (default 20)',
  AIRTIME_LOCKOUT_DEVICE_FAILURES:
    'wrong tries a computer with a device cookie may make before its cookie is no longer trusted (default 5)',
  AIRTIME_LOCKOUT_MINUTES:
    'length of the first lock; a repeat within 12 hours doubles it, up to 4 times this (default 15)',
  AIRTIME_LOCKOUT_WINDOW_MINUTES:
    'how long a failure of a client without a device cookie counts toward a lock (default 60)',
  AIRTIME_OUTBOX:
    'with --dev only: JSON-lines file that stands in for unset channels, shown at GET /dev/outbox (default .data/outbox.jsonl)',
  AIRTIME_PRUNE_INTERVAL_MINUTES:
    'minutes between deletions of expired codes, challenges and counters (default 60, 0 = never)',
  AIRTIME_AUTOPAY_INTERVAL_MINUTES:
    'minutes between AutoPay runs, which charge renewals due within 24 hours (default 15, 0 = off)',
  AIRTIME_STATEMENT_INTERVAL_MINUTES:
    'minutes between runs that book renewals and issue the statements of ended cycles (default 15, 0 = off)',
} as const;

export const DEFAULT_DB = '.data/airtime.sqlite';
export const DEFAULT_PORT = 8787;
export const DEFAULT_OUTBOX = '.data/outbox.jsonl';

const smsBodyTemplate = z.string().superRefine((value, ctx) => {
  try {
    JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'AIRTIME_SMS_BODY_TEMPLATE must be JSON.' });
    return;
  }
  if (!value.includes('{{to}}') || !value.includes('{{text}}')) {
    ctx.addIssue({
      code: 'custom',
      message: 'AIRTIME_SMS_BODY_TEMPLATE must contain {{to}} and {{text}}.',
    });
  }
});

const urlWith = (name: string, protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const intFrom = (name: string, min: number, max: number) =>
  z.preprocess(
    // Number('') is 0: without this, `--port ""` would quietly mean "any free port".
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce
      .number({ error: `${name} must be a number.` })
      .int(`${name} must be a whole number.`)
      .min(min, `${name} must be at least ${min}.`)
      .max(max, `${name} must be at most ${max}.`),
  );

export const ServeConfig = z.object({
  db: z.string().min(1, 'The database location is empty.'),
  host: z.string().min(1),
  port: intFrom('port', 0, 65_535),
  authRateLimit: intFrom('AIRTIME_AUTH_RATE_LIMIT', 0, 1_000_000),
  tokenSecret: z
    .string()
    .min(32, 'AIRTIME_TOKEN_SECRET must be at least 32 characters.')
    .optional(),
  trustProxy: z.custom<TrustProxy>((v) => v === false || typeof v === 'number' || Array.isArray(v)),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  seedDemo: z.boolean(),
  dev: z.boolean(),
  smtpUrl: urlWith('AIRTIME_SMTP_URL', ['smtp:', 'smtps:']).optional(),
  mailFrom: z.string().min(3).optional(),
  smsUrl: urlWith('AIRTIME_SMS_URL', ['http:', 'https:']).optional(),
  smsToken: z.string().optional(),
  smsBodyTemplate: smsBodyTemplate.optional(),
  outboxFile: z.string().optional(),
  captchaKey: z.string().min(32, 'AIRTIME_CAPTCHA_KEY must be at least 32 characters.').optional(),
  totpKey: z.string().min(32, 'AIRTIME_TOTP_KEY must be at least 32 characters.').optional(),
  refillPinKey: z
    .string()
    .min(32, 'AIRTIME_REFILL_PIN_KEY must be at least 32 characters.')
    .optional(),
  keyFile: z.string().optional(),
  captchaMaxNumber: intFrom('AIRTIME_CAPTCHA_MAX_NUMBER', 1_000, 10_000_000).optional(),
  lockoutClientFailures: intFrom('AIRTIME_LOCKOUT_CLIENT_FAILURES', 1, 100).optional(),
  lockoutNumberFailures: intFrom('AIRTIME_LOCKOUT_NUMBER_FAILURES', 1, 10_000).optional(),
  lockoutDeviceFailures: intFrom('AIRTIME_LOCKOUT_DEVICE_FAILURES', 1, 100).optional(),
  lockoutMinutes: intFrom('AIRTIME_LOCKOUT_MINUTES', 1, 1_440).optional(),
  lockoutWindowMinutes: intFrom('AIRTIME_LOCKOUT_WINDOW_MINUTES', 1, 10_080).optional(),
  pruneIntervalMinutes: intFrom('AIRTIME_PRUNE_INTERVAL_MINUTES', 0, 10_080).optional(),
  autopayIntervalMinutes: intFrom('AIRTIME_AUTOPAY_INTERVAL_MINUTES', 0, 1_440).optional(),
  statementIntervalMinutes: intFrom('AIRTIME_STATEMENT_INTERVAL_MINUTES', 0, 1_440).optional(),
});
export type ServeConfig = z.infer<typeof ServeConfig>;

export interface ServeFlags {
  db?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  seedDemo?: boolean | undefined;
  dev?: boolean | undefined;
}

/** Flags first, then environment, then defaults; throws a ZodError naming what is wrong. */
export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): ServeConfig {
  const blankToUndefined = (v: string | undefined) =>
    v === undefined || v.trim() === '' ? undefined : v;
  let trustProxy: TrustProxy;
  try {
    trustProxy = parseTrustProxy(env['AIRTIME_TRUST_PROXY']);
  } catch (error) {
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['trustProxy'],
        message: error instanceof Error ? error.message : String(error),
        input: env['AIRTIME_TRUST_PROXY'],
      },
    ]);
  }
  return ServeConfig.parse({
    db: flags.db ?? blankToUndefined(env['AIRTIME_DB']) ?? DEFAULT_DB,
    host: flags.host ?? blankToUndefined(env['AIRTIME_HOST']) ?? '127.0.0.1',
    port: flags.port ?? blankToUndefined(env['AIRTIME_PORT']) ?? DEFAULT_PORT,
    authRateLimit: blankToUndefined(env['AIRTIME_AUTH_RATE_LIMIT']) ?? 60,
    tokenSecret: blankToUndefined(env['AIRTIME_TOKEN_SECRET']),
    trustProxy,
    logLevel: blankToUndefined(env['AIRTIME_LOG_LEVEL']) ?? 'info',
    seedDemo: flags.seedDemo ?? false,
    // Demo data is not dev mode: a server seeded for a demo must not expose the dev outbox.
    dev: flags.dev ?? false,
    smtpUrl: blankToUndefined(env['AIRTIME_SMTP_URL']),
    mailFrom: blankToUndefined(env['AIRTIME_MAIL_FROM']),
    smsUrl: blankToUndefined(env['AIRTIME_SMS_URL']),
    smsToken: blankToUndefined(env['AIRTIME_SMS_TOKEN']),
    smsBodyTemplate: blankToUndefined(env['AIRTIME_SMS_BODY_TEMPLATE']),
    outboxFile: blankToUndefined(env['AIRTIME_OUTBOX']),
    captchaKey: blankToUndefined(env['AIRTIME_CAPTCHA_KEY']),
    totpKey: blankToUndefined(env['AIRTIME_TOTP_KEY']),
    refillPinKey: blankToUndefined(env['AIRTIME_REFILL_PIN_KEY']),
    keyFile: blankToUndefined(env['AIRTIME_KEY_FILE']),
    captchaMaxNumber: blankToUndefined(env['AIRTIME_CAPTCHA_MAX_NUMBER']),
    lockoutClientFailures: blankToUndefined(env['AIRTIME_LOCKOUT_CLIENT_FAILURES']),
    lockoutNumberFailures: blankToUndefined(env['AIRTIME_LOCKOUT_NUMBER_FAILURES']),
    lockoutDeviceFailures: blankToUndefined(env['AIRTIME_LOCKOUT_DEVICE_FAILURES']),
    lockoutMinutes: blankToUndefined(env['AIRTIME_LOCKOUT_MINUTES']),
    lockoutWindowMinutes: blankToUndefined(env['AIRTIME_LOCKOUT_WINDOW_MINUTES']),
    pruneIntervalMinutes: blankToUndefined(env['AIRTIME_PRUNE_INTERVAL_MINUTES']),
    autopayIntervalMinutes: blankToUndefined(env['AIRTIME_AUTOPAY_INTERVAL_MINUTES']),
    statementIntervalMinutes: blankToUndefined(env['AIRTIME_STATEMENT_INTERVAL_MINUTES']),
  });
}

/**
 * The lockout the `AIRTIME_LOCKOUT_*` variables describe, defaults filled in: what `serve`
 * passes to the app, and what the OpenAPI document then publishes on sign-in.
 */
export function lockoutFromConfig(config: ServeConfig): {
  lockout: LockoutPolicy;
  signInBudgets: SignInBudgetPolicy;
} {
  const baseLockMs =
    config.lockoutMinutes !== undefined
      ? config.lockoutMinutes * MINUTE_MS
      : DEFAULT_LOCKOUT_POLICY.baseLockMs;
  return {
    lockout: {
      ...DEFAULT_LOCKOUT_POLICY,
      maxFailures: config.lockoutClientFailures ?? DEFAULT_LOCKOUT_POLICY.maxFailures,
      baseLockMs,
      // Repeats double the lock twice at most, as with the defaults (15, 30, then 60 minutes).
      maxLockMs: 4 * baseLockMs,
    },
    signInBudgets: {
      ...DEFAULT_SIGN_IN_BUDGETS,
      untrustedFailures: config.lockoutNumberFailures ?? DEFAULT_SIGN_IN_BUDGETS.untrustedFailures,
      deviceFailures: config.lockoutDeviceFailures ?? DEFAULT_SIGN_IN_BUDGETS.deviceFailures,
      failureWindowMs:
        config.lockoutWindowMinutes !== undefined
          ? config.lockoutWindowMinutes * MINUTE_MS
          : DEFAULT_SIGN_IN_BUDGETS.failureWindowMs,
    },
  };
}
