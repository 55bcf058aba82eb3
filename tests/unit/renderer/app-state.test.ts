/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../contract/ipc';
import en from '../../../renderer/src/i18n/en.json';
import es from '../../../renderer/src/i18n/es.json';
import { lookup } from '../../../renderer/src/i18n/keys';
import {
  AppState,
  type Notice,
  type SecondFactorChallenge,
} from '../../../renderer/src/state/app.svelte';
import { installBridge, ok, settled } from './support/bridge';

const session: SessionInfo = {
  subscriber: { id: 's1', phone: '+12065550100', name: 'Maria Garcia', email: 'm@example.com' },
  persisted: false,
};
const challenge: SecondFactorChallenge = {
  status: 'second-factor',
  method: 'sms',
  destination: '•••-0100',
  resendAfterSeconds: 30,
  expiresIn: 300,
  canRememberDevice: true,
};

function app(): AppState {
  return new AppState({ systemTheme: 'light', systemLanguage: 'en' });
}

beforeEach(() => {
  installBridge({
    settings: {
      get: () =>
        ok({
          apiBaseUrl: 'https://api.example.com',
          theme: 'system' as const,
          language: 'system' as const,
          rememberPhone: true,
          lastPhone: null,
        }),
    },
  });
});
afterEach(() => {
  // Whatever the settings reload started has finished before the next test.
  return settled();
});

describe('routes for signing in', () => {
  it('go to the second step, and back to sign-in saying why it ended', () => {
    const state = app();
    state.keepPhoneDraft('(206) 555-0100');
    state.signInOutcome(challenge);
    expect(state.route).toEqual({ name: 'second-factor', challenge });
    state.endSecondFactor('second_factor_expired');
    expect(state.route).toEqual({ name: 'sign-in' });
    expect(state.notice).toBe('second_factor_expired');
    expect(state.phoneDraft).toBe('(206) 555-0100');
  });

  it('go back from the second step without a notice on Cancel', () => {
    const state = app();
    state.signInOutcome(challenge);
    state.endSecondFactor();
    expect(state.route).toEqual({ name: 'sign-in' });
    expect(state.notice).toBeNull();
  });

  it('sign in when the outcome says so, forgetting the draft', () => {
    const state = app();
    state.keepPhoneDraft('(206) 555-0100');
    state.signInOutcome({ status: 'signed-in', session });
    expect(state.route).toEqual({ name: 'dashboard' });
    expect(state.session).toBe(session);
    expect(state.phoneDraft).toBeNull();
  });

  it('open the reset flow with the phone typed so far, and close it', () => {
    const state = app();
    state.openRecovery('(206) 555-01');
    expect(state.route).toEqual({ name: 'recovery' });
    expect(state.phoneDraft).toBe('(206) 555-01');
    state.closeRecovery();
    expect(state.route).toEqual({ name: 'sign-in' });
  });

  it('let no old session ending interrupt a reset or a second step', () => {
    const state = app();
    state.openRecovery('');
    state.sessionExpired();
    expect(state.route).toEqual({ name: 'recovery' });
    state.closeRecovery();
    state.signInOutcome(challenge);
    state.sessionExpired();
    expect(state.route.name).toBe('second-factor');
  });

  it('have words for every notice in both languages', () => {
    const notices: Notice[] = [
      'session_expired',
      'signed_out',
      'device_forgotten',
      'second_factor_expired',
      'second_factor_failed',
    ];
    for (const notice of notices) {
      expect(lookup(en, `signIn.notice.${notice}`), notice).toBeTruthy();
      expect(lookup(es, `signIn.notice.${notice}`), notice).toBeTruthy();
    }
  });
});

describe('the security center route', () => {
  it('opens only when signed in, and goes back where it came from', () => {
    const state = app();
    state.openSecurity();
    expect(state.route.name).not.toBe('security');

    state.signedIn(session);
    state.openSecurity();
    expect(state.route).toEqual({ name: 'security', from: 'dashboard' });
    state.back();
    expect(state.route).toEqual({ name: 'dashboard' });

    state.openSettings();
    state.openSecurity();
    expect(state.route).toEqual({ name: 'security', from: 'settings' });
    state.back();
    expect(state.route).toEqual({ name: 'settings', from: 'dashboard' });
  });

  it('leaves for sign-in when the session ends', () => {
    const state = app();
    state.signedIn(session);
    state.openSecurity();
    state.sessionExpired();
    expect(state.route).toEqual({ name: 'sign-in' });
    expect(state.notice).toBe('session_expired');
  });
});
