import { describe, expect, it } from 'vitest';
import { createAppCore } from '../../../main/app-core';
import { AppError } from '../../../main/errors';
import { AutopayService, autopayMatches } from '../../../main/services/autopay';
import { baseCoreDeps } from './support/app-core';
import { AUTOPAY_OFF, FakeAutopay } from './support/autopay';
import { FakeDownloads } from './support/downloads';
import { FakeApi, ManualTime, PASSWORD, memoryLog } from './support/fakes';
import { FakePayments } from './support/payments';
import { FakePlans } from './support/plans';

function setup() {
  const api = new FakeAutopay();
  const log = memoryLog();
  const service = new AutopayService({
    api,
    session: { withAccess: (call) => call('access-token') },
    log,
  });
  return { api, log, service };
}

const lost = () => new AppError('timeout', 'The account service took too long to answer.');

describe('AutopayService', () => {
  it('reads AutoPay with the session’s access token', async () => {
    const { api, service } = setup();
    await expect(service.get()).resolves.toEqual(AUTOPAY_OFF);
    expect(api.calls).toEqual([{ method: 'autopay', token: 'access-token' }]);
  });

  it('turns AutoPay on with a saved card and off again, answering with the account’s view', async () => {
    const { api, service } = setup();
    const on = await service.update({ enabled: true, paymentMethodId: 'pm_1' });
    expect(on).toMatchObject({
      enabled: true,
      paymentMethod: { id: 'pm_1', brand: 'visa', last4: '4242' },
      nextChargeOn: '2026-12-05',
      nextChargeCents: 35_00,
    });
    const off = await service.update({ enabled: false });
    expect(off).toMatchObject({ enabled: false, nextChargeOn: null, nextChargeCents: null });
    expect(api.calls.map((c) => c.body)).toEqual([
      { enabled: true, paymentMethodId: 'pm_1' },
      { enabled: false },
    ]);
  });

  it('passes the API’s refusal on as it is: a removed card, an expired card', async () => {
    const { api, service } = setup();
    await expect(
      service.update({ enabled: true, paymentMethodId: 'pm_gone' }),
    ).rejects.toMatchObject({ code: 'payment_method_not_found' });
    api.fail.push(
      new AppError('card_invalid', 'The card ending 4242 expired in 01/2026.', {
        status: 400,
        issues: [{ path: 'body.paymentMethodId', message: 'expired' }],
      }),
    );
    const error = await service.update({ enabled: true, paymentMethodId: 'pm_1' }).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'card_invalid', extra: { status: 400 } });
    // A definite refusal is not second-guessed with another read.
    expect(api.calls.filter((c) => c.method === 'autopay')).toHaveLength(0);
    expect(api.view.enabled).toBe(false);
  });

  it('when the answer to a change is lost but the account shows it applied, answers with that', async () => {
    const { api, log, service } = setup();
    api.lose = lost();
    const view = await service.update({ enabled: true, paymentMethodId: 'pm_1' });
    expect(view).toMatchObject({ enabled: true, paymentMethod: { id: 'pm_1' } });
    expect(api.calls.map((c) => c.method)).toEqual(['updateAutopay', 'autopay']);
    expect(log.lines.some((l) => l.level === 'warn' && l.message?.includes('lost'))).toBe(true);
  });

  it('reports the lost answer when the account does not show the change (or cannot be read)', async () => {
    const { api, service } = setup();
    api.fail.push(new AppError('network_unreachable', 'Offline.'));
    await expect(service.update({ enabled: true, paymentMethodId: 'pm_1' })).rejects.toMatchObject({
      code: 'network_unreachable',
    });
    api.fail.push(lost(), new AppError('network_unreachable', 'Offline.'));
    await expect(service.update({ enabled: true, paymentMethodId: 'pm_1' })).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(api.view.enabled).toBe(false);
  });

  it('logs the card’s brand and last four digits only', async () => {
    const { log, service } = setup();
    await service.update({ enabled: true, paymentMethodId: 'pm_1' });
    await service.update({ enabled: false });
    expect(log.lines.filter((l) => l.level === 'info')).toEqual([
      {
        level: 'info',
        fields: { enabled: true, brand: 'visa', last4: '4242' },
        message: 'autopay: on',
      },
      { level: 'info', fields: { enabled: false }, message: 'autopay: off' },
    ]);
    expect(JSON.stringify(log.lines)).not.toMatch(/access-token|pm_1/);
  });

  it('matches a view to an update: on with that very card, or off', () => {
    const on = {
      ...AUTOPAY_OFF,
      enabled: true,
      paymentMethod: { id: 'pm_1', brand: 'visa', last4: '4242', expMonth: 1, expYear: 2030 },
    } as const;
    expect(autopayMatches(on, { enabled: true, paymentMethodId: 'pm_1' })).toBe(true);
    expect(autopayMatches(on, { enabled: true, paymentMethodId: 'pm_2' })).toBe(false);
    expect(autopayMatches(on, { enabled: false })).toBe(false);
    expect(autopayMatches(AUTOPAY_OFF, { enabled: false })).toBe(true);
    expect(autopayMatches(AUTOPAY_OFF, { enabled: true, paymentMethodId: 'pm_1' })).toBe(false);
  });
});

describe('autopay channels', () => {
  function core() {
    const api = new FakeApi();
    const autopay = new FakeAutopay();
    const time = new ManualTime();
    const app = createAppCore({
      ...baseCoreDeps(time),
      logger: memoryLog(),
      api,
      downloads: new FakeDownloads(api),
      payments: new FakePayments(),
      plans: new FakePlans(),
      autopay,
    });
    const call = (channel: string, payload?: unknown) =>
      app.router.dispatch(channel, 'app://airtime/index.html', payload);
    return { autopay, call };
  }

  it('refuses a malformed update before it reaches the API', async () => {
    const { autopay, call } = core();
    await call('auth:sign-in', {
      phone: '(206) 555-0100',
      password: PASSWORD,
      keepSignedIn: false,
    });
    for (const bad of [
      { enabled: true },
      { enabled: false, paymentMethodId: 'pm_1' },
      { enabled: 'yes' },
      { enabled: true, paymentMethodId: '../pm_1' },
    ]) {
      const result = await call('autopay:update', bad);
      expect(result, JSON.stringify(bad)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    expect(autopay.calls).toEqual([]);
  });

  it('answers get and update through the signed-in session, and a card error with its code', async () => {
    const { autopay, call } = core();
    expect(await call('autopay:get')).toMatchObject({
      ok: false,
      error: { code: 'not_signed_in' },
    });
    await call('auth:sign-in', {
      phone: '(206) 555-0100',
      password: PASSWORD,
      keepSignedIn: false,
    });
    expect(await call('autopay:get')).toEqual({ ok: true, value: AUTOPAY_OFF });
    expect(await call('autopay:update', { enabled: true, paymentMethodId: 'pm_1' })).toMatchObject({
      ok: true,
      value: { enabled: true, paymentMethod: { last4: '4242' } },
    });
    expect(
      await call('autopay:update', { enabled: true, paymentMethodId: 'pm_other' }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'payment_method_not_found',
        message: 'There is no such saved card on this account.',
      },
    });
    expect(autopay.calls.every((c) => c.token.length > 0)).toBe(true);
  });
});
