import { apiLoggerOptions } from './logging/logger-options';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { migrateToLatest, openDatabase, type AppDatabase } from './db/database';
import { MINUTE_MS, systemClock, type Clock } from './clock';
import { DEFAULT_OUTBOX, lockoutFromConfig, type ServeConfig } from './config';
import { createDelivery } from './delivery';
import { DEMO_SUBSCRIBERS, seedDemo } from './demo/seed-demo';
import { keySourceFor, openKeys } from './keys/open-keys';

export interface RunningServer {
  app: FastifyInstance;
  database: AppDatabase;
  url: string;
  close(): Promise<void>;
}

/**
 * Opens and migrates the database, optionally seeds the demo, and listens. The returned
 * `close()` stops taking connections, lets requests in flight finish, then closes the database.
 */
export async function startServer(
  config: ServeConfig,
  clock: Clock = systemClock,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningServer> {
  const database = openDatabase(config.db);
  try {
    await migrateToLatest(database.db);
    const source = keySourceFor(config.db, {
      AIRTIME_KEY_FILE: config.keyFile,
      AIRTIME_TOKEN_SECRET: config.tokenSecret,
      AIRTIME_TOTP_KEY: config.totpKey,
      AIRTIME_REFILL_PIN_KEY: config.refillPinKey,
      AIRTIME_CAPTCHA_KEY: config.captchaKey,
    });
    const opened = await openKeys(database, source, clock);
    if (opened.created)
      print(`Created the key file ${source.file} (back it up apart from the database).`);
    if (opened.migrated.length) {
      print(
        `Moved the ${opened.migrated.join(', ')} keys out of the database into ${source.file}.`,
      );
    }
    if (config.seedDemo) {
      const seeded = await seedDemo(database.db, clock);
      if (seeded.created.length) print(`Seeded ${seeded.created.length} demo subscribers.`);
    }
    // Only a dev server writes codes to the outbox; in production an unset channel is unavailable.
    const { delivery, outbox } = createDelivery(
      {
        smtpUrl: config.smtpUrl,
        mailFrom: config.mailFrom,
        smsUrl: config.smsUrl,
        smsToken: config.smsToken,
        smsBodyTemplate: config.smsBodyTemplate,
        outboxFile: config.dev ? (config.outboxFile ?? DEFAULT_OUTBOX) : undefined,
      },
      clock,
    );
    const app = await buildApp({
      database,
      clock,
      delivery,
      outbox,
      keys: opened.keys,
      ...(config.captchaMaxNumber ? { captcha: { maxNumber: config.captchaMaxNumber } } : {}),
      ...lockoutFromConfig(config),
      authRateLimit: config.authRateLimit,
      trustProxy: config.trustProxy,
      ...(config.pruneIntervalMinutes !== undefined
        ? { pruneIntervalMs: config.pruneIntervalMinutes * MINUTE_MS }
        : {}),
      ...(config.autopayIntervalMinutes !== undefined
        ? { autopayIntervalMs: config.autopayIntervalMinutes * MINUTE_MS }
        : {}),
      ...(config.statementIntervalMinutes !== undefined
        ? { statementIntervalMs: config.statementIntervalMinutes * MINUTE_MS }
        : {}),
      logger: apiLoggerOptions(config.logLevel),
      http: { connectionTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000 },
    });
    const address = await app.listen({ host: config.host, port: config.port });
    const url = address.replace('[::1]', 'localhost');
    print(
      `Airtime account API listening on ${url} (database: ${database.kind} ${database.description})`,
    );
    for (const sender of [delivery.sms, delivery.email]) {
      if (sender)
        print(
          `Reset codes by ${sender.channel === 'sms' ? 'text' : 'e-mail'}: ${sender.description}`,
        );
    }
    if (outbox) print(`Dev outbox: ${url}/dev/outbox`);
    if (config.dev) {
      print('Demo subscribers (phone / password):');
      for (const d of DEMO_SUBSCRIBERS)
        print(`  ${d.display}  ${d.password}   ${d.name}: ${d.story}`);
    }
    return {
      app,
      database,
      url,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
