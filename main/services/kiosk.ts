import { argon2Verify } from 'hash-wasm';
import type { z } from 'zod';
import type { KioskPolicy, KioskState, WipeReason } from '../../contract/kiosk';
import type { PushEmitter } from './session';
import type { Clock, TimerHandle, Timers } from './clock';
import type { Log } from './logger';

export type Wipe = z.infer<typeof WipeReason>;

/**
 * What only Electron can do for the kiosk. Every call may be slow or fail; the controller logs a
 * failure and carries on, so one broken step never leaves a customer's session on screen.
 */
export interface KioskHost {
  /**
   * A customer tapped "start". In Electron the welcome window already runs in a fresh, unused
   * in-memory partition, so it simply becomes the customer's.
   */
  openCustomerWindow(): Promise<void> | void;
  /** Destroys the customer's window and its in-memory partition (storage and cache cleared first). */
  destroyCustomerWindow(): Promise<void> | void;
  /** A fresh window, in a fresh in-memory partition, showing the welcome screen. */
  showWelcome(): Promise<void> | void;
  clearClipboard(): void;
  /** Leaves kiosk mode: the app quits. */
  quit(): void;
  /** Prints `html` without a dialog on the printer named `deviceName`; rejects when it did not print. */
  print(html: string, deviceName: string): Promise<void>;
}

export interface KioskControllerDeps {
  policy: KioskPolicy;
  host: KioskHost;
  /** Signs the customer out: forgets the session and revokes its refresh token on the server. */
  signOut(): Promise<void>;
  /** `POST /v1/kiosk/visits/end`: revokes every session opened from this kiosk. */
  endVisits(): Promise<unknown>;
  /** Cancels every request still in flight for the visit (the next ones get a fresh signal). */
  abortInFlight(): void;
  clock: Clock;
  timers: Timers;
  emit: PushEmitter;
  log: Log;
  /**
   * `POST /v1/kiosk/visits`: the new customer's visit id. The API issues it (and refuses ids it
   * did not issue), so a customer's per-visit budgets cannot be renewed by making one up.
   */
  startVisit(): Promise<string>;
  /** Checks a PIN against the policy's argon2 PHC hash. Default: hash-wasm's argon2Verify. */
  verifyPin?: (pin: string, hash: string) => Promise<boolean>;
  /** How long a wipe waits for the server before clearing the screen anyway. Default 5 s. */
  serverTimeoutMs?: number;
}

/** Wrong staff PINs allowed before the waits start; then 30 s, doubling up to 15 minutes. */
export const STAFF_PIN_FREE_TRIES = 3;
export const STAFF_PIN_FIRST_WAIT_MS = 30_000;
export const STAFF_PIN_MAX_WAIT_MS = 15 * 60_000;

/** The wait after the `failures`-th wrong PIN in a row (0 while tries are free). */
export function staffPinWaitMs(failures: number): number {
  if (failures < STAFF_PIN_FREE_TRIES) return 0;
  return Math.min(
    STAFF_PIN_FIRST_WAIT_MS * 2 ** (failures - STAFF_PIN_FREE_TRIES),
    STAFF_PIN_MAX_WAIT_MS,
  );
}

const defaultVerifyPin = (pin: string, hash: string) => argon2Verify({ password: pin, hash });

/** Settles after `ms` on the injected timers, resolving `false` (for races against work). */
function after(timers: Timers, ms: number): { done: Promise<false>; cancel(): void } {
  let handle: TimerHandle | null = null;
  const done = new Promise<false>((resolve) => {
    handle = timers.setTimeout(() => resolve(false), ms);
  });
  return { done, cancel: () => handle !== null && timers.clearTimeout(handle) };
}

/**
 * The store kiosk: the welcome screen, one customer at a time, the idle countdown and the wipe
 * that leaves nothing of a customer behind, and the staff PIN that leaves kiosk mode. Plain
 * TypeScript: Electron's part is the {@link KioskHost}.
 *
 * A wipe (End session, idle, sign-out, a crash, a restart) goes: cancel the visit's requests,
 * sign out (revoking the refresh token), end the kiosk's visits on the server, then destroy the
 * window and its partition, clear the clipboard, and show the welcome screen in a fresh window.
 * The server calls come first so a crash half-way still leaves no live session; they are bounded
 * by a timeout so a network outage never keeps a customer's account on screen.
 *
 * The clipboard is cleared on every wipe. The renderer's "Copy" buttons write through
 * `navigator.clipboard`, which main cannot observe, and on a kiosk nothing but Airtime has any
 * business in the clipboard, so clearing it always is the only choice that never leaves a
 * customer's recovery code behind.
 */
export class KioskController {
  readonly #deps: KioskControllerDeps;
  readonly #verifyPin: (pin: string, hash: string) => Promise<boolean>;
  #phase: 'welcome' | 'customer' = 'welcome';
  #visitId: string | null = null;
  /** A start under way: a second tap waits for it instead of starting another visit. */
  #starting: Promise<KioskState> | null = null;
  #idleTimer: TimerHandle | null = null;
  /** Epoch ms (injected clock) at which the countdown reaches zero, while it runs. */
  #wipeAt: number | null = null;
  #wiping: Promise<void> | null = null;
  /** A visits/end that failed: retried before the next customer may start. */
  #visitsEndPending = false;
  #pinFailures = 0;
  #pinLockedUntil = 0;
  #stopped = false;

  constructor(deps: KioskControllerDeps) {
    this.#deps = deps;
    this.#verifyPin = deps.verifyPin ?? defaultVerifyPin;
  }

  get phase(): 'welcome' | 'customer' {
    return this.#phase;
  }

  /** The current customer's visit id (sent as `airtime-kiosk-visit`); `null` on the welcome screen. */
  get visitId(): string | null {
    return this.#visitId;
  }

  state(): Extract<KioskState, { mode: 'kiosk' }> {
    const { policy } = this.#deps;
    return {
      mode: 'kiosk',
      storeName: policy.storeName,
      features: [...policy.features],
      canPrintReceipts: policy.receiptPrinter !== null,
      idleWarningSeconds: policy.idleWarningSeconds,
      idleWipeSeconds: policy.idleWipeSeconds,
      phase: this.#phase,
    };
  }

  /**
   * At launch: whatever a crash or a restart left behind is ended on the server, and the welcome
   * screen comes up in a fresh window.
   */
  begin(): Promise<void> {
    return this.wipe('restarted');
  }

  /**
   * "Tap to start": a new visit from the API, the idle clock running. Idempotent while a visit is
   * open or starting (a double tap starts one visit). Rejects, leaving the welcome screen, when
   * the API cannot issue a visit.
   */
  start(): Promise<KioskState> {
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #start(): Promise<KioskState> {
    if (this.#wiping) await this.#wiping;
    if (this.#phase === 'customer') return this.state();
    if (this.#visitsEndPending) await this.#endVisitsBounded();
    this.#visitId = await this.#deps.startVisit();
    this.#phase = 'customer';
    this.#deps.log.info({}, 'kiosk: a customer visit started');
    await this.#step('open the customer window', () => this.#deps.host.openCustomerWindow());
    this.#armIdle();
    const state = this.state();
    this.#deps.emit('kiosk:state', { state, wiped: null });
    return state;
  }

  /** The customer touched or typed: the idle clock starts over, and "Still there?" goes away. */
  activity(): void {
    if (this.#phase !== 'customer' || this.#wiping || this.#stopped) return;
    const warned = this.#wipeAt !== null;
    this.#armIdle();
    if (warned) this.#deps.emit('kiosk:idle-cleared', {});
  }

  /** Staff pressed the exit key combination: the renderer asks for the PIN. */
  staffPrompt(): void {
    if (this.#stopped) return;
    this.#deps.log.info({}, 'kiosk: staff exit requested');
    this.#deps.emit('kiosk:staff-prompt', {});
  }

  /**
   * Wipes the customer's session (see the class comment). Concurrent calls share one wipe. Never
   * rejects: every step's failure is logged and the rest still run.
   */
  wipe(reason: Wipe): Promise<void> {
    this.#wiping ??= this.#wipe(reason).finally(() => {
      this.#wiping = null;
    });
    return this.#wiping;
  }

  async #wipe(reason: Wipe): Promise<void> {
    const { host, log } = this.#deps;
    this.#cancelIdle();
    log.info({ reason }, 'kiosk: wiping the customer session');
    // The customer's requests end now, so no late answer lands after the wipe.
    await this.#step('cancel requests in flight', () => this.#deps.abortInFlight());
    await this.#serverCleanup();
    await this.#step('destroy the customer window', () => host.destroyCustomerWindow());
    await this.#step('clear the clipboard', () => host.clearClipboard());
    this.#visitId = null;
    this.#phase = 'welcome';
    if (this.#stopped) return;
    await this.#step('show the welcome screen', () => host.showWelcome());
    this.#deps.emit('kiosk:state', { state: this.state(), wiped: reason });
  }

  /** Sign-out and visits/end, bounded: offline, the screen is cleared anyway. */
  async #serverCleanup(): Promise<void> {
    const { log } = this.#deps;
    const signOut = this.#step('sign out', () => this.#deps.signOut()).then(() => true);
    const timer = after(this.#deps.timers, this.#deps.serverTimeoutMs ?? 5_000);
    const signedOut = await Promise.race([signOut, timer.done]);
    timer.cancel();
    if (!signedOut) log.warn({}, 'kiosk: signing out took too long; continuing the wipe');
    await this.#endVisitsBounded();
  }

  async #endVisitsBounded(): Promise<void> {
    const { log } = this.#deps;
    const ended = this.#deps.endVisits().then(
      () => true,
      (error: unknown) => {
        log.warn({ err: error }, 'kiosk: could not end the visits on the server');
        return false;
      },
    );
    const timer = after(this.#deps.timers, this.#deps.serverTimeoutMs ?? 5_000);
    const ok = await Promise.race([ended, timer.done]);
    timer.cancel();
    this.#visitsEndPending = !ok;
    if (!ok) {
      // A late visits/end must not land after the next customer signed in: it would end them too.
      await this.#step('cancel the late visits/end', () => this.#deps.abortInFlight());
      log.warn({}, 'kiosk: visits not ended on the server; will try again before the next visit');
    }
  }

  /**
   * Checks the staff PIN. Three wrong PINs are free; then each wrong one makes the next wait
   * (30 s, doubling to 15 minutes). Every attempt is logged, never the PIN. The right PIN wipes
   * any customer session and quits.
   *
   * The attempt is counted as wrong before the slow argon2 check starts, in the same synchronous
   * step as the check of the wait: attempts sent all at once (a scripted page can send dozens)
   * each see the ones before them counted, so no more are checked than the budget allows, and
   * the right PIN among those past the budget is refused like any other. The right PIN then
   * clears the count.
   */
  async staffExit(pin: string): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const { log } = this.#deps;
    const attempt = this.#reservePinAttempt();
    if (!attempt.admitted) {
      log.warn(
        { retryAfterSeconds: attempt.retryAfterSeconds },
        'kiosk: staff PIN attempt refused while waiting',
      );
      return { ok: false, retryAfterSeconds: attempt.retryAfterSeconds };
    }
    let right = false;
    try {
      right = await this.#verifyPin(pin, this.#deps.policy.staffPinHash);
    } catch (error) {
      log.error({ err: error }, 'kiosk: the staff PIN could not be checked against the policy');
    }
    if (!right) {
      log.warn(
        { failures: attempt.failures, retryAfterSeconds: attempt.retryAfterSeconds },
        'kiosk: wrong staff PIN',
      );
      return { ok: false, retryAfterSeconds: attempt.retryAfterSeconds };
    }
    this.#pinFailures = 0;
    this.#pinLockedUntil = 0;
    log.info({}, 'kiosk: staff PIN accepted; leaving kiosk mode');
    this.#stopped = true;
    await this.wipe('ended');
    this.#deps.host.quit();
    return { ok: true };
  }

  /**
   * Decides, without awaiting anything, whether a PIN may be checked now, and if so counts it as
   * a wrong one (and starts the wait that follows) until the check says otherwise.
   */
  #reservePinAttempt():
    | { admitted: false; retryAfterSeconds: number }
    | { admitted: true; failures: number; retryAfterSeconds: number } {
    const now = this.#deps.clock.now();
    const waitMs = this.#pinLockedUntil - now;
    if (waitMs > 0) return { admitted: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
    this.#pinFailures += 1;
    const wait = staffPinWaitMs(this.#pinFailures);
    this.#pinLockedUntil = now + wait;
    return {
      admitted: true,
      failures: this.#pinFailures,
      retryAfterSeconds: Math.ceil(wait / 1000),
    };
  }

  /** Stops the idle clock (app quit, or the kiosk was blocked). Does not wipe. */
  dispose(): void {
    this.#stopped = true;
    this.#cancelIdle();
  }

  #armIdle(): void {
    this.#cancelIdle();
    if (this.#stopped) return;
    const { policy, timers } = this.#deps;
    this.#idleTimer = timers.setTimeout(() => {
      this.#idleTimer = null;
      this.#wipeAt =
        this.#deps.clock.now() + (policy.idleWipeSeconds - policy.idleWarningSeconds) * 1000;
      this.#tick();
    }, policy.idleWarningSeconds * 1000);
  }

  /** One second of "Still there?": tells the renderer how long is left, and wipes at zero. */
  #tick(): void {
    if (this.#wipeAt === null) return;
    const secondsLeft = Math.max(0, Math.ceil((this.#wipeAt - this.#deps.clock.now()) / 1000));
    this.#deps.emit('kiosk:idle-warning', { secondsLeft });
    if (secondsLeft === 0) {
      void this.wipe('idle');
      return;
    }
    this.#idleTimer = this.#deps.timers.setTimeout(() => {
      this.#idleTimer = null;
      this.#tick();
    }, 1000);
  }

  #cancelIdle(): void {
    if (this.#idleTimer !== null) this.#deps.timers.clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#wipeAt = null;
  }

  async #step(what: string, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#deps.log.error({ err: error }, `kiosk: could not ${what}`);
    }
  }
}
