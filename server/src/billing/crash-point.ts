/**
 * Where a test may ask the API process to die, mid-request, the way a power cut or the OOM killer
 * would:
 * - `charge`: the card processor has charged; nothing of the payment is recorded but its intent.
 * - `refill`: a refill PIN's redemption, credit and stored answer are committed; no answer sent.
 * - `plan_change`: a plan change and its stored answer are committed; no answer sent.
 */
export type CrashPoint = 'charge' | 'refill' | 'plan_change';

/**
 * Test hook for the crash-and-restart tests (`tests/integration/crash-restart.test.ts`): kills this
 * process with SIGKILL at `point` when both NODE_ENV=test and AIRTIME_TEST_CRASH_AFTER=<point> are
 * set. SIGKILL, not an exception or `process.exit`, so no handler, `finally` or close hook runs and
 * the database is left exactly as a crash leaves it. Without both variables it does nothing: a
 * production server never has NODE_ENV=test, and neither variable is a documented setting.
 */
export function crashPoint(point: CrashPoint): void {
  if (process.env['NODE_ENV'] === 'test' && process.env['AIRTIME_TEST_CRASH_AFTER'] === point) {
    process.kill(process.pid, 'SIGKILL');
  }
}
