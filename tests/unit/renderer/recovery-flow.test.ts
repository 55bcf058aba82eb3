/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PasswordCheckResult, SessionInfo } from '../../../contract/ipc';
import { RecoveryFlow } from '../../../renderer/src/screens/recovery/recovery-flow.svelte';
import { fail, installBridge, ok, type FakeBridge } from './support/bridge';

const session: SessionInfo = {
  subscriber: { id: 's1', phone: '+12065550100', name: 'Maria Garcia', email: 'm@example.com' },
  persisted: true,
};
const strong: PasswordCheckResult = { ok: true, score: 4, warning: null, suggestions: [] };
const weak: PasswordCheckResult = {
  ok: false,
  score: 1,
  warning: 'This is a commonly used password.',
  suggestions: [],
};
const started = { channel: 'sms' as const, resendAfterSeconds: 60, codeExpiresIn: 600 };
const verified = { channel: 'email' as const, destination: 'j•••@example.com', expiresIn: 600 };

/** A flow whose password checks answer at once (strong for long text). */
function flow(phone = '(206) 555-0100'): RecoveryFlow {
  return new RecoveryFlow(phone, {
    check: (password) => ok(password.length >= 12 ? strong : weak),
    checkDelayMs: 10,
  });
}

/** Through the first two steps. */
async function atPassword(bridge: FakeBridge): Promise<RecoveryFlow> {
  installBridge({
    ...bridge,
    recovery: {
      start: () => ok(started),
      verify: () => ok(verified),
      ...bridge.recovery,
    },
  });
  const f = flow();
  await f.send();
  f.setCode('123456');
  await f.verify();
  return f;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('choosing where the code goes', () => {
  it('starts with the phone from sign-in and a text message', () => {
    const f = flow('(206) 555-01');
    expect(f.step).toBe('choose');
    expect(f.phone).toBe('(206) 555-01');
    expect(f.channel).toBe('sms');
  });

  it('checks the phone number before sending anything', async () => {
    const start = vi.fn(() => ok(started));
    installBridge({ recovery: { start } });
    const f = flow('(206) 555-01');
    expect(await f.send()).toEqual({ kind: 'invalid', field: 'phone' });
    expect(f.phoneError).toEqual({ key: 'validation.phone.tooShort' });
    expect(start).not.toHaveBeenCalled();
  });

  it('sends to the chosen channel with the number in E.164, then asks for the code', async () => {
    const calls: unknown[] = [];
    installBridge({
      recovery: {
        start: (input) => {
          calls.push(input);
          return ok({ ...started, channel: 'email' as const });
        },
      },
    });
    const f = flow();
    f.channel = 'email';
    expect(await f.send()).toEqual({ kind: 'next' });
    expect(calls).toEqual([{ phone: '+12065550100', channel: 'email' }]);
    expect(f.step).toBe('code');
    expect(f.sentBy).toBe('email');
    expect(f.codeExpiresIn).toBe(600);
    expect(f.notice).toBeNull();
    f.dispose();
  });

  it('says when to try again after too many requests, and blocks sending meanwhile', async () => {
    installBridge({
      recovery: {
        start: () => fail({ code: 'rate_limited', message: 'slow', retryAfterSeconds: 300 }),
      },
    });
    const f = flow();
    expect(await f.send()).toEqual({ kind: 'failed' });
    expect(f.step).toBe('choose');
    expect(f.waiting).toBe(true);
    expect(f.canSend).toBe(false);
    expect(f.errorMessage).toEqual({ key: 'errors.rate_limited' });
    expect(f.waitMessage).toEqual({ key: 'errors.waitMinutes', values: { count: 5 } });
    await vi.advanceTimersByTimeAsync(300_000);
    expect(f.canSend).toBe(true);
    expect(f.errorMessage).toEqual({ key: 'errors.waitOver' });
  });

  it('offers Retry for a connection problem, and retries the same thing', async () => {
    const start = vi
      .fn()
      .mockReturnValueOnce(fail({ code: 'timeout', message: 'slow' }))
      .mockReturnValueOnce(ok(started));
    installBridge({ recovery: { start } });
    const f = flow();
    await f.send();
    expect(f.errorAction).toBe('retry');
    expect(await f.retry()).toEqual({ kind: 'next' });
    expect(f.step).toBe('code');
    f.dispose();
  });
});

describe('the code', () => {
  it('can be resent once the cooldown is over, which then starts again', async () => {
    const start = vi.fn(() => ok(started));
    installBridge({ recovery: { start } });
    const f = flow();
    await f.send();
    expect(f.resendSeconds).toBe(60);
    expect(f.canResend).toBe(false);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(f.resendSeconds).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(f.canResend).toBe(true);
    await f.send();
    expect(start).toHaveBeenCalledTimes(2);
    expect(f.notice).toEqual({ key: 'recovery.resent' });
    expect(f.resendSeconds).toBe(60);
    f.dispose();
  });

  it('must have six digits before it is sent', async () => {
    const verify = vi.fn(() => ok(verified));
    installBridge({ recovery: { start: () => ok(started), verify } });
    const f = flow();
    await f.send();
    f.setCode('12 34');
    expect(f.code).toBe('1234');
    expect(await f.verify()).toEqual({ kind: 'invalid', field: 'code' });
    expect(f.codeError).toEqual({ key: 'validation.code.sixDigits' });
    expect(verify).not.toHaveBeenCalled();
    f.dispose();
  });

  it('says how many tries are left when wrong', async () => {
    installBridge({
      recovery: {
        start: () => ok(started),
        verify: () => fail({ code: 'invalid_code', message: 'no', attemptsLeft: 3 }),
      },
    });
    const f = flow();
    await f.send();
    f.setCode('000000');
    expect(await f.verify()).toEqual({ kind: 'invalid', field: 'code' });
    expect(f.codeError).toEqual({ key: 'errors.attemptsLeft', values: { count: 3 } });
    expect(f.canVerify).toBe(true);
    f.dispose();
  });

  it.each(['too_many_attempts', 'code_expired'] as const)(
    'offers a new code after %s, and works again once one is sent',
    async (code) => {
      installBridge({
        recovery: {
          start: () => ok({ ...started, resendAfterSeconds: 0 }),
          verify: () => fail({ code, message: 'dead' }),
        },
      });
      const f = flow();
      await f.send();
      f.setCode('000000');
      expect(await f.verify()).toEqual({ kind: 'failed' });
      expect(f.errorMessage).toEqual({ key: `errors.${code}` });
      expect(f.errorAction).toBe('send-new');
      expect(f.canVerify).toBe(false);
      expect(f.code).toBe('');
      await f.send();
      expect(f.canVerify).toBe(true);
      expect(f.errorAction).toBeNull();
      f.dispose();
    },
  );

  it('treats the last wrong try like a used-up code', async () => {
    installBridge({
      recovery: {
        start: () => ok(started),
        verify: () => fail({ code: 'invalid_code', message: 'no', attemptsLeft: 0 }),
      },
    });
    const f = flow();
    await f.send();
    f.setCode('000000');
    expect(await f.verify()).toEqual({ kind: 'failed' });
    expect(f.errorMessage).toEqual({ key: 'errors.noAttemptsLeft' });
    expect(f.errorAction).toBe('send-new');
    f.dispose();
  });

  it('suggests the other channel when delivery failed', async () => {
    const channels: string[] = [];
    installBridge({
      recovery: {
        start: (input) => {
          channels.push(input.channel);
          return ok({ ...started, channel: input.channel });
        },
        verify: () => fail({ code: 'delivery_failed', message: 'provider down' }),
      },
    });
    const f = flow();
    await f.send();
    f.setCode('123456');
    await f.verify();
    expect(f.errorMessage).toEqual({ key: 'recovery.deliveryFailedSms' });
    expect(f.errorAction).toBe('other-channel');
    expect(f.otherChannel).toBe('email');
    expect(await f.useOtherChannel()).toEqual({ kind: 'next' });
    expect(channels).toEqual(['sms', 'email']);
    expect(f.sentBy).toBe('email');
    f.dispose();
  });

  it('leads to the new password, showing where the code went', async () => {
    const f = await atPassword({});
    expect(f.step).toBe('password');
    expect(f.destination).toBe('j•••@example.com');
    expect(f.passwordExpiresIn).toBe(600);
    f.dispose();
  });

  it('can go back to choosing another way', async () => {
    installBridge({ recovery: { start: () => ok(started) } });
    const f = flow();
    await f.send();
    f.changeMethod();
    expect(f.step).toBe('choose');
    f.dispose();
  });
});

describe('the new password', () => {
  it('can be set only once the policy accepts it', async () => {
    const complete = vi.fn(() => ok({ status: 'signed-in' as const, session }));
    const f = await atPassword({ recovery: { complete } });
    f.strength.password = 'password1';
    await vi.advanceTimersByTimeAsync(10);
    expect(f.canComplete).toBe(false);
    expect(await f.complete()).toEqual({ kind: 'invalid', field: 'password' });
    expect(complete).not.toHaveBeenCalled();
    f.strength.password = 'pale lamp river stone';
    await vi.advanceTimersByTimeAsync(10);
    expect(f.canComplete).toBe(true);
  });

  it('asks for one when the field is empty', async () => {
    const f = await atPassword({});
    expect(await f.complete()).toEqual({ kind: 'invalid', field: 'password' });
    expect(f.passwordError).toEqual({ key: 'validation.password.newEmpty' });
    f.editedPassword();
    expect(f.passwordError).toBeNull();
    f.dispose();
  });

  it('signs in with "keep me signed in" as chosen', async () => {
    const calls: unknown[] = [];
    const f = await atPassword({
      recovery: {
        complete: (input) => {
          calls.push(input);
          return ok({ status: 'signed-in' as const, session });
        },
      },
    });
    f.strength.password = 'pale lamp river stone';
    f.keepSignedIn = true;
    expect(await f.complete()).toEqual({ kind: 'signed-in', session });
    expect(calls).toEqual([{ newPassword: 'pale lamp river stone', keepSignedIn: true }]);
  });

  it('leads to the second step when the account has one', async () => {
    const challenge = {
      status: 'second-factor' as const,
      method: 'totp' as const,
      destination: null,
      resendAfterSeconds: 0,
      expiresIn: 300,
      canRememberDevice: true,
    };
    const f = await atPassword({ recovery: { complete: () => ok(challenge) } });
    f.strength.password = 'pale lamp river stone';
    expect(await f.complete()).toEqual({ kind: 'second-factor', challenge });
  });

  it('shows the service refusing a weak password at the field', async () => {
    const f = await atPassword({
      recovery: {
        complete: () =>
          fail({
            code: 'weak_password',
            message: 'weak',
            feedback: { warning: 'Do not use your name in your password.', suggestions: [] },
          }),
      },
    });
    f.strength.password = 'pale lamp river stone';
    expect(await f.complete()).toEqual({ kind: 'invalid', field: 'password' });
    expect(f.passwordError).toEqual({ key: 'passwordFeedback.policy.name' });
    f.dispose();
  });

  it('starts over when the reset has expired', async () => {
    const f = await atPassword({
      recovery: { complete: () => fail({ code: 'reset_ticket_invalid', message: 'gone' }) },
    });
    f.strength.password = 'pale lamp river stone';
    await f.complete();
    expect(f.step).toBe('choose');
    expect(f.notice).toEqual({ key: 'recovery.expired' });
    expect(f.error).toBeNull();
    expect(f.strength.password).toBe('');
    f.dispose();
  });

  it('starts over by itself when the time to choose runs out', async () => {
    const f = await atPassword({});
    await vi.advanceTimersByTimeAsync(599_000);
    expect(f.step).toBe('password');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(f.step).toBe('choose');
    expect(f.notice).toEqual({ key: 'recovery.expired' });
    f.dispose();
  });
});

describe('leaving', () => {
  it('lets main forget the reset', async () => {
    const cancel = vi.fn(() => ok(null));
    installBridge({ recovery: { start: () => ok(started), cancel } });
    const f = flow();
    await f.send();
    await f.cancel();
    expect(cancel).toHaveBeenCalledTimes(1);
  });
});

describe('a reset main no longer holds', () => {
  it('starts over instead of showing a puzzling error', async () => {
    installBridge({
      recovery: {
        start: () => ok(started),
        verify: () => fail({ code: 'invalid_request', message: 'Start again.' }),
      },
    });
    const f = flow();
    await f.send();
    f.setCode('123456');
    expect(await f.verify()).toEqual({ kind: 'failed' });
    expect(f.step).toBe('choose');
    expect(f.notice).toEqual({ key: 'recovery.expired' });
    f.dispose();
  });
});
