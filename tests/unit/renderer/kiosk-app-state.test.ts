/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../../contract/ipc';
import { SignInForm } from '../../../renderer/src/screens/sign-in/sign-in-form.svelte';
import { AppState } from '../../../renderer/src/state/app.svelte';
import { installBridge, ok, settled } from './support/bridge';

const session: SessionInfo = {
  subscriber: { id: 's1', phone: '+12065550100', name: 'Maria Garcia', email: 'm@example.com' },
  persisted: false,
};
const settings = {
  apiBaseUrl: 'https://api.example.com',
  theme: 'system' as const,
  language: 'system' as const,
  rememberPhone: true,
  lastPhone: '+13125550142',
};
const signIn = vi.fn(() => ok({ status: 'signed-in' as const, session }));

function app(): AppState {
  return new AppState({ systemTheme: 'light', systemLanguage: 'en' });
}

beforeEach(() => {
  signIn.mockClear();
  installBridge({ settings: { get: () => ok(settings) }, auth: { signIn } });
});
afterEach(async () => {
  await settled();
  vi.unstubAllGlobals();
});

describe('a kiosk wipe', () => {
  it('leaves nothing of the customer in the app state', () => {
    const state = app();
    state.setKiosk(['statements', 'refill', 'pay', 'plans', 'recovery']);
    state.keepPhoneDraft('(206) 555-0100');
    state.signInOutcome({ status: 'signed-in', session });
    state.openStatements({ month: '2025-05' });
    expect(state.dashboard).not.toBeNull();

    state.wipe();

    expect(state.session).toBeNull();
    expect(state.dashboard).toBeNull();
    expect(state.phoneDraft).toBeNull();
    expect(state.notice).toBeNull();
    expect(state.route).toEqual({ name: 'sign-in' });
  });
});

describe('kiosk features', () => {
  it('are all there in a normal install', () => {
    const state = app();
    expect(state.kiosk).toBe(false);
    for (const area of ['statements', 'plans', 'settings', 'security', 'files'] as const) {
      expect(state.allows(area), area).toBe(true);
    }
  });

  it('hide what the policy leaves out, and never offer settings, security or files', () => {
    const state = app();
    state.setKiosk(['refill']);
    expect(state.kiosk).toBe(true);
    expect(state.allows('refill')).toBe(true);
    expect(state.allows('pay')).toBe(false);
    expect(state.allows('settings')).toBe(false);
    expect(state.allows('security')).toBe(false);
    expect(state.allows('files')).toBe(false);
  });

  it('keep the screens of a switched-off feature closed', () => {
    const state = app();
    state.setKiosk(['refill']);
    state.signInOutcome({ status: 'signed-in', session });
    for (const open of [
      () => state.openPlans(),
      () => state.openStatements(),
      () => state.openStatement('st_1'),
      () => state.openAutopay(),
      () => state.openSecurity(),
      () => state.openSettings(),
    ]) {
      open();
      expect(state.route).toEqual({ name: 'dashboard' });
    }
    // Refill alone still opens Refill and pay.
    state.openPayments();
    expect(state.route).toEqual({ name: 'payments' });
  });

  it('keep "Forgot password?" closed when recovery is off', () => {
    const state = app();
    state.setKiosk(['statements']);
    state.openRecovery('(206) 555-0100');
    expect(state.route).toEqual({ name: 'starting' });
  });
});

describe('kiosk sign-in', () => {
  it('never fills in the remembered number', () => {
    expect(new SignInForm('+13125550142', null, { kiosk: true }).phone).toBe('');
    expect(new SignInForm('+13125550142').phone).toBe('(312) 555-0142');
  });

  it('keeps the number typed before a second step within the visit', () => {
    expect(new SignInForm(null, '(206) 555-0100', { kiosk: true }).phone).toBe('(206) 555-0100');
  });

  it('never asks main to keep the customer signed in', async () => {
    const form = new SignInForm(null, null, { kiosk: true });
    form.phone = '(206) 555-0100';
    form.password = 'Sunset-Harbor-42';
    form.keepSignedIn = true;
    expect((await form.submit()).kind).toBe('signed-in');
    expect(signIn).toHaveBeenCalledWith({
      phone: '+12065550100',
      password: 'Sunset-Harbor-42',
      keepSignedIn: false,
    });
    form.dispose();
  });
});
