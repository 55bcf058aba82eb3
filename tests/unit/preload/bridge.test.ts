import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, IPC_CHANNEL_NAMES } from '../../../contract/ipc';
import { buildBridge, type Subscribe } from '../../../preload/bridge';

describe('buildBridge', () => {
  it('has one function per channel, grouped by domain, that invokes exactly that channel', async () => {
    const invoke = vi.fn(async (channel: string, input: unknown) => ({
      ok: true,
      value: { channel, input },
    }));
    const bridge = buildBridge(invoke, () => () => {});
    expect([...IPC_CHANNEL_NAMES].sort()).toEqual(Object.keys(IPC_CHANNELS).sort());
    for (const channel of IPC_CHANNEL_NAMES) {
      const [domain, verb] = channel.split(':') as [string, string];
      const method = verb.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      const fn = (
        bridge as unknown as Record<string, Record<string, (i?: unknown) => Promise<unknown>>>
      )[domain]![method]!;
      expect(typeof fn, channel).toBe('function');
      await fn({ probe: channel });
      expect(invoke).toHaveBeenLastCalledWith(channel, { probe: channel });
    }
    await bridge.auth.signIn({ phone: '2065550100', password: 'pw', keepSignedIn: true });
    expect(invoke).toHaveBeenLastCalledWith('auth:sign-in', {
      phone: '2065550100',
      password: 'pw',
      keepSignedIn: true,
    });
    await bridge.auth.secondFactor({ code: '123456', rememberDevice: true });
    expect(invoke).toHaveBeenLastCalledWith('auth:second-factor', {
      code: '123456',
      rememberDevice: true,
    });
    await bridge.auth.secondFactorCancel();
    expect(invoke).toHaveBeenLastCalledWith('auth:second-factor-cancel', undefined);
    await bridge.password.check({ password: 'pw', purpose: 'reset' });
    expect(invoke).toHaveBeenLastCalledWith('password:check', { password: 'pw', purpose: 'reset' });
    await bridge.recovery.start({ phone: '2065550100', channel: 'sms' });
    expect(invoke).toHaveBeenLastCalledWith('recovery:start', {
      phone: '2065550100',
      channel: 'sms',
    });
    await bridge.security.twoFactorEnrol({ method: 'totp' });
    expect(invoke).toHaveBeenLastCalledWith('security:two-factor-enrol', { method: 'totp' });
    await bridge.security.recoveryCodes({ password: 'pw' });
    expect(invoke).toHaveBeenLastCalledWith('security:recovery-codes', { password: 'pw' });
    await bridge.statements.savePdf({ id: 'st-1' });
    expect(invoke).toHaveBeenLastCalledWith('statements:save-pdf', { id: 'st-1' });
    await bridge.payments.exportCsv();
    expect(invoke).toHaveBeenLastCalledWith('payments:export-csv', undefined);
    await bridge.payments.setDefault({ id: 'pm_1' });
    expect(invoke).toHaveBeenLastCalledWith('payments:set-default', { id: 'pm_1' });
    await bridge.payments.removeMethod({ id: 'pm_1' });
    expect(invoke).toHaveBeenLastCalledWith('payments:remove-method', { id: 'pm_1' });
    await bridge.plans.change({ planId: 'plus', when: 'now' });
    expect(invoke).toHaveBeenLastCalledWith('plans:change', { planId: 'plus', when: 'now' });
    await bridge.addons.buy({ addOnId: 'data-5gb' });
    expect(invoke).toHaveBeenLastCalledWith('addons:buy', { addOnId: 'data-5gb' });
  });

  it('exposes nothing but the domains and on()', () => {
    const bridge = buildBridge(vi.fn(), () => () => {});
    expect(Object.keys(bridge).sort()).toEqual([
      'account',
      'addons',
      'app',
      'auth',
      'autopay',
      'kiosk',
      'on',
      'password',
      'payments',
      'plans',
      'recovery',
      'security',
      'settings',
      'statements',
    ]);
  });

  it('hands listeners the payload only, never the transport event, and unsubscribes', () => {
    const delivered: ((payload: unknown) => void)[] = [];
    const unsubscribe = vi.fn();
    const subscribe: Subscribe = (_event, listener) => {
      delivered.push(listener);
      return unsubscribe;
    };
    const bridge = buildBridge(vi.fn(), subscribe);
    const listener = vi.fn();
    const off = bridge.on('session:expired', listener);
    delivered[0]!({ message: 'Please sign in again.' });
    expect(listener).toHaveBeenCalledWith({ message: 'Please sign in again.' });
    expect(listener.mock.calls[0]).toHaveLength(1);
    off();
    expect(unsubscribe).toHaveBeenCalledOnce();
  });

  it('refuses unknown events and non-function listeners', () => {
    const bridge = buildBridge(vi.fn(), () => () => {});
    expect(() => bridge.on('fs:changed' as never, () => {})).toThrow(/Unknown event/);
    expect(() => bridge.on('session:expired', 'nope' as never)).toThrow(TypeError);
  });
});
