import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { Health, Readiness } from '../../contract/http/health';
import type { AppDatabase } from './db/database';
import type { Clock } from './clock';
import { HOUR_MS, MINUTE_MS } from './clock';
import { ApiHttpError } from './errors';
import {
  registerErrorHandlers,
  sendFrameworkError,
  sendNotFound,
  writeClientError,
} from './http/error-handler';
import { AccessTokens } from './auth/tokens';
import {
  DEFAULT_LOCKOUT_POLICY,
  DEFAULT_SIGN_IN_BUDGETS,
  type LockoutPolicy,
  type SignInBudgetPolicy,
} from './auth/lockout-policy';
import { SignInBudgets } from './auth/sign-in-budgets';
import { DeviceCookies } from './auth/device-cookies';
import { AuthService, DEFAULT_SESSION_POLICY, type SessionPolicy } from './auth/auth-service';
import { AccountService } from './account/account-service';
import { authRoutes } from './auth/routes';
import { accountRoutes } from './account/routes';
import { keysFor, useKeys } from './secrets';
import { KeyRing, type Keys } from './keys/key-ring';
import { RotatingCaptcha } from './auth/rotating-captcha';
import { DEFAULT_CAPTCHA_POLICY, RiskCounters, type CaptchaPolicy } from './auth/captcha';
import type { RateLimits } from './http/shared';
import { captchaRoutes } from './auth/captcha-routes';
import { recoveryRoutes } from './auth/recovery-routes';
import {
  DEFAULT_RECOVERY_POLICY,
  RecoveryService,
  type RecoveryPolicy,
} from './auth/recovery-service';
import type { Delivery } from './delivery/types';
import type { Outbox } from './delivery/outbox';
import { BackgroundTasks } from './background';
import { TwoFactorService } from './auth/two-factor-service';
import { pruneExpired } from './jobs/prune-expired';
import { sealingKeys } from './auth/secret-box';
import { DbSecurityLog } from './security/security-events';
import { SecurityService } from './security/security-service';
import { securityRoutes } from './security/routes';
import { statementExportRoutes } from './billing/statement-export-routes';
import { insightsRoutes } from './account/insights-routes';
import { InsightsService } from './account/insights';
import { StatementExports } from './billing/statement-exports';
import { paymentRoutes } from './billing/payment-routes';
import { PaymentService, type RefillLimit } from './billing/payment-service';
import { recoverPendingOperations } from './billing/idempotency';
import type { PaymentProcessor } from './billing/processor';
import { SandboxProcessor } from './billing/sandbox-processor';
import { planCatalogueRoutes, planRoutes } from './account/plan-routes';
import { applyDuePlanChanges, PlanService } from './account/plan-service';
import { AddOnService } from './account/add-on-service';
import { autopayRoutes } from './billing/autopay-routes';
import { AutopayService, runAutopay } from './billing/autopay';
import { runStatementJob } from './billing/statement-close';
import { KioskService } from './kiosk/kiosk-service';
import { clientKey, registerKioskClients } from './kiosk/kiosk-client';
import { kioskRoutes } from './kiosk/routes';
import { receiptRoutes } from './billing/receipt-routes';
import { ReceiptMailer } from './billing/receipt-mail';
import { fastifyTrustProxy, type TrustProxy } from './net/trust-proxy';
import { databaseRateLimitStore, memoryRateLimitStore } from './http/rate-limit-store';
import { addIntegerFormats } from './http/openapi-integer-formats';
import { declareFrameworkAnswers } from './http/openapi-framework-answers';
import { scheduleJob, type ScheduledJob } from './jobs/schedule';

export const API_VERSION = '0.1.0';

export interface AppOptions {
  database: AppDatabase;
  clock: Clock;
  /** Requests per minute per client on `/v1/auth/*`; 0 turns the limit off. */
  authRateLimit?: number;
  lockout?: LockoutPolicy;
  /** Device-cookie budgets at sign-in (defaults in `DEFAULT_SIGN_IN_BUDGETS`). */
  signInBudgets?: Partial<SignInBudgetPolicy>;
  sessions?: SessionPolicy;
  /**
   * Signing and encryption keys, as `openKeys` reads them from the key file. When absent, the
   * keys already used with this database handle, or fresh ones kept in memory (tests, embedding).
   */
  keys?: Keys;
  /** A single HS256 key for access tokens, instead of the token keys of `keys`. */
  tokenSecret?: string;
  /** How reset codes reach subscribers; a channel that is `null` is refused with a 503. */
  delivery?: Delivery;
  /** Dev mode only: the outbox `GET /dev/outbox` shows. Never pass one in production. */
  outbox?: Outbox | null;
  recovery?: RecoveryPolicy;
  /** Work that outlives a request (code delivery); the app waits for it on close. */
  background?: BackgroundTasks;
  /** Captcha work and thresholds (defaults in `DEFAULT_CAPTCHA_POLICY`). */
  captcha?: Partial<CaptchaPolicy>;
  /** A single HMAC key for captcha challenges, instead of the captcha keys of `keys`. */
  captchaKey?: string;
  /**
   * Which reverse proxies' `X-Forwarded-For` names the client: a hop count or their addresses
   * (see {@link TrustProxy}); never every proxy. Default: none.
   */
  trustProxy?: TrustProxy;
  /** How often expired codes, challenges and counters are deleted (default hourly; 0 = never). */
  pruneIntervalMs?: number;
  /** How often AutoPay charges renewals due within 24 hours (default 15 minutes; 0 = never). */
  autopayIntervalMs?: number;
  /** How often renewals are booked and ended cycles' statements issued (default 15 minutes; 0 = never). */
  statementIntervalMs?: number;
  /** The card processor; the sandbox (test cards only, see the README) when absent. */
  paymentProcessor?: PaymentProcessor;
  /** Wrong refill PINs allowed per account and per client address (default 5 an hour). */
  refillLimit?: RefillLimit;
  logger?: FastifyServerOptions['logger'];
  /** Socket timeouts, in milliseconds, for a server that listens. */
  http?: Pick<FastifyServerOptions, 'connectionTimeout' | 'requestTimeout' | 'keepAliveTimeout'>;
}

/** Largest JSON body any route accepts. Nothing the API takes is near this size. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Builds the account API as a Fastify instance without listening, so tests use `inject()` and
 * `server.ts`/the CLI decide about sockets.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { database, clock } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
    // Router limits: an absurd URL is a 404/414, not work for the server.
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // …and a malformed URL gets the same error body as every other mistake.
    frameworkErrors: sendFrameworkError,
    // …as do headers too large to read, and requests Node's parser refuses.
    clientErrorHandler: writeClientError,
    ...options.http,
  }).withTypeProvider<ZodTypeProvider>();

  // Every body the API takes is JSON. Without this, Fastify's built-in text/plain parser would
  // hand a string to the schema and a client that forgot the header would get a confusing 400.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Airtime account API',
        description: 'Sign-in and account data for prepaid wireless subscribers.',
        version: API_VERSION,
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'The access token from sign-in: a JWS signed with HS256, the algorithm pinned when it is verified (never taken from the token), with an expiry, issuer and audience that are checked, following RFC8725 (JSON Web Token Best Current Practices).',
          },
          kioskCredential: { type: 'apiKey', in: 'header', name: 'airtime-kiosk' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) =>
      declareFrameworkAnswers(
        addIntegerFormats(
          'openapiObject' in document ? document.openapiObject : document.swaggerObject,
        ),
      ),
  });

  // Before any route or limit: a kiosk's credential decides who the client is (see clientKey).
  const kiosks = new KioskService(database.db, clock);
  registerKioskClients(app, kiosks);

  const perMinute = options.authRateLimit ?? 60;
  await app.register(rateLimit, {
    global: false,
    keyGenerator: clientKey,
    // A fleet on one PostgreSQL shares each client's counts; SQLite serves one instance.
    store:
      database.kind === 'postgres'
        ? databaseRateLimitStore(database.db, clock)
        : memoryRateLimitStore(clock),
    errorResponseBuilder: (_request, context) =>
      new ApiHttpError(429, 'rate_limited', 'Too many requests. Wait a moment and try again.', {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });

  const given = options.keys ?? keysFor(database.db, clock);
  const keys: Keys = {
    ...given,
    token: options.tokenSecret ? KeyRing.single('token', options.tokenSecret) : given.token,
    captcha: options.captchaKey ? KeyRing.single('captcha', options.captchaKey) : given.captcha,
  };
  // Code beside the app on this handle (PIN generation, benchmarks) signs with the same keys.
  useKeys(database.db, keys);
  const captchaPolicy = { ...DEFAULT_CAPTCHA_POLICY, ...options.captcha };
  const captcha = new RotatingCaptcha(database.db, clock, keys.captcha, captchaPolicy);
  const background = options.background ?? new BackgroundTasks();
  const delivery = options.delivery ?? { sms: null, email: null };
  const lockout = options.lockout ?? DEFAULT_LOCKOUT_POLICY;
  const signInBudgets = { ...DEFAULT_SIGN_IN_BUDGETS, ...options.signInBudgets };
  // One set of budgets for every password and code typed: sign-in, its second step, and the
  // password typed again for a change.
  const budgets = new SignInBudgets(lockout, signInBudgets);
  const events = new DbSecurityLog(database.db, clock, delivery, background, app.log);
  const twoFactor = new TwoFactorService(database.db, clock, {
    delivery,
    log: app.log,
    events,
    budgets,
    secretKey: sealingKeys(keys.totp, 'totp-secret'),
  });
  await twoFactor.sealStoredSecrets();
  const auth = new AuthService(
    database.db,
    clock,
    new AccessTokens(keys.token),
    lockout,
    options.sessions ?? DEFAULT_SESSION_POLICY,
    { captcha, counters: new RiskCounters(database.db, captchaPolicy) },
    twoFactor,
    events,
    { budgets, cookies: new DeviceCookies(keys.token, signInBudgets.deviceCookieTtlMs) },
  );
  const account = new AccountService(database.db, clock);
  const processor = options.paymentProcessor ?? new SandboxProcessor(database.db, clock);
  const payments = new PaymentService(
    database.db,
    clock,
    processor,
    keys.refillPin,
    options.refillLimit,
  );
  // A payment interrupted between the charge and the answer (a crash) is finished or undone now.
  const recovered = await recoverPendingOperations(database.db, clock, payments.recoveryHandlers());
  if (recovered.finished + recovered.rolledBack + recovered.failed > 0) {
    app.log.info(recovered, 'recovered interrupted payments');
  }
  const security = new SecurityService(database.db, clock, events, budgets);
  const recovery = new RecoveryService(
    database.db,
    clock,
    delivery,
    background,
    app.log,
    options.recovery ?? DEFAULT_RECOVERY_POLICY,
    captcha,
    events,
  );
  app.addHook('onClose', async () => background.settled());

  const pruneEveryMs = options.pruneIntervalMs ?? HOUR_MS;
  // Every instance may run each job: each claims its work in the database (a renewal's AutoPay
  // run, a renewal, a statement, under unique keys), so work is done once however many run it.
  const jobs: ScheduledJob[] = [
    {
      everyMs: pruneEveryMs,
      run: () =>
        pruneExpired(database.db, clock.now(), {
          riskWindowMs: captchaPolicy.failureWindowMs,
          lockoutWindowMs: signInBudgets.failureWindowMs,
        }),
      failure: 'could not delete expired rows',
    },
    {
      everyMs: options.autopayIntervalMs ?? 15 * MINUTE_MS,
      run: () =>
        runAutopay(database.db, processor, clock, {
          dialect: database.kind,
          onError: (error, runId) =>
            app.log.warn({ err: error, runId }, 'AutoPay run failed; retried later'),
        }),
      failure: 'AutoPay run did not finish',
    },
    {
      everyMs: options.statementIntervalMs ?? 15 * MINUTE_MS,
      run: () =>
        runStatementJob(database.db, clock, {
          onError: (error, subscriberId) =>
            app.log.warn({ err: error, subscriberId }, 'statement job failed; retried later'),
        }),
      failure: 'statement job did not finish',
    },
    {
      // A plan change chosen for the renewal starts on the renewal day: checked as often as the
      // prune.
      everyMs: pruneEveryMs,
      run: () => applyDuePlanChanges(database.db, clock.now()),
      failure: 'could not apply due plan changes',
    },
  ];
  for (const job of jobs) scheduleJob(app, background, job);

  app.setNotFoundHandler(
    { preHandler: app.rateLimit({ max: 120, timeWindow: MINUTE_MS }) },
    sendNotFound,
  );

  app.get('/healthz', { schema: { hide: true, response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(database.db);
        return { status: 'ready' as const, database: database.kind };
      } catch {
        return reply.code(503).send({ status: 'not_ready', database: database.kind });
      }
    },
  );

  // Every class of the route table shares one per-client number; each route counts on its own.
  const perClient = perMinute > 0 ? { max: perMinute, timeWindow: MINUTE_MS } : false;
  const rateLimits: RateLimits = {
    auth: perClient,
    kiosk: perClient,
    password: perClient,
    payments: perClient,
    catalogue: perClient,
  };
  await app.register(
    async (v1) => {
      v1.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await v1.register(authRoutes, {
        prefix: '/auth',
        auth,
        lockout,
        signInBudgets,
        rateLimits,
      });
      await v1.register(captchaRoutes, { captcha, rateLimits });
      await v1.register(recoveryRoutes, { prefix: '/auth/reset', recovery, rateLimits });
      await v1.register(accountRoutes, {
        prefix: '/account',
        auth,
        account,
        twoFactor,
        rateLimits,
      });
      await v1.register(insightsRoutes, {
        prefix: '/account',
        auth,
        insights: new InsightsService(database.db, clock),
      });
      await v1.register(statementExportRoutes, {
        prefix: '/account',
        auth,
        exports: new StatementExports(database.db, clock, account),
      });
      await v1.register(autopayRoutes, {
        prefix: '/account',
        auth,
        autopay: new AutopayService(database.db, clock),
      });
      await v1.register(paymentRoutes, { prefix: '/account', auth, payments, rateLimits });
      await v1.register(receiptRoutes, {
        prefix: '/account',
        auth,
        receipts: new ReceiptMailer(database.db, clock, delivery, payments),
      });
      const plans = new PlanService(database.db, clock);
      await v1.register(planCatalogueRoutes, { plans, rateLimits });
      await v1.register(planRoutes, {
        prefix: '/account',
        auth,
        plans,
        addOns: new AddOnService(database.db, clock),
      });
      await v1.register(kioskRoutes, { prefix: '/kiosk', kiosks, rateLimits });
      await v1.register(securityRoutes, { prefix: '/account', auth, security, rateLimits });
    },
    { prefix: '/v1' },
  );

  const outbox = options.outbox;
  if (outbox) {
    // Development only: the messages the server would have sent, newest first, and only to this
    // computer: the codes in it sign anyone in. Both the socket and the client (as the trusted
    // proxies name it) must be loopback, so a proxy on this machine does not open it up.
    app.get('/dev/outbox', { schema: { hide: true } }, async (request) => {
      if (!isLoopback(request.socket.remoteAddress) || !isLoopback(request.ip)) {
        throw new ApiHttpError(404, 'not_found', 'Not found.');
      }
      return { messages: await outbox.latest() };
    });
  }

  return app;
}

/** 127.0.0.0/8 and ::1, also written as IPv4 in IPv6. */
function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
