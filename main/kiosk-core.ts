import type { IpcChannel } from '../contract/ipc';
import type { KioskFeature, KioskPolicy, KioskState, ReceiptRef } from '../contract/kiosk';
import { DEFAULT_SETTINGS } from '../contract/settings';
import type { AppCoreDeps } from './app-core-types';
import { AppError } from './errors';
import type { IpcHandlers } from './ipc/router';
import { kioskRule } from './kiosk-rules';
import type { ExportDeps } from './services/exports';
import type { KioskController } from './services/kiosk';
import type { PolicyOutcome } from './services/policy';
import type { SessionDeps } from './services/session';
import { SettingsService, memorySettingsStore } from './services/settings';
import type { CredentialVault } from './services/vault';

/**
 * Kiosk and managed mode as the app core composes them: which channels a policy allows (each
 * channel's rule is in main/kiosk-rules.ts), the settings a policy leaves (a kiosk's in memory, a
 * pinned API address) and what a kiosk keeps of a customer (nothing). The handlers of the
 * `kiosk:*` channels are in main/ipc/handlers/kiosk.ts, and the state that ties them to the
 * services (blocked, the visit's requests, the controller) in main/kiosk/runtime.ts. Plain
 * TypeScript; the Electron side is main/kiosk-window.ts and main/index.ts.
 */

export type BlockedState = Extract<KioskState, { mode: 'blocked' }>;

export const KIOSK_MESSAGES = {
  notKiosk: 'Kiosk mode is not turned on on this computer.',
  offLimits: 'That is not available at a store kiosk.',
  tapToStart: 'Tap the screen to start first.',
  featureOff: 'This store has turned that off at its kiosk. Ask a member of staff for help.',
  managed: 'This setting is managed by your organisation and cannot be changed here.',
  noPrinter: 'This kiosk has no receipt printer. Choose "E-mail me a receipt" instead.',
  printFailed:
    'The receipt printer did not print. Ask a member of staff, or choose "E-mail me a receipt".',
  notEnrolled:
    'This kiosk is not enrolled with the account service: its kiosk credential was refused. Ask your IT department to enroll it again and update the policy file.',
} as const;

/** Settings of a kiosk: in memory only, the policy's API address, no phone remembered. */
export function kioskSettings(policy: KioskPolicy): SettingsService {
  return new SettingsService(
    memorySettingsStore({
      ...structuredClone(DEFAULT_SETTINGS),
      apiBaseUrl: policy.apiUrl,
      rememberPhone: false,
    }),
  );
}

/** What of the host's keychain and files the core may use, and what the session may remember. */
export interface CustomerStorage {
  vault: CredentialVault | null;
  /** Spread into the session's options. */
  session: Pick<SessionDeps, 'allowRememberDevice' | 'allowDeviceCookie'>;
  /** Spread into the export service's options. */
  files: Pick<ExportDeps, 'saveFile' | 'openPath' | 'tempDir'>;
}

/**
 * A kiosk keeps nothing of a customer, whatever the host passed: no keychain, no file dialogs
 * and no files opened, and no device token or cookie (the missing vault already keeps those out;
 * this holds even if one were wired in). Anywhere else the host's own are used.
 */
export function customerStorage(
  policy: PolicyOutcome,
  host: Pick<AppCoreDeps, 'vault' | 'saveFile' | 'openPath' | 'tempDir' | 'allowRememberDevice'>,
): CustomerStorage {
  if (policy.mode === 'kiosk') {
    return {
      vault: null,
      session: { allowRememberDevice: () => false, allowDeviceCookie: () => false },
      files: { saveFile: undefined, openPath: undefined, tempDir: undefined },
    };
  }
  return {
    vault: host.vault,
    session: host.allowRememberDevice ? { allowRememberDevice: host.allowRememberDevice } : {},
    files: { saveFile: host.saveFile, openPath: host.openPath, tempDir: host.tempDir },
  };
}

/** The features a receipt belongs to: payments and refills, or plan changes. */
export function receiptFeatures(ref: ReceiptRef): readonly KioskFeature[] {
  return ref.kind === 'payment' ? ['pay', 'refill'] : ['plans'];
}

/** Throws the answer for a kiosk whose store switched off every one of `needs`. */
export function featureCheck(policy: KioskPolicy, needs: readonly KioskFeature[]): void {
  if (!needs.some((f) => policy.features.includes(f))) {
    throw new AppError('kiosk_feature_off', KIOSK_MESSAGES.featureOff);
  }
}

/** What the current mode allows; throws the answer for a channel it does not. */
export type ChannelGuard = (channel: IpcChannel) => void;

export interface GuardContext {
  /** The blocked state, while the app is blocked (bad policy, or not enrolled). */
  blocked(): BlockedState | null;
  kiosk: { policy: KioskPolicy; controller: KioskController } | null;
}

export function channelGuard(ctx: GuardContext): ChannelGuard {
  return (channel) => {
    const blocked = ctx.blocked();
    if (blocked) {
      if (channel !== 'app:info' && channel !== 'kiosk:state') {
        throw new AppError('forbidden', blocked.message);
      }
      return;
    }
    if (!ctx.kiosk) {
      if (channel.startsWith('kiosk:') && channel !== 'kiosk:state') {
        throw new AppError('forbidden', KIOSK_MESSAGES.notKiosk);
      }
      return;
    }
    // A channel without a rule is denied too: a kiosk answers only what it was decided it offers.
    const rule = kioskRule(channel);
    if (rule === 'deny') throw new AppError('forbidden', KIOSK_MESSAGES.offLimits);
    if (ctx.kiosk.controller.phase === 'welcome' && rule !== 'always') {
      throw new AppError('forbidden', KIOSK_MESSAGES.tapToStart);
    }
    if (typeof rule === 'object') featureCheck(ctx.kiosk.policy, rule.visit);
  };
}

/** Every handler behind the guard: a refused channel never reaches its service. */
export function guarded(handlers: IpcHandlers, guard: ChannelGuard): IpcHandlers {
  const out: Record<string, unknown> = {};
  for (const [channel, handler] of Object.entries(handlers)) {
    out[channel] = (input: unknown, context: unknown) => {
      guard(channel as IpcChannel);
      return (handler as (i: unknown, c: unknown) => Promise<unknown>)(input, context);
    };
  }
  return out as IpcHandlers;
}

/** The API address a policy pins (kiosk or managed), or `null`. */
export function pinnedApiUrl(policy: PolicyOutcome): string | null {
  if (policy.mode === 'kiosk') return policy.policy.apiUrl;
  if (policy.mode === 'managed') return policy.policy.apiUrl ?? null;
  return null;
}

/**
 * The settings a policy leaves the app: a kiosk's in memory (it never opens the settings file,
 * so they die with the process), anyone else's from `open`; a pinned API address replaces
 * whatever was saved.
 */
export function settingsUnderPolicy(
  policy: PolicyOutcome,
  open: () => SettingsService,
): SettingsService {
  const settings = policy.mode === 'kiosk' ? kioskSettings(policy.policy) : open();
  const pinnedUrl = pinnedApiUrl(policy);
  if (pinnedUrl !== null && settings.get().apiBaseUrl !== pinnedUrl) {
    settings.update({ apiBaseUrl: pinnedUrl });
  }
  return settings;
}

export const managedByPolicy = () => new AppError('managed_by_policy', KIOSK_MESSAGES.managed);
