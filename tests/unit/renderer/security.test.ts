/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SecurityEventKind,
  type ActiveSession,
  type SecurityEvent,
  type SecurityOverview,
} from '../../../contract/http/security';
import type { PasswordCheckResult } from '../../../contract/ipc';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import { ChangePasswordForm } from '../../../renderer/src/screens/security/change-password.svelte';
import {
  contactChanges,
  ContactForm,
} from '../../../renderer/src/screens/security/contact-form.svelte';
import { qrPath } from '../../../renderer/src/screens/security/qr';
import {
  EVENT_KEYS,
  HISTORY_PAGE_SIZE,
  HistoryPages,
} from '../../../renderer/src/screens/security/security-data.svelte';
import { SessionActions } from '../../../renderer/src/screens/security/sessions.svelte';
import { TwoFactorSetup } from '../../../renderer/src/screens/security/two-factor.svelte';
import { fail, installBridge, ok } from './support/bridge';

const codes = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(5)}-abcde`);

const overview: SecurityOverview = {
  twoFactor: { enabled: false, method: null, recoveryCodesLeft: 0 },
  phone: '+12065550100',
  email: 'maria@example.com',
  contactPhone: null,
  passwordChangedAt: null,
  rememberedDevices: 0,
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the sign-in history in words', () => {
  it('has a sentence for every kind of event, in English and Spanish', () => {
    for (const kind of SecurityEventKind.options) {
      const key = EVENT_KEYS[kind];
      expect(key, kind).toBe(`security.history.events.${kind}`);
      const english = lookup(en, key);
      const spanish = lookup(es, key);
      expect(english, `${kind} (en)`).toBeTruthy();
      expect(spanish, `${kind} (es)`).toBeTruthy();
      expect(spanish, kind).not.toBe(english);
    }
    expect(Object.keys(EVENT_KEYS).sort()).toEqual([...SecurityEventKind.options].sort());
  });

  it('pages with the cursor, appending older events', async () => {
    const event = (id: string): SecurityEvent => ({
      id,
      at: '2025-11-03T12:00:00Z',
      kind: 'signed_in',
      newDevice: false,
      deviceName: 'Laptop',
      appVersion: '0.1.0',
      ip: '203.0.113.9',
    });
    const calls: unknown[] = [];
    installBridge({
      security: {
        history: (input) => {
          calls.push(input);
          return input?.cursor
            ? ok({ items: [event('c')], nextCursor: null })
            : ok({ items: [event('a'), event('b')], nextCursor: 'next-page' });
        },
      },
    });
    const history = new HistoryPages({});
    await history.load();
    expect(history.items.map((e) => e.id)).toEqual(['a', 'b']);
    expect(history.hasMore).toBe(true);
    await history.loadMore();
    expect(history.items.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(history.hasMore).toBe(false);
    expect(calls).toEqual([
      { limit: HISTORY_PAGE_SIZE },
      { cursor: 'next-page', limit: HISTORY_PAGE_SIZE },
    ]);
  });
});

describe('turning 2-step verification on', () => {
  it('with an authenticator app: the secret, a code, then the recovery codes once', async () => {
    const onChanged = vi.fn();
    const confirms: unknown[] = [];
    installBridge({
      security: {
        twoFactorEnrol: () =>
          ok({
            method: 'totp' as const,
            secret: 'JBSWY3DPEHPK3PXP',
            otpauthUri: 'otpauth://totp/Airtime:maria?secret=JBSWY3DPEHPK3PXP&issuer=Airtime',
          }),
        twoFactorConfirm: (input) => {
          confirms.push(input);
          return ok({ recoveryCodes: codes });
        },
      },
    });
    const setup = new TwoFactorSetup({ onChanged });
    setup.begin();
    expect(setup.stage).toEqual({ name: 'choose' });
    expect(setup.method).toBe('totp');
    await setup.enrol();
    expect(setup.stage).toMatchObject({ name: 'totp', secret: 'JBSWY3DPEHPK3PXP' });

    setup.setCode('12345');
    expect(await setup.confirm()).toEqual({ kind: 'invalid', field: 'code' });
    setup.setCode('123456');
    expect(await setup.confirm()).toEqual({ kind: 'done' });
    expect(confirms).toEqual([{ code: '123456' }]);
    expect(setup.stage).toEqual({ name: 'codes', codes, reason: 'enabled' });
    expect(onChanged).toHaveBeenCalledTimes(1);

    // The codes stay until "I saved these codes" is ticked.
    expect(setup.finish()).toBe(false);
    setup.saved = true;
    expect(setup.finish()).toBe(true);
    expect(setup.stage).toEqual({ name: 'idle' });
    expect(setup.done).toEqual({ key: 'security.twoFactor.enabled' });
  });

  it('with text messages: a texted code, resent after its cooldown', async () => {
    const twoFactorResend = vi.fn(() => ok({ destination: '•••-0100', resendAfterSeconds: 60 }));
    installBridge({
      security: {
        twoFactorEnrol: (input) => {
          expect(input).toEqual({ method: 'sms' });
          return ok({ method: 'sms' as const, destination: '•••-0100', resendAfterSeconds: 30 });
        },
        twoFactorResend,
      },
    });
    const setup = new TwoFactorSetup();
    setup.begin();
    setup.method = 'sms';
    await setup.enrol();
    expect(setup.stage).toEqual({ name: 'sms', destination: '•••-0100' });
    expect(setup.resendSeconds).toBe(30);
    expect(await setup.resend()).toEqual({ kind: 'ignored' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(setup.resendSeconds).toBe(0);
    expect(await setup.resend()).toEqual({ kind: 'done' });
    expect(twoFactorResend).toHaveBeenCalledTimes(1);
    expect(setup.resendSeconds).toBe(60);
    setup.dispose();
  });

  it('shows a wrong code at the field with the tries left', async () => {
    installBridge({
      security: {
        twoFactorEnrol: () =>
          ok({ method: 'totp' as const, secret: 'S', otpauthUri: 'otpauth://totp/x?secret=S' }),
        twoFactorConfirm: () => fail({ code: 'invalid_code', message: 'no', attemptsLeft: 4 }),
      },
    });
    const setup = new TwoFactorSetup();
    setup.begin();
    await setup.enrol();
    setup.setCode('000000');
    expect(await setup.confirm()).toEqual({ kind: 'invalid', field: 'code' });
    expect(setup.codeError).toEqual({ key: 'errors.attemptsLeft', values: { count: 4 } });
  });

  it('can be cancelled before it is confirmed', async () => {
    installBridge({
      security: {
        twoFactorEnrol: () =>
          ok({ method: 'totp' as const, secret: 'S', otpauthUri: 'otpauth://totp/x?secret=S' }),
      },
    });
    const setup = new TwoFactorSetup();
    setup.begin();
    await setup.enrol();
    setup.cancelSetup();
    expect(setup.stage).toEqual({ name: 'idle' });
  });

  it('catches up when it was already turned on elsewhere', async () => {
    const onChanged = vi.fn();
    installBridge({
      security: {
        twoFactorEnrol: () => fail({ code: 'two_factor_already_enabled', message: 'on' }),
      },
    });
    const setup = new TwoFactorSetup({ onChanged });
    setup.begin();
    await setup.enrol();
    expect(setup.stage).toEqual({ name: 'idle' });
    expect(setup.errorMessage).toEqual({ key: 'errors.two_factor_already_enabled' });
    expect(onChanged).toHaveBeenCalled();
  });
});

describe('turning 2-step off and new recovery codes', () => {
  it('ask for the password, and show a wrong one at the field', async () => {
    const twoFactorDisable = vi
      .fn()
      .mockReturnValueOnce(fail({ code: 'wrong_password', message: 'no' }))
      .mockReturnValueOnce(ok(null));
    const onChanged = vi.fn();
    installBridge({ security: { twoFactorDisable } });
    const setup = new TwoFactorSetup({ onChanged });
    setup.askDisable();
    expect(setup.confirmDisable).toBe(true);
    expect(await setup.disable()).toEqual({ kind: 'invalid', field: 'password' });
    expect(setup.passwordError).toEqual({ key: 'validation.password.empty' });
    expect(twoFactorDisable).not.toHaveBeenCalled();

    setup.password = 'not it';
    expect(await setup.disable()).toEqual({ kind: 'invalid', field: 'password' });
    expect(setup.passwordError).toEqual({ key: 'errors.wrong_password' });
    expect(setup.confirmDisable).toBe(true);

    setup.password = 'the password';
    expect(await setup.disable()).toEqual({ kind: 'done' });
    expect(twoFactorDisable).toHaveBeenLastCalledWith({ password: 'the password' });
    expect(setup.confirmDisable).toBe(false);
    expect(setup.password).toBe('');
    expect(setup.done).toEqual({ key: 'security.twoFactor.disabled' });
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('show the new recovery codes once, saying the old ones stopped working', async () => {
    installBridge({ security: { recoveryCodes: () => ok({ recoveryCodes: codes }) } });
    const setup = new TwoFactorSetup();
    setup.askNewCodes();
    setup.password = 'the password';
    expect(await setup.replaceCodes()).toEqual({ kind: 'done' });
    expect(setup.confirmCodes).toBe(false);
    expect(setup.stage).toEqual({ name: 'codes', codes, reason: 'replaced' });
    setup.saved = true;
    setup.finish();
    expect(setup.done).toEqual({ key: 'security.twoFactor.codesSaved' });
  });

  it('close the dialog when 2-step was already off', async () => {
    installBridge({
      security: {
        twoFactorDisable: () => fail({ code: 'two_factor_not_enabled', message: 'off' }),
      },
    });
    const setup = new TwoFactorSetup();
    setup.askDisable();
    setup.password = 'the password';
    await setup.disable();
    expect(setup.confirmDisable).toBe(false);
    expect(setup.errorMessage).toEqual({ key: 'errors.two_factor_not_enabled' });
  });
});

describe('changing the password', () => {
  const strong: PasswordCheckResult = { ok: true, score: 4, warning: null, suggestions: [] };

  function form(onChanged = vi.fn()) {
    return new ChangePasswordForm({ onChanged, check: () => ok(strong), checkDelayMs: 10 });
  }

  it('says how many other devices were signed out', async () => {
    const calls: unknown[] = [];
    installBridge({
      security: {
        changePassword: (input) => {
          calls.push(input);
          return ok({ otherSessionsSignedOut: 2 });
        },
      },
    });
    const onChanged = vi.fn();
    const f = form(onChanged);
    f.current = 'old password';
    f.strength.password = 'pale lamp river stone';
    f.confirm = 'pale lamp river stone';
    await vi.advanceTimersByTimeAsync(10);
    expect(f.canSubmit).toBe(true);
    expect(await f.submit()).toEqual({ kind: 'done' });
    expect(calls).toEqual([
      { currentPassword: 'old password', newPassword: 'pale lamp river stone' },
    ]);
    expect(f.done).toEqual({ key: 'security.password.changed', values: { count: 2 } });
    expect(f.current).toBe('');
    expect(f.strength.password).toBe('');
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('says so when no other device was signed in', async () => {
    installBridge({ security: { changePassword: () => ok({ otherSessionsSignedOut: 0 }) } });
    const f = form();
    f.current = 'old password';
    f.strength.password = 'pale lamp river stone';
    f.confirm = 'pale lamp river stone';
    await f.submit();
    expect(f.done).toEqual({ key: 'security.password.changedAlone' });
  });

  it('shows a wrong current password at that field', async () => {
    installBridge({
      security: { changePassword: () => fail({ code: 'wrong_password', message: 'no' }) },
    });
    const f = form();
    f.current = 'not it';
    f.strength.password = 'pale lamp river stone';
    f.confirm = 'pale lamp river stone';
    expect(await f.submit()).toEqual({ kind: 'invalid', field: 'current' });
    expect(f.currentError).toEqual({ key: 'errors.wrong_password' });
    f.editedCurrent();
    expect(f.currentError).toBeNull();
  });

  it('shows the policy refusing the new password at that field', async () => {
    installBridge({
      security: {
        changePassword: () =>
          fail({
            code: 'weak_password',
            message: 'weak',
            feedback: {
              warning: 'Do not use your phone number in your password.',
              suggestions: [],
            },
          }),
      },
    });
    const f = form();
    f.current = 'old password';
    f.strength.password = 'pale lamp river stone';
    f.confirm = 'pale lamp river stone';
    expect(await f.submit()).toEqual({ kind: 'invalid', field: 'new' });
    expect(f.newError).toEqual({ key: 'passwordFeedback.policy.phone' });
  });

  it('checks the fields before sending', async () => {
    const changePassword = vi.fn();
    installBridge({ security: { changePassword } });
    const f = form();
    expect(await f.submit()).toEqual({ kind: 'invalid', field: 'current' });
    f.current = 'old password';
    expect(await f.submit()).toEqual({ kind: 'invalid', field: 'new' });
    expect(f.newError).toEqual({ key: 'validation.password.newEmpty' });
    f.strength.password = 'pale lamp river stone';
    f.confirm = 'pale lamp river';
    expect(await f.submit()).toEqual({ kind: 'invalid', field: 'confirm' });
    expect(f.confirmError).toEqual({ key: 'password.mismatch' });
    f.confirm = 'pale lamp river stone';
    f.editedConfirm();
    expect(f.confirmError).toBeNull();
    expect(changePassword).not.toHaveBeenCalled();
    f.dispose();
  });
});

describe('contact details', () => {
  it('send only what changed', () => {
    expect(contactChanges(overview, { email: 'MARIA@example.com', contactPhone: null })).toBeNull();
    expect(contactChanges(overview, { email: 'new@example.com', contactPhone: null })).toEqual({
      email: 'new@example.com',
    });
    expect(
      contactChanges(overview, { email: 'maria@example.com', contactPhone: '+12065550199' }),
    ).toEqual({ contactPhone: '+12065550199' });
    expect(
      contactChanges(
        { ...overview, contactPhone: '+12065550199' },
        { email: 'maria@example.com', contactPhone: null },
      ),
    ).toEqual({ contactPhone: null });
  });

  it('ask for the password, and say a notice went to the old address', async () => {
    const calls: unknown[] = [];
    installBridge({
      security: {
        changeContact: (input) => {
          calls.push(input);
          return ok({ ...overview, email: 'new@example.com' });
        },
      },
    });
    const f = new ContactForm();
    f.open(overview);
    expect(f.editing).toBe(true);
    expect(f.email).toBe('maria@example.com');
    expect(f.contactPhone).toBe('');
    f.email = ' new@example.com ';
    expect(await f.submit(overview)).toEqual({ kind: 'invalid', field: 'password' });
    expect(f.passwordError).toEqual({ key: 'validation.password.empty' });
    f.password = 'the password';
    const outcome = await f.submit(overview);
    expect(outcome).toMatchObject({ kind: 'done', overview: { email: 'new@example.com' } });
    expect(calls).toEqual([{ email: 'new@example.com', password: 'the password' }]);
    expect(f.done).toEqual({ key: 'security.contact.savedEmail' });
    expect(f.editing).toBe(false);
  });

  it('say nothing about a notice when only the contact number changed', async () => {
    const calls: unknown[] = [];
    installBridge({
      security: {
        changeContact: (input) => {
          calls.push(input);
          return ok({ ...overview, contactPhone: '+12065550199' });
        },
      },
    });
    const f = new ContactForm();
    f.open(overview);
    f.contactPhone = '(206) 555-0199';
    f.password = 'the password';
    await f.submit(overview);
    expect(calls).toEqual([{ contactPhone: '+12065550199', password: 'the password' }]);
    expect(f.done).toEqual({ key: 'security.contact.saved' });
  });

  it('check the address and number, and need a change', async () => {
    const changeContact = vi.fn();
    installBridge({ security: { changeContact } });
    const f = new ContactForm();
    f.open(overview);
    f.password = 'the password';
    f.email = 'not an address';
    expect(await f.submit(overview)).toEqual({ kind: 'invalid', field: 'email' });
    expect(f.emailError).toEqual({ key: 'validation.email.invalid' });
    f.email = 'maria@example.com';
    f.contactPhone = '555';
    expect(await f.submit(overview)).toEqual({ kind: 'invalid', field: 'contactPhone' });
    f.contactPhone = '';
    expect(await f.submit(overview)).toEqual({ kind: 'invalid', field: 'email' });
    expect(f.errorMessage).toEqual({ key: 'security.contact.nothingChanged' });
    expect(changeContact).not.toHaveBeenCalled();
  });

  it('show a wrong password at the password field', async () => {
    installBridge({
      security: { changeContact: () => fail({ code: 'wrong_password', message: 'no' }) },
    });
    const f = new ContactForm();
    f.open(overview);
    f.email = 'new@example.com';
    f.password = 'not it';
    expect(await f.submit(overview)).toEqual({ kind: 'invalid', field: 'password' });
    expect(f.passwordError).toEqual({ key: 'errors.wrong_password' });
    expect(f.editing).toBe(true);
  });
});

describe('signed-in devices', () => {
  const other: ActiveSession = {
    id: '4f6c1b1e-0c1f-4f43-9d8e-1b2c3d4e5f60',
    current: false,
    deviceName: 'Office PC',
    appVersion: '0.1.0',
    signedInAt: '2025-11-01T12:00:00Z',
    lastSeenAt: '2025-11-03T12:00:00Z',
    ip: '203.0.113.7',
  };

  it('sign one out after confirming, then refresh the list', async () => {
    const calls: unknown[] = [];
    const onChanged = vi.fn();
    installBridge({
      security: {
        signOutSession: (input) => {
          calls.push(input);
          return ok(null);
        },
      },
    });
    const actions = new SessionActions({ onChanged });
    actions.ask(other);
    expect(actions.confirmOne).toBe(true);
    expect(actions.target).toBe(other);
    expect(await actions.signOutOne()).toBe(true);
    expect(calls).toEqual([{ id: other.id }]);
    expect(actions.confirmOne).toBe(false);
    expect(actions.done).toEqual({
      key: 'security.sessions.signedOutOne',
      values: { device: 'Office PC' },
    });
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('never offer to sign this computer out from the list', () => {
    const actions = new SessionActions();
    actions.ask({ ...other, current: true });
    expect(actions.confirmOne).toBe(false);
  });

  it('treat a device already gone as signed out', async () => {
    installBridge({
      security: { signOutSession: () => fail({ code: 'session_not_found', message: 'gone' }) },
    });
    const onChanged = vi.fn();
    const actions = new SessionActions({ onChanged });
    actions.ask(other);
    expect(await actions.signOutOne()).toBe(true);
    expect(onChanged).toHaveBeenCalled();
  });

  it('keep the dialog open with the reason when signing out failed', async () => {
    installBridge({
      security: { signOutSession: () => fail({ code: 'timeout', message: 'slow' }) },
    });
    const actions = new SessionActions();
    actions.ask(other);
    expect(await actions.signOutOne()).toBe(false);
    expect(actions.confirmOne).toBe(true);
    expect(actions.error).toEqual({ key: 'errors.timeout' });
  });

  it('sign every other device out, saying how many', async () => {
    installBridge({ security: { signOutOthers: () => ok({ signedOut: 3 }) } });
    const actions = new SessionActions();
    actions.askOthers();
    expect(await actions.signOutOthers()).toBe(true);
    expect(actions.confirmOthers).toBe(false);
    expect(actions.done).toEqual({
      key: 'security.sessions.signedOutOthers',
      values: { count: 3 },
    });
  });
});

describe('the setup QR code', () => {
  it('is drawn locally as one path over a square grid', () => {
    const uri = 'otpauth://totp/Airtime:%2B12065550100?secret=JBSWY3DPEHPK3PXP&issuer=Airtime';
    const { size, d } = qrPath(uri);
    // Versions grow by 4 modules from 21: a code this long needs a few versions up.
    expect((size - 17) % 4).toBe(0);
    expect(size).toBeGreaterThanOrEqual(25);
    expect(d).toMatch(/^M\d+ \d+h\d+v1h-\d+z/);
    // The three finder patterns: the top-left corner's first row is 7 dark modules.
    expect(d.startsWith('M0 0h7v1h-7z')).toBe(true);
    expect(qrPath(uri)).toEqual({ size, d });
  });
});
