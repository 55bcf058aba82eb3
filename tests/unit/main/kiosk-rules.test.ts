import { describe, expect, it } from 'vitest';
import { IPC_CHANNEL_NAMES, type IpcChannel } from '../../../contract/ipc';
import { KIOSK_FEATURES, KioskPolicy } from '../../../contract/kiosk';
import { KIOSK_MESSAGES, channelGuard } from '../../../main/kiosk-core';
import { KIOSK_RULES, kioskRule } from '../../../main/kiosk-rules';
import type { KioskController } from '../../../main/services/kiosk';

const channelsWhere = (keep: (rule: (typeof KIOSK_RULES)[IpcChannel]) => boolean) =>
  IPC_CHANNEL_NAMES.filter((c) => keep(KIOSK_RULES[c])).sort();

const policy = KioskPolicy.parse({
  kiosk: true,
  storeName: 'Main Street store',
  apiUrl: 'https://api.example.com',
  kioskCredential: `ak_abcdef123456.${'A'.repeat(43)}`,
  staffPinHash:
    '$argon2id$v=19$m=1024,t=1,p=1$BwcHBwcHBwcHBwcHBwcHBw$ZmVGhvR1OaHB8Wx5BcR3xZaiHwkCmGWqR1Vb6km9gRk',
});

/** The guard of a kiosk in a phase; it reads nothing of the controller but the phase. */
const kioskGuard = (phase: 'welcome' | 'customer') =>
  channelGuard({
    blocked: () => null,
    kiosk: { policy, controller: { phase } as KioskController },
  });

describe('kiosk rules', () => {
  it('has exactly one rule per channel of the contract', () => {
    expect(Object.keys(KIOSK_RULES).sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
  });

  it('denies the files, links out, machine settings and the whole security center', () => {
    expect(channelsWhere((r) => r === 'deny')).toEqual(
      [
        'app:open-external',
        'statements:save-pdf',
        'statements:open-pdf',
        'statements:export-csv',
        'payments:export-csv',
        'settings:test-connection',
        'settings:forget-device',
        'security:overview',
        'security:change-password',
        'security:change-contact',
        'security:sessions',
        'security:sign-out-session',
        'security:sign-out-others',
        'security:history',
        'security:two-factor-enrol',
        'security:two-factor-resend',
        'security:two-factor-confirm',
        'security:two-factor-disable',
        'security:recovery-codes',
      ].sort(),
    );
  });

  it('answers on the welcome screen only what holds nothing of a customer', () => {
    expect(channelsWhere((r) => r === 'always')).toEqual(
      [
        'app:info',
        'kiosk:state',
        'kiosk:start',
        'kiosk:activity',
        'kiosk:end-session',
        'kiosk:staff-exit',
        'settings:get',
        'settings:set',
        'auth:resume',
        'password:check',
      ].sort(),
    );
  });

  it('names only real features, and at least one, where a feature gates a channel', () => {
    for (const channel of IPC_CHANNEL_NAMES) {
      const rule = KIOSK_RULES[channel];
      if (typeof rule !== 'object') continue;
      expect(rule.visit.length, channel).toBeGreaterThan(0);
      for (const feature of rule.visit) expect(KIOSK_FEATURES, channel).toContain(feature);
    }
  });

  it('denies a name it has no rule for, including names every object has', () => {
    for (const name of ['nope:nope', 'toString', '__proto__', 'constructor', '']) {
      expect(kioskRule(name), name).toBe('deny');
    }
  });

  it('has the guard refuse a name without a rule, in either phase, as off limits', () => {
    for (const phase of ['welcome', 'customer'] as const) {
      const guard = kioskGuard(phase);
      for (const name of ['nope:nope', 'toString', '__proto__']) {
        expect(() => guard(name as IpcChannel), `${phase} ${name}`).toThrow(
          expect.objectContaining({ code: 'forbidden', message: KIOSK_MESSAGES.offLimits }),
        );
      }
    }
  });

  it('has the guard refuse the security center’s sessions during a visit', () => {
    const guard = kioskGuard('customer');
    for (const channel of [
      'security:overview',
      'security:sessions',
      'security:sign-out-others',
    ] as const) {
      expect(() => guard(channel), channel).toThrow(
        expect.objectContaining({ code: 'forbidden', message: KIOSK_MESSAGES.offLimits }),
      );
    }
    expect(() => guard('account:summary')).not.toThrow();
  });
});
