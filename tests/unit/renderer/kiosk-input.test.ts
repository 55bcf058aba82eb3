/// <reference types="svelte" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatPhoneAsYouType } from '../../../contract/phone';
import { KEYPAD_KEYS, pressKey } from '../../../renderer/src/components/keypad';
import { StaffExitForm } from '../../../renderer/src/screens/kiosk/staff-exit.svelte';
import { fail, installBridge, ok } from './support/bridge';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the numeric keypad', () => {
  it('is laid out like a phone, with Clear and Delete beside 0', () => {
    expect(KEYPAD_KEYS).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      'clear',
      '0',
      'delete',
    ]);
  });

  it('types digits, deletes the last one and clears', () => {
    let code = '';
    for (const key of ['1', '2', '3'] as const) code = pressKey(code, key, 6);
    expect(code).toBe('123');
    expect(pressKey(code, 'delete', 6)).toBe('12');
    expect(pressKey(code, 'clear', 6)).toBe('');
    expect(pressKey('', 'delete', 6)).toBe('');
  });

  it("stops at the field's length", () => {
    expect(pressKey('123456', '7', 6)).toBe('123456');
  });

  it('deletes a digit of a formatted phone number, not a bracket or dash', () => {
    const typed = formatPhoneAsYouType('206555');
    expect(typed).toMatch(/\(206\) 555/);
    expect(formatPhoneAsYouType(pressKey(typed, 'delete', 11))).toBe(formatPhoneAsYouType('20655'));
    let phone = '';
    for (const key of '2065550100') phone = formatPhoneAsYouType(pressKey(phone, key as '0', 11));
    expect(phone).toBe('(206) 555-0100');
  });
});

describe('the staff PIN', () => {
  it('asks for 4 to 12 digits before asking main', async () => {
    const staffExit = vi.fn(() => ok({ ok: true as const }));
    installBridge({ kiosk: { staffExit } });
    const form = new StaffExitForm();
    form.pin = '12';
    expect(await form.submit()).toEqual({ kind: 'invalid' });
    expect(form.pinError).toEqual({ key: 'validation.staffPin' });
    expect(staffExit).not.toHaveBeenCalled();
  });

  it('lets staff out with the right PIN', async () => {
    const staffExit = vi.fn(() => ok({ ok: true as const }));
    installBridge({ kiosk: { staffExit } });
    const form = new StaffExitForm();
    form.pin = '482913';
    expect(await form.submit()).toEqual({ kind: 'exiting' });
    expect(staffExit).toHaveBeenCalledWith({ pin: '482913' });
    expect(form.exiting).toBe(true);
    expect(form.pin).toBe('');
  });

  it('says "Wrong PIN" and counts down before the next try when main asks to wait', async () => {
    vi.useFakeTimers();
    installBridge({
      kiosk: { staffExit: () => ok({ ok: false as const, retryAfterSeconds: 30 }) },
    });
    const form = new StaffExitForm();
    form.pin = '0000';
    expect(await form.submit()).toEqual({ kind: 'wrong' });
    expect(form.errorMessage).toEqual({ key: 'kiosk.staff.wrongPin' });
    expect(form.pin).toBe('');
    expect(form.waitSeconds).toBe(30);
    expect(form.canSubmit).toBe(false);
    form.pin = '1111';
    expect(await form.submit()).toEqual({ kind: 'ignored' });
    vi.advanceTimersByTime(30_000);
    expect(form.waitSeconds).toBe(0);
    expect(form.canSubmit).toBe(true);
    form.dispose();
  });

  it('lets a wrong PIN be tried again at once when main does not ask to wait', async () => {
    installBridge({ kiosk: { staffExit: () => ok({ ok: false as const, retryAfterSeconds: 0 }) } });
    const form = new StaffExitForm();
    form.pin = '0000';
    await form.submit();
    expect(form.errorMessage).toEqual({ key: 'kiosk.staff.wrongPin' });
    expect(form.canSubmit).toBe(true);
  });

  it('words a failure with the error catalogue', async () => {
    installBridge({
      kiosk: { staffExit: () => fail({ code: 'staff_pin_wrong', message: 'x' }) },
    });
    const form = new StaffExitForm();
    form.pin = '0000';
    expect((await form.submit()).kind).toBe('failed');
    expect(form.errorMessage).toEqual({ key: 'errors.staff_pin_wrong' });
  });
});
