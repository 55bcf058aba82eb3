import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { migrateToLatest, openDatabase, type AppDatabase } from './db/database';
import { systemClock, type Clock } from './clock';
import type { ServeConfig } from './config';
import { DEMO_SUBSCRIBERS, seedDemo } from './demo/seed-demo';

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
    if (config.seedDemo) {
      const seeded = await seedDemo(database.db, clock);
      if (seeded.created.length) print(`Seeded ${seeded.created.length} demo subscribers.`);
    }
    const app = await buildApp({
      database,
      clock,
      authRateLimit: config.authRateLimit,
      tokenSecret: config.tokenSecret,
      trustProxy: config.trustProxy,
      logger: {
        level: config.logLevel,
        // Tokens travel in this header; they never belong in a log.
        redact: ['req.headers.authorization', 'req.headers.cookie'],
      },
      http: { connectionTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000 },
    });
    const address = await app.listen({ host: config.host, port: config.port });
    const url = address.replace('[::1]', 'localhost');
    print(
      `Airtime account API listening on ${url} (database: ${database.kind} ${database.description})`,
    );
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
