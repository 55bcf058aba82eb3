import type { DeviceInfo, SubscriberProfile } from '../../../contract/http/auth';
import type { PushEvent, PushPayload } from '../../../contract/ipc';
import type { Settings } from '../../../contract/settings';
import { AppError, endsSession, isAppError } from '../../errors';
import type { ApiCaller } from '../api-client';
import type { Clock, Timers } from '../clock';
import type { Log } from '../logger';
import type { CredentialVault } from '../vault';

/** Sends a push event to the renderer. */
export type PushEmitter = <E extends PushEvent>(event: E, payload: PushPayload<E>) => void;

/** What the session needs of the settings. */
export interface SessionSettings {
  get(): Settings;
  setLastPhone(phone: string | null): void;
  reset(): void;
}

export interface SessionDeps {
  api: ApiCaller;
  /** `null`: this machine has no usable keychain, so nothing is kept between launches. */
  vault: CredentialVault | null;
  settings: SessionSettings;
  clock: Clock;
  timers: Timers;
  emit: PushEmitter;
  log: Log;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshLeadMs?: number;
  /** After a background refresh fails for a reason other than rejection, try again this much later. Default 30 s. */
  refreshRetryMs?: number;
  /** This computer as sign-ins describe it to the API (see main/services/device.ts). */
  device: () => DeviceInfo;
  /**
   * False where "remember this computer" must not be offered even with a keychain (a shared
   * kiosk). Read at every sign-in. Default: allowed.
   */
  allowRememberDevice?: () => boolean;
  /**
   * False where the API's device cookie must be neither kept nor sent even with a keychain (a
   * shared kiosk: one customer's cookie must not vouch for the next). Read at every sign-in.
   * Default: allowed.
   */
  allowDeviceCookie?: () => boolean;
}

export interface SignInParams {
  /** E.164 (the IPC schema has already normalised what was typed). */
  phone: string;
  password: string;
  keepSignedIn: boolean;
}

export interface SecondFactorParams {
  code: string;
  rememberDevice: boolean;
}

export interface ActiveSession {
  subscriber: SubscriberProfile;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, by the injected clock. */
  expiresAt: number;
  /** The refresh token is in the vault under `account`. */
  persisted: boolean;
  account: string;
}

export const SESSION_MESSAGES = {
  notSignedIn: 'Sign in to continue.',
  expired: 'Your session has ended. Please sign in again.',
  reused:
    'This sign-in was used from somewhere else, so it was ended to protect your account. Please sign in again.',
  savedExpired: 'Your saved sign-in has ended. Please sign in again.',
  keychainCleanup:
    'Airtime signed you out and reset its settings, but could not remove the saved sign-ins from the system keychain.',
} as const;

export const notSignedIn = () => new AppError('not_signed_in', SESSION_MESSAGES.notSignedIn);

export function isRejectedRefresh(error: unknown): error is AppError {
  return isAppError(error) && endsSession(error.code);
}

export async function deleteEntry(
  deps: Pick<SessionDeps, 'vault' | 'log'>,
  account: string,
): Promise<void> {
  try {
    await deps.vault?.delete(account);
  } catch (error) {
    deps.log.warn({ err: error }, 'session: could not delete a keychain entry');
  }
}
