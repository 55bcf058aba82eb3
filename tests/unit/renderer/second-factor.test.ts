/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../../contract/ipc';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import { SecondFactorForm } from '../../../renderer/src/screens/sign-in/second-factor.svelte';
import { SignInForm } from '../../../renderer/src/screens/sign-in/sign-in-form.svelte';
import type { SecondFactorChallenge } from '../../../renderer/src/state/app.svelte';
import { fail, installBridge, ok } from './support/bridge';

const session: SessionInfo = {
  subscriber: { id: 's1', phone: '+12065550100', name: 'Maria Garcia', email: 'm@example.com' },
  persisted: false,
};

const totp: SecondFactorChallenge = {
  status: 'second-factor',
  method: 'totp',
  destination: null,
  resendAfterSeconds: 0,
  expiresIn: 300,
  canRememberDevice: true,
};

const sms: SecondFactorChallenge = {
  status: 'second-factor',
  method: 'sms',
  destination: '•••-0100',
  resendAfterSeconds: 30,
  expiresIn: 300,
  canRememberDevice: false,
};

/** A sign-in form for Maria's number with `password` typed in. */
function filledSignInForm(
  password: string,
  options?: ConstructorParameters<typeof SignInForm>[2],
): SignInForm {
  const form = new SignInForm(null, null, options);
  form.phone = '(206) 555-0100';
  form.password = password;
  return form;
}

/** Accepts every second-step code; returns what the form sent, call by call. */
function signInOnSecondStep(): unknown[] {
  const calls: unknown[] = [];
  installBridge({
    auth: {
      secondFactor: (input) => {
        calls.push(input);
        return ok(session);
      },
    },
  });
  return calls;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('sign-in', () => {
  it('leads to the second step when the account asks for one', async () => {
    installBridge({ auth: { signIn: () => ok(totp) } });
    const form = filledSignInForm('secret password');
    expect(await form.submit()).toEqual({ kind: 'second-factor', challenge: totp });
    expect(form.password).toBe('');
  });

  it('signs straight in otherwise', async () => {
    installBridge({ auth: { signIn: () => ok({ status: 'signed-in' as const, session }) } });
    const form = filledSignInForm('secret password');
    expect(await form.submit()).toEqual({ kind: 'signed-in', session });
  });

  it('offers the unlock code only while sign-in is paused', async () => {
    installBridge({
      auth: {
        signIn: () => fail({ code: 'account_locked', message: 'locked', retryAfterSeconds: 60 }),
      },
    });
    const form = filledSignInForm('wrong');
    await form.submit();
    expect(form.locked).toBe(true);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(form.locked).toBe(false);
    expect(form.errorMessage).toEqual({ key: 'errors.unlocked' });
    form.dispose();
  });

  it('explains a pause and what to do, only while it lasts', async () => {
    let answer: Parameters<typeof fail>[0] = {
      code: 'account_locked',
      message: 'locked',
      retryAfterSeconds: 60,
    };
    installBridge({ auth: { signIn: () => fail(answer) } });
    const form = filledSignInForm('wrong');
    expect(form.lockHelp).toEqual([]);
    await form.submit();
    expect(form.lockHelp).toEqual([
      { key: 'signIn.lockHelp.why' },
      { key: 'signIn.lockHelp.ownAllowance' },
      { key: 'signIn.lockHelp.whatToDo' },
    ]);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(form.lockHelp).toEqual([]);

    // Other failures, a rate limit included, are not about wrong passwords.
    for (const error of [
      { code: 'rate_limited', message: 'slow down', retryAfterSeconds: 60 },
      { code: 'invalid_credentials', message: 'wrong' },
      { code: 'network_unreachable', message: 'offline' },
    ] as const) {
      answer = error;
      form.password = 'wrong';
      await form.submit();
      expect(form.lockHelp, error.code).toEqual([]);
      await vi.advanceTimersByTimeAsync(61_000);
    }
    form.dispose();
  });

  it('promises this computer its own allowance only where it keeps one', async () => {
    installBridge({
      auth: {
        signIn: () => fail({ code: 'account_locked', message: 'locked', retryAfterSeconds: 60 }),
      },
    });
    const keys = async (options: ConstructorParameters<typeof SignInForm>[2]) => {
      const form = filledSignInForm('wrong', options);
      await form.submit();
      form.dispose();
      return form.lockHelp.map((m) => ('key' in m ? m.key : m.text));
    };
    expect(await keys({ keychain: false })).toEqual([
      'signIn.lockHelp.why',
      'signIn.lockHelp.whatToDo',
    ]);
    // A kiosk keeps nothing and has no security center: the password is changed elsewhere.
    expect(await keys({ kiosk: true, keychain: false })).toEqual([
      'signIn.lockHelp.why',
      'signIn.lockHelp.whatToDoKiosk',
    ]);
    expect(await keys({ kiosk: true })).not.toContain('signIn.lockHelp.ownAllowance');
  });

  it('the kiosk wording promises nothing of the computer in front of the customer', () => {
    expect(lookup(en, 'signIn.lockHelp.whatToDoKiosk')).not.toMatch(/this computer|allowance/i);
    expect(lookup(es, 'signIn.lockHelp.whatToDoKiosk')).not.toMatch(/esta computadora|margen/i);
  });

  it('keeps what the phone field held when coming back to it', () => {
    expect(new SignInForm('+12065550100', '(206) 555-01').phone).toBe('(206) 555-01');
    expect(new SignInForm('+12065550100').phone).toBe('(206) 555-0100');
  });
});

describe('the second step', () => {
  it('asks for the authenticator code and signs in with it', async () => {
    const calls = signInOnSecondStep();
    const form = new SecondFactorForm(totp);
    expect(form.method).toBe('totp');
    expect(form.canResend).toBe(false);
    form.setCode('123 456');
    form.rememberDevice = true;
    expect(await form.submit()).toEqual({ kind: 'signed-in', session });
    expect(calls).toEqual([{ code: '123456', rememberDevice: true }]);
  });

  it('never asks to remember the computer where that is not offered', async () => {
    const calls = signInOnSecondStep();
    const form = new SecondFactorForm(sms);
    form.rememberDevice = true;
    form.setCode('123456');
    await form.submit();
    expect(calls).toEqual([{ code: '123456', rememberDevice: false }]);
    form.dispose();
  });

  it('checks the code before sending it', async () => {
    const secondFactor = vi.fn(() => ok(session));
    installBridge({ auth: { secondFactor } });
    const form = new SecondFactorForm(totp);
    form.setCode('12345');
    expect(await form.submit()).toEqual({ kind: 'invalid' });
    expect(form.codeError).toEqual({ key: 'validation.code.sixDigits' });
    expect(secondFactor).not.toHaveBeenCalled();
    form.setCode('123456');
    expect(form.codeError).toBeNull();
    form.dispose();
  });

  it('takes a recovery code instead, and back', async () => {
    const calls = signInOnSecondStep();
    const form = new SecondFactorForm(totp);
    form.setCode('123');
    form.toggleRecoveryCode();
    expect(form.usingRecoveryCode).toBe(true);
    expect(form.codeKind).toBe('recovery');
    expect(form.code).toBe('');
    form.setCode('3F9A2B71C4');
    await form.submit();
    expect(calls).toEqual([{ code: '3f9a2-b71c4', rememberDevice: false }]);
    form.toggleRecoveryCode();
    expect(form.codeKind).toBe('digits');
  });

  it('says how many tries are left after a wrong code', async () => {
    installBridge({
      auth: {
        secondFactor: () => fail({ code: 'invalid_code', message: 'no', attemptsLeft: 2 }),
      },
    });
    const form = new SecondFactorForm(totp);
    form.setCode('000000');
    expect(await form.submit()).toEqual({ kind: 'invalid' });
    expect(form.codeError).toEqual({ key: 'errors.attemptsLeft', values: { count: 2 } });
    expect(form.error).toBeNull();
    form.dispose();
  });

  it('ends the step after the last wrong code, saying so', async () => {
    const secondFactor = vi
      .fn()
      .mockReturnValueOnce(fail({ code: 'invalid_code', message: 'no', attemptsLeft: 1 }))
      .mockReturnValueOnce(fail({ code: 'unauthorized', message: 'sign in again' }));
    installBridge({ auth: { secondFactor } });
    const form = new SecondFactorForm(totp);
    form.setCode('000000');
    await form.submit();
    form.setCode('111111');
    expect(await form.submit()).toEqual({ kind: 'ended', notice: 'second_factor_failed' });
  });

  it('ends the step when main no longer holds it, as expired', async () => {
    installBridge({
      auth: { secondFactor: () => fail({ code: 'unauthorized', message: 'expired' }) },
    });
    const form = new SecondFactorForm(totp);
    form.setCode('123456');
    expect(await form.submit()).toEqual({ kind: 'ended', notice: 'second_factor_expired' });
  });

  it('counts down a lock and blocks codes meanwhile', async () => {
    installBridge({
      auth: {
        secondFactor: () =>
          fail({ code: 'account_locked', message: 'locked', retryAfterSeconds: 90 }),
      },
    });
    const form = new SecondFactorForm(totp);
    form.setCode('123456');
    await form.submit();
    expect(form.waiting).toBe(true);
    expect(form.waitSeconds).toBe(90);
    expect(form.canSubmit).toBe(false);
    expect(form.errorMessage).toEqual({ key: 'errors.account_locked' });
    expect(form.waitMessage).toEqual({ key: 'errors.waitMinutes', values: { count: 2 } });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(form.waitSeconds).toBe(60);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(form.waiting).toBe(false);
    expect(form.canSubmit).toBe(true);
    expect(form.errorMessage).toEqual({ key: 'errors.waitOver' });
    form.dispose();
  });

  it('offers Retry for a connection problem', async () => {
    installBridge({
      auth: { secondFactor: () => fail({ code: 'network_unreachable', message: 'offline' }) },
    });
    const form = new SecondFactorForm(totp);
    form.setCode('123456');
    expect(await form.submit()).toMatchObject({ kind: 'failed' });
    expect(form.retryable).toBe(true);
    form.dispose();
  });

  it('expires on its own, and says so', async () => {
    installBridge({});
    const onExpired = vi.fn();
    const form = new SecondFactorForm({ ...totp, expiresIn: 120 }, { onExpired });
    await vi.advanceTimersByTimeAsync(119_000);
    expect(onExpired).not.toHaveBeenCalled();
    expect(form.expiresIn).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  it('lets main forget the step on Cancel', async () => {
    const secondFactorCancel = vi.fn(() => ok(null));
    installBridge({ auth: { secondFactorCancel } });
    const onExpired = vi.fn();
    const form = new SecondFactorForm(totp, { onExpired });
    await form.cancel();
    expect(secondFactorCancel).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(400_000);
    expect(onExpired).not.toHaveBeenCalled();
  });
});

describe('a texted code', () => {
  it('can be resent only after its cooldown, which restarts with each text', async () => {
    const secondFactorResend = vi.fn(() => ok({ destination: '•••-0199', resendAfterSeconds: 60 }));
    installBridge({ auth: { secondFactorResend } });
    const form = new SecondFactorForm(sms);
    expect(form.destination).toBe('•••-0100');
    expect(form.resendSeconds).toBe(30);
    expect(form.canResend).toBe(false);
    expect(await form.resend()).toEqual({ kind: 'ignored' });

    await vi.advanceTimersByTimeAsync(29_000);
    expect(form.resendSeconds).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(form.canResend).toBe(true);

    expect(await form.resend()).toEqual({ kind: 'sent' });
    expect(secondFactorResend).toHaveBeenCalledTimes(1);
    expect(form.resent).toBe(true);
    expect(form.destination).toBe('•••-0199');
    expect(form.resendSeconds).toBe(60);
    expect(form.canResend).toBe(false);
    form.dispose();
  });

  it('waits out a rate limit on resending', async () => {
    installBridge({
      auth: {
        secondFactorResend: () =>
          fail({ code: 'rate_limited', message: 'slow down', retryAfterSeconds: 45 }),
      },
    });
    const form = new SecondFactorForm({ ...sms, resendAfterSeconds: 0 });
    expect(await form.resend()).toMatchObject({ kind: 'failed' });
    expect(form.resendSeconds).toBe(45);
    expect(form.canResend).toBe(false);
    form.dispose();
  });

  it('cannot be resent for an authenticator app', async () => {
    const secondFactorResend = vi.fn();
    installBridge({ auth: { secondFactorResend } });
    const form = new SecondFactorForm(totp);
    expect(await form.resend()).toEqual({ kind: 'ignored' });
    expect(secondFactorResend).not.toHaveBeenCalled();
    form.dispose();
  });
});
