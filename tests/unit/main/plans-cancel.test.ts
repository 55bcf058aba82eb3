import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../../contract/ipc';
import { AppError } from '../../../main/errors';
import { PlansService } from '../../../main/services/plans';
import { memoryLog, plan } from './support/fakes';
import { FakePlans, biggerPlan } from './support/plans';

function setup() {
  const api = new FakePlans();
  const log = memoryLog();
  const service = new PlansService({
    api,
    session: { withAccess: (call) => call('access-token') },
    log,
    newKey: () => 'unused-key',
  });
  return { api, service, log };
}

const scheduled = {
  id: 'pc_scheduled',
  plan: biggerPlan,
  effectiveOn: '2026-12-10',
  requestedAt: '2026-11-25T12:00:00.000Z',
};

describe('cancelling a scheduled plan change', () => {
  it('cancels with the session’s token and answers what the IPC contract accepts', async () => {
    const { api, service } = setup();
    api.pending = scheduled;
    const result = await service.cancelPending();
    expect(result).toEqual({ cancelled: scheduled, plan });
    expect(IPC_CHANNELS['plans:cancel-pending'].output.safeParse(result).success).toBe(true);
    expect(api.tokens).toEqual(['access-token']);
    // No money moves: no Idempotency-Key is made or sent.
    expect(api.keys).toEqual([]);
  });

  it('passes on "nothing scheduled" as its own code, so the page can say so', async () => {
    const { api, service } = setup();
    api.pending = null;
    await expect(service.cancelPending()).rejects.toMatchObject({
      code: 'no_pending_plan_change',
    });
  });

  it('after a lost answer, trying again asks again (and finds nothing left once it went through)', async () => {
    const { api, service } = setup();
    api.pending = scheduled;
    api.fail.push(new AppError('timeout', 'The account service took too long to answer.'));
    await expect(service.cancelPending()).rejects.toMatchObject({ code: 'timeout' });
    expect((await service.cancelPending()).cancelled.id).toBe(scheduled.id);
    await expect(service.cancelPending()).rejects.toMatchObject({
      code: 'no_pending_plan_change',
    });
    expect(api.cancels).toBe(3);
  });

  it('logs the cancelled change by id, without the subscriber’s details', async () => {
    const { api, service, log } = setup();
    api.pending = scheduled;
    await service.cancelPending();
    const text = JSON.stringify(log.lines);
    expect(text).toContain('pc_scheduled');
    expect(text).not.toContain(biggerPlan.name);
  });
});
