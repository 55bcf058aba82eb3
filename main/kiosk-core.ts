import type { IpcChannel } from '../contract/ipc';
import type { KioskFeature, KioskPolicy, KioskState, ReceiptRef } from '../contract/kiosk';
import { DEFAULT_SETTINGS, type Language } from '../contract/settings';
import { AppError } from './errors';
import type { IpcHandlers } from './ipc/router';
import { kioskRule } from './kiosk-rules';
import type { ApiKiosk } from './services/api-client';
import { paymentReceiptHtml, planChangeReceiptHtml } from './services/kiosk-receipt';
import type { KioskController, KioskHost } from './services/kiosk';
import type { Log } from './services/logger';
import type { PaymentService } from './services/payments';
import type { PolicyOutcome } from './services/policy';
import type { SessionService } from './services/session';
import { SettingsService, memorySettingsStore } from './services/settings';

/**
 * Kiosk and managed mode as the app core composes them: which channels a policy allows (each
 * channel's rule is in main/kiosk-rules.ts), the in-memory settings of a kiosk, and the handlers
 * of the `kiosk:*` channels. Plain TypeScript; the Electron side is main/kiosk-window.ts and
 * main/index.ts.
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

/** The features a receipt belongs to: payments and refills, or plan changes. */
export function receiptFeatures(ref: ReceiptRef): readonly KioskFeature[] {
  return ref.kind === 'payment' ? ['pay', 'refill'] : ['plans'];
}

function featureCheck(policy: KioskPolicy, needs: readonly KioskFeature[]): void {
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

export const managedByPolicy = () => new AppError('managed_by_policy', KIOSK_MESSAGES.managed);

type KioskChannel = Extract<IpcChannel, `kiosk:${string}`>;

export interface KioskHandlerContext {
  state(): KioskState;
  kiosk: {
    policy: KioskPolicy;
    controller: KioskController;
    host: KioskHost;
    api: ApiKiosk;
  } | null;
  session: SessionService;
  payments: PaymentService;
  /** The language a printed receipt is in (the customer's choice, or the system's). */
  language(): Language;
  log: Log;
}

/** The `kiosk:*` handlers. The guard has already refused them outside kiosk mode. */
export function kioskHandlers(ctx: KioskHandlerContext): Pick<IpcHandlers, KioskChannel> {
  const kiosk = () => {
    if (!ctx.kiosk) throw new AppError('forbidden', KIOSK_MESSAGES.notKiosk);
    return ctx.kiosk;
  };
  return {
    'kiosk:state': async () => ctx.state(),
    'kiosk:start': () => kiosk().controller.start(),
    'kiosk:activity': async () => {
      kiosk().controller.activity();
      return null;
    },
    'kiosk:end-session': async () => {
      await kiosk().controller.wipe('ended');
      return null;
    },
    'kiosk:staff-exit': ({ pin }) => kiosk().controller.staffExit(pin),
    'kiosk:print-receipt': async (ref) => {
      const { policy, host, api } = kiosk();
      featureCheck(policy, receiptFeatures(ref));
      const printer = policy.receiptPrinter;
      if (printer === null) throw new AppError('printer_unavailable', KIOSK_MESSAGES.noPrinter);
      const options = { storeName: policy.storeName, language: ctx.language() };
      const html =
        ref.kind === 'payment'
          ? paymentReceiptHtml(await ctx.payments.receipt(ref.id), options)
          : planChangeReceiptHtml(
              await ctx.session.withAccess((t) => api.planChangeReceipt(t, ref.id)),
              options,
            );
      try {
        await host.print(html, printer);
      } catch (error) {
        ctx.log.error({ err: error, printer }, 'kiosk: the receipt did not print');
        throw new AppError('printer_unavailable', KIOSK_MESSAGES.printFailed);
      }
      ctx.log.info({ kind: ref.kind }, 'kiosk: receipt printed');
      return null;
    },
    'kiosk:email-receipt': async (ref) => {
      const { policy, api } = kiosk();
      featureCheck(policy, receiptFeatures(ref));
      const sent = await ctx.session.withAccess((t) =>
        ref.kind === 'payment'
          ? api.emailPaymentReceipt(t, ref.id)
          : api.emailPlanChangeReceipt(t, ref.id),
      );
      return { sentTo: sent.sentTo };
    },
  };
}
