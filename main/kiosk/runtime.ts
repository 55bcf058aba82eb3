import type { KioskState } from '../../contract/kiosk';
import type { AppCoreDeps } from '../app-core-types';
import { systemLanguage } from '../ipc/handlers/app';
import { kioskHandlers } from '../ipc/handlers/kiosk';
import type { HandlersFor, IpcHandlers } from '../ipc/router';
import { KIOSK_MESSAGES, channelGuard, guarded, type BlockedState } from '../kiosk-core';
import type { ApiCaller, ApiClientOptions } from '../services/api-client';
import type { Clock, Timers } from '../services/clock';
import { KioskController } from '../services/kiosk';
import type { Log } from '../services/logger';
import type { PaymentService } from '../services/payments';
import type { PolicyOutcome } from '../services/policy';
import type { RecoveryService } from '../services/recovery';
import type { PushEmitter, SessionService } from '../services/session';
import type { SettingsService } from '../services/settings';

/** What the runtime takes from the core's own deps. */
export type KioskAppDeps = Pick<AppCoreDeps, 'kiosk' | 'appInfo'>;

/** What the core resolved before the runtime: the policy, and the checked push emitter. */
export interface KioskRuntimeDeps {
  policy: PolicyOutcome;
  emit: PushEmitter;
  clock: Clock;
  timers: Timers;
  log: Log;
}

/** What a visit drives. They are built on the API client, which needs the runtime first. */
export interface KioskServices {
  session: SessionService;
  recovery: RecoveryService;
  settings: SettingsService;
  payments: PaymentService;
  /** The client the kiosk's visits and receipts use unless `kiosk.api` was given; kiosk mode only. */
  defaultApi(): ApiCaller;
}

export interface KioskRuntime {
  /**
   * Spread into the API client's options: in kiosk mode every request carries the kiosk
   * credential and the visit's id, and is cancelled when the visit is wiped; nothing otherwise.
   */
  readonly apiClientOptions: Pick<ApiClientOptions, 'kiosk'>;
  /** Builds the controller over the services (kiosk mode only), and what the core wires from it. */
  connect(services: KioskServices): ConnectedKiosk;
}

export interface ConnectedKiosk {
  /** The store kiosk; `null` outside kiosk mode. */
  controller: KioskController | null;
  handlers: HandlersFor<'kiosk'>;
  /** Every handler behind the policy's guard: blocked, not a kiosk, or the kiosk's rules. */
  guard(handlers: IpcHandlers): IpcHandlers;
  /** What `kiosk:state` answers: normal, the kiosk's state, or blocked. */
  state(): KioskState;
  dispose(): void;
}

/**
 * The policy's state at run time: whether the app is blocked (a bad policy file, or a kiosk
 * whose credential the server refused), and in kiosk mode the controller, the requests of the
 * current visit and the handlers of the `kiosk:*` channels. Outside kiosk mode it answers
 * `normal` or `blocked` and builds nothing.
 */
export function createKioskRuntime(
  app: KioskAppDeps,
  { policy, emit, clock, timers, log }: KioskRuntimeDeps,
): KioskRuntime {
  const kioskPolicy = policy.mode === 'kiosk' ? policy.policy : null;
  let blocked: BlockedState | null =
    policy.mode === 'blocked'
      ? {
          mode: 'blocked',
          reason: 'policy',
          code: policy.code,
          message: policy.message,
          policyPath: policy.path,
        }
      : null;
  let controller: KioskController | null = null;
  /** One per visit: aborting it cancels every request of the customer being wiped. */
  let visitRequests = new AbortController();
  const onNotEnrolled = () => {
    if (blocked || !controller) return;
    blocked = {
      mode: 'blocked',
      reason: 'not_enrolled',
      code: 'kiosk_not_enrolled',
      message: KIOSK_MESSAGES.notEnrolled,
      policyPath: policy.mode === 'kiosk' ? policy.path : null,
    };
    log.error({}, 'kiosk: the account service refused the kiosk credential; kiosk blocked');
    emit('kiosk:state', { state: blocked, wiped: null });
    // Whatever the customer had open goes; the fresh window shows the blocked screen.
    const wiping = controller;
    void wiping.wipe('ended').then(() => wiping.dispose());
  };
  const state = (): KioskState => blocked ?? controller?.state() ?? { mode: 'normal' };

  return {
    apiClientOptions: kioskPolicy
      ? {
          kiosk: {
            credential: kioskPolicy.kioskCredential,
            visitId: () => controller?.visitId ?? null,
            signal: () => visitRequests.signal,
            onNotEnrolled,
          },
        }
      : {},

    connect({ session, recovery, settings, payments, defaultApi }) {
      const kioskApi = kioskPolicy ? (app.kiosk?.api ?? defaultApi()) : null;
      if (kioskPolicy && app.kiosk && kioskApi) {
        controller = new KioskController({
          policy: kioskPolicy,
          host: app.kiosk.host,
          signOut: async () => {
            recovery.cancel();
            await session.signOut();
            // The next customer starts from the kiosk's defaults, not this one's language or theme.
            settings.update({ language: 'system', theme: 'system' });
          },
          startVisit: async () => (await kioskApi.call('kiosk.startVisit')).visitId,
          endVisits: () => kioskApi.call('kiosk.endVisits'),
          abortInFlight: () => {
            visitRequests.abort();
            visitRequests = new AbortController();
          },
          clock,
          timers,
          // Once blocked (the credential was refused), the wipe's "welcome" must not undo it: the
          // fresh window is told the kiosk is blocked.
          emit: (event, payload) =>
            event === 'kiosk:state' && blocked
              ? emit('kiosk:state', { state: blocked, wiped: null })
              : emit(event, payload),
          log,

          ...(app.kiosk.verifyPin ? { verifyPin: app.kiosk.verifyPin } : {}),
          ...(app.kiosk.serverTimeoutMs !== undefined
            ? { serverTimeoutMs: app.kiosk.serverTimeoutMs }
            : {}),
        });
      }
      const built = controller;
      return {
        controller: built,
        handlers: kioskHandlers({
          state,
          kiosk:
            kioskPolicy && built && kioskApi && app.kiosk
              ? { policy: kioskPolicy, controller: built, host: app.kiosk.host, api: kioskApi }
              : null,
          session,
          payments,
          language: () => {
            const chosen = settings.get().language;
            return chosen === 'system' ? systemLanguage(app.appInfo) : chosen;
          },
          log,
        }),
        guard: (handlers) =>
          guarded(
            handlers,
            channelGuard({
              blocked: () => blocked,
              kiosk: kioskPolicy && built ? { policy: kioskPolicy, controller: built } : null,
            }),
          ),
        state,
        dispose: () => built?.dispose(),
      };
    },
  };
}
