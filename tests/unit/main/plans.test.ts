import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../../contract/ipc';
import { AppError } from '../../../main/errors';
import { PlansService } from '../../../main/services/plans';
import { memoryLog } from './support/fakes';
import { FakePlans, biggerPlan, dataPass, preview } from './support/plans';

function setup() {
  const api = new FakePlans();
  let n = 0;
  const service = new PlansService({
    api,
    session: { withAccess: (call) => call('access-token') },
    log: memoryLog(),
    newKey: () => `key-${++n}`,
  });
  return { api, service };
}

const lost = () => new AppError('timeout', 'The account service took too long to answer.');
const change = { planId: biggerPlan.id, when: 'now', expectedChargeCents: 6_00 } as const;

describe('plans service', () => {
  it('reads the catalogue, the preview and the add-ons with the session’s access token', async () => {
    const { api, service } = setup();
    expect((await service.catalogue()).items.map((p) => p.id)).toEqual(['value-15gb', 'plus']);
    expect(await service.preview({ planId: 'plus', when: 'now' })).toEqual(preview);
    expect((await service.addOns()).available).toEqual([dataPass]);
    expect(api.tokens).toEqual(['access-token', 'access-token', 'access-token']);
  });

  it('sends the same Idempotency-Key when a change is retried after a lost answer', async () => {
    const { api, service } = setup();
    api.fail.push(lost(), new AppError('network_unreachable', 'Offline.'));
    await expect(service.change(change)).rejects.toMatchObject({ code: 'timeout' });
    await expect(service.change(change)).rejects.toMatchObject({ code: 'network_unreachable' });
    const result = await service.change(change);
    expect(result.status).toBe('applied');
    expect(api.keys).toEqual(['key-1', 'key-1', 'key-1']);
  });

  it('uses a new key for each action: after success, and for a different change', async () => {
    const { api, service } = setup();
    await service.change(change);
    await service.change(change);
    api.fail.push(lost());
    await expect(service.change({ ...change, when: 'next_renewal' })).rejects.toThrow();
    await service.change({ ...change, planId: 'value-15gb' });
    expect(api.keys).toEqual(['key-1', 'key-2', 'key-3', 'key-4']);
  });

  it('drops the key after a definite refusal, so the next try is a new action', async () => {
    const { api, service } = setup();
    api.fail.push(
      new AppError('insufficient_balance', 'Not enough credit.', {
        status: 402,
        shortfallCents: 4_00,
      }),
    );
    await expect(service.buyAddOn(dataPass.id)).rejects.toMatchObject({
      code: 'insufficient_balance',
      extra: { shortfallCents: 4_00 },
    });
    await service.buyAddOn(dataPass.id);
    expect(api.keys).toEqual(['key-1', 'key-2']);
  });

  it('reuses the key of a purchase retried after a timeout, and keeps purchases of different passes apart', async () => {
    const { api, service } = setup();
    api.fail.push(lost());
    await expect(service.buyAddOn(dataPass.id)).rejects.toThrow();
    await service.buyAddOn('intl-100');
    await service.buyAddOn(dataPass.id);
    expect(api.keys).toEqual(['key-1', 'key-2', 'key-1']);
  });

  it('keeps the key while the API is still at it or its answer was unreadable', async () => {
    const { api, service } = setup();
    api.fail.push(
      new AppError('idempotency_in_progress', 'Still running.', { status: 409 }),
      new AppError('invalid_response', 'Unreadable.', { status: 200 }),
      new AppError('internal_error', 'Oops.', { status: 500 }),
    );
    for (const code of ['idempotency_in_progress', 'invalid_response', 'internal_error']) {
      await expect(service.buyAddOn(dataPass.id)).rejects.toMatchObject({ code });
    }
    await service.buyAddOn(dataPass.id);
    expect(api.keys).toEqual(['key-1', 'key-1', 'key-1', 'key-1']);
  });

  it('drops the key after a refusal that is not "in progress", even a 409', async () => {
    const { api, service } = setup();
    api.fail.push(new AppError('plan_price_changed', 'The price changed.', { status: 409 }));
    await expect(service.change(change)).rejects.toMatchObject({ code: 'plan_price_changed' });
    await service.change(change);
    expect(api.keys).toEqual(['key-1', 'key-2']);
  });

  it('sends one request for a second click while the first is on its way', async () => {
    const { api, service } = setup();
    const [first, second] = await Promise.all([service.change(change), service.change(change)]);
    expect(first).toEqual(second);
    expect(api.keys).toEqual(['key-1']);
  });

  it('answers with values the IPC contract accepts', async () => {
    const { service } = setup();
    expect(
      IPC_CHANNELS['plans:change'].output.safeParse(await service.change(change)).success,
    ).toBe(true);
    expect(IPC_CHANNELS['addons:buy'].output.safeParse(await service.buyAddOn('x')).success).toBe(
      true,
    );
    expect(
      IPC_CHANNELS['plans:change'].input.safeParse({ planId: 'plus', when: 'later' }).success,
    ).toBe(false);
  });
});
