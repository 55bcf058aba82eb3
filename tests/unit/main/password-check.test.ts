import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../../contract/ipc';
import { passwordVerdict } from '../../../main/services/password-check';
import { fakeAppCore } from './support/app-core';
import { PASSWORD, RESET_CODE } from './support/fakes';

/** Strong on its own; refused only for the account whose number it contains (+1 206 555 0100). */
const WITH_PHONE = 'Orchid-2065550100-Kayak';
/** Strong on its own; refused only for the account of Maria Garcia. */
const WITH_NAME = 'MariaGarcia-Lantern-Quokka-77';
const STRONG = 'Harbor-Lantern-Quietly-88';

function setup() {
  const { api, core, dispatch: call } = fakeAppCore();
  const check = async (password: string, purpose: 'reset' | 'change') => {
    const result = await call('password:check', { password, purpose });
    if (!result.ok) throw new Error(result.error.message);
    expect(IPC_CHANNELS['password:check'].output.safeParse(result.value).success).toBe(true);
    return result.value as { ok: boolean; score: number; warning: string | null };
  };
  return { api, core, call, check };
}

describe('password:check', () => {
  it('answers with the policy’s verdict in the contract’s shape', () => {
    expect(passwordVerdict('short', 'change', { reset: () => ({}), change: () => ({}) })).toEqual({
      ok: false,
      score: 0,
      warning: 'Use at least 8 characters.',
      suggestions: [expect.any(String)],
    });
    expect(passwordVerdict(STRONG, 'reset', { reset: () => ({}), change: () => ({}) })).toEqual({
      ok: true,
      score: 4,
      warning: null,
      suggestions: [],
    });
  });

  it('for a reset, refuses the number of the account being reset', async () => {
    const { call, check } = setup();
    // No reset in progress: nothing to compare with.
    expect((await check(WITH_PHONE, 'reset')).ok).toBe(true);
    await call('recovery:start', { phone: '(206) 555-0100', channel: 'sms' });
    expect(await check(WITH_PHONE, 'reset')).toMatchObject({
      ok: false,
      warning: 'Do not use your phone number in your password.',
    });
    // The name is not known before the reset is done.
    expect((await check(WITH_NAME, 'reset')).ok).toBe(true);
    await call('recovery:cancel');
    expect((await check(WITH_PHONE, 'reset')).ok).toBe(true);
  });

  it('for a change, refuses the signed-in subscriber’s number and name', async () => {
    const { call, check } = setup();
    expect((await check(WITH_NAME, 'change')).ok).toBe(true);
    await call('auth:sign-in', { phone: '2065550100', password: PASSWORD, keepSignedIn: false });
    expect(await check(WITH_NAME, 'change')).toMatchObject({
      ok: false,
      warning: 'Do not use your name in your password.',
    });
    expect(await check(WITH_PHONE, 'change')).toMatchObject({
      ok: false,
      warning: 'Do not use your phone number in your password.',
    });
    expect((await check(STRONG, 'change')).ok).toBe(true);
  });

  it('the reset context follows the reset, not the signed-in account', async () => {
    const { call, check } = setup();
    await call('auth:sign-in', { phone: '2065550100', password: PASSWORD, keepSignedIn: false });
    await call('recovery:start', { phone: '(312) 555-0142', channel: 'email' });
    await call('recovery:verify', { code: RESET_CODE });
    expect((await check(WITH_NAME, 'reset')).ok).toBe(true);
    expect(await check('Orchid-3125550142-Kayak', 'reset')).toMatchObject({ ok: false });
  });
});
