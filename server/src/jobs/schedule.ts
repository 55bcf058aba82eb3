import type { FastifyInstance } from 'fastify';
import type { BackgroundTasks } from '../background';

export interface ScheduledJob {
  /** Milliseconds between runs; 0 (or less) does not schedule it at all. */
  everyMs: number;
  /** One run. It must be safe on every instance at once: each job claims its work in the database. */
  run: () => Promise<unknown>;
  /** Logged when a run fails as a whole; the next run tries again. */
  failure: string;
}

/**
 * Runs `job` every `everyMs` as background work, so closing the app waits for a run in flight
 * and stops the timer; the timer alone never keeps the process alive.
 */
export function scheduleJob(
  app: FastifyInstance,
  background: BackgroundTasks,
  job: ScheduledJob,
): void {
  if (job.everyMs <= 0) return;
  const timer = setInterval(() => {
    background.run(job.run, (error) => app.log.warn({ err: error }, job.failure));
  }, job.everyMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
