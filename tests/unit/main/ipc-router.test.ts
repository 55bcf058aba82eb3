import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNEL_NAMES } from '../../../contract/ipc';
import { AppError } from '../../../main/errors';
import { createIpcRouter, senderCheck, type IpcHandlers } from '../../../main/ipc/router';

const APP = 'app://airtime/index.html';

function handlers(overrides: Partial<IpcHandlers> = {}): IpcHandlers {
  const all = Object.fromEntries(
    IPC_CHANNEL_NAMES.map((c) => [c, vi.fn(async () => null)]),
  ) as unknown as IpcHandlers;
  return { ...all, ...overrides };
}

describe('createIpcRouter', () => {
  it('rejects a sender that is not the app renderer before parsing or calling anything', async () => {
    const signIn = vi.fn();
    const router = createIpcRouter({
      handlers: handlers({ 'auth:sign-in': signIn }),
      isTrustedSender: senderCheck('app://airtime'),
    });
    for (const sender of [
      'https://evil.example.com/',
      'app://other/index.html',
      undefined,
      'file:///x',
    ]) {
      const result = await router.dispatch('auth:sign-in', sender, {
        phone: '2065550100',
        password: 'x',
        keepSignedIn: false,
      });
      expect(result).toEqual({
        ok: false,
        error: { code: 'forbidden', message: expect.any(String) },
      });
    }
    expect(signIn).not.toHaveBeenCalled();
  });

  it('rejects a bad payload with invalid_request and the field that was wrong', async () => {
    const signIn = vi.fn();
    const router = createIpcRouter({
      handlers: handlers({ 'auth:sign-in': signIn }),
      isTrustedSender: senderCheck('app://airtime'),
    });
    const result = await router.dispatch('auth:sign-in', APP, {
      phone: 'abc',
      password: 'secret',
      keepSignedIn: true,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_request');
      expect(result.error.issues?.[0]?.path).toBe('phone');
      // The key of what is wrong, for the renderer to word it in the person's language.
      expect(result.error.issues?.[0]?.issue).toBe('phone.characters');
    }
    for (const payload of [
      null,
      'string',
      42,
      { phone: '2065550100' },
      { phone: '2065550100', password: 'x', keepSignedIn: true, extra: 1 },
    ]) {
      const r = await router.dispatch('auth:sign-in', APP, payload);
      expect(r.ok ? null : r.error.code).toBe('invalid_request');
    }
    expect(signIn).not.toHaveBeenCalled();
  });

  it('passes the parsed input (phone normalised to E.164) to the handler and wraps the value', async () => {
    const signIn = vi.fn(async () => ({
      status: 'signed-in' as const,
      session: {
        subscriber: { id: 's', phone: '+12065550100', name: 'N', email: 'e@example.com' },
        persisted: false,
      },
    }));
    const router = createIpcRouter({
      handlers: handlers({ 'auth:sign-in': signIn }),
      isTrustedSender: senderCheck('app://airtime'),
    });
    const result = await router.dispatch('auth:sign-in', APP, {
      phone: '(206) 555-0100',
      password: 'pw',
      keepSignedIn: false,
    });
    expect(result.ok).toBe(true);
    expect(signIn).toHaveBeenCalledWith(
      { phone: '+12065550100', password: 'pw', keepSignedIn: false },
      { senderUrl: APP },
    );
  });

  it('turns an AppError into its envelope and anything else into a generic internal_error', async () => {
    const onUnexpectedError = vi.fn();
    const router = createIpcRouter({
      handlers: handlers({
        'account:summary': async () => {
          throw new AppError('account_locked', 'Locked.', { retryAfterSeconds: 60, status: 423 });
        },
        'settings:get': async () => {
          throw new Error('disk exploded at /home/user/secret');
        },
      }),
      isTrustedSender: senderCheck('app://airtime'),
      onUnexpectedError,
    });
    expect(await router.dispatch('account:summary', APP, undefined)).toEqual({
      ok: false,
      error: { code: 'account_locked', message: 'Locked.', retryAfterSeconds: 60 },
    });
    const failed = await router.dispatch('settings:get', APP, undefined);
    expect(failed).toEqual({
      ok: false,
      error: { code: 'internal_error', message: expect.any(String) },
    });
    expect(JSON.stringify(failed)).not.toContain('/home/user');
    expect(onUnexpectedError).toHaveBeenCalledOnce();
  });

  it('answers not_found for a channel that does not exist', async () => {
    const router = createIpcRouter({ handlers: handlers(), isTrustedSender: () => true });
    const result = await router.dispatch('fs:read', APP, undefined);
    expect(result.ok ? null : result.error.code).toBe('not_found');
    const proto = await router.dispatch('__proto__', APP, undefined);
    expect(proto.ok ? null : proto.error.code).toBe('not_found');
  });
});

describe('senderCheck', () => {
  it('compares scheme and host exactly', () => {
    const check = senderCheck('http://127.0.0.1:5173');
    expect(check('http://127.0.0.1:5173/index.html')).toBe(true);
    expect(check('http://127.0.0.1:5174/index.html')).toBe(false);
    expect(check('https://127.0.0.1:5173/')).toBe(false);
    expect(check('http://localhost:5173/')).toBe(false);
    expect(check('')).toBe(false);
  });
});
