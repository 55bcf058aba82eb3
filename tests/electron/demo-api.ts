import path from 'node:path';
import { startServer, type RunningServer } from '../../server/src/server';

/**
 * The real account API on loopback, on a SQLite file in `dir` seeded with the demo subscribers,
 * quiet and without rate limits: what the Electron app under test signs in to.
 */
export function startDemoApi(dir: string): Promise<RunningServer> {
  return startServer(
    {
      db: path.join(dir, 'api.sqlite'),
      host: '127.0.0.1',
      port: 0,
      authRateLimit: 0,
      trustProxy: false,
      logLevel: 'silent',
      seedDemo: true,
      dev: false,
      tokenSecret: undefined,
    },
    undefined,
    () => {},
  );
}
