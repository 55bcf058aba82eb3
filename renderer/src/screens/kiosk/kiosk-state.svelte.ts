import { getContext, setContext } from 'svelte';
import type { ApiError } from '../../../../contract/errors';
import type { PushPayload } from '../../../../contract/ipc';
import type { KioskFeature, KioskState, ReceiptRef } from '../../../../contract/kiosk';
import type { Language } from '../../../../contract/settings';
import { airtime, settle } from '../../lib/airtime';
import { Countdown } from '../../lib/countdown.svelte';

/** Why a customer's session ended (contract/kiosk.ts `WipeReason`). */
export type WipeReason = NonNullable<PushPayload<'kiosk:state'>['wiped']>;
/** The kiosk as a store's policy sets it up. */
export type KioskMode = Extract<KioskState, { mode: 'kiosk' }>;
/** Why the app refuses to start (a broken policy file, or a kiosk not enrolled). */
export type KioskBlock = Extract<KioskState, { mode: 'blocked' }>;

/** At most one "the customer is here" report per this many milliseconds. */
export const ACTIVITY_THROTTLE_MS = 2000;

/** A "Still there?" announcement: how many seconds it says are left, and how urgently. */
export interface IdleAnnouncement {
  seconds: number;
  politeness: 'polite' | 'assertive';
}

/**
 * When "Still there?" speaks to a screen reader while it counts down: once as it opens, then
 * politely every ten seconds, and assertively at 10 and 5 seconds — never every second, which
 * would drown out whatever the customer is listening to. Answers the last point reached at
 * `remaining` seconds, so a live region showing it changes only at those points.
 */
export function idleAnnouncement(from: number, remaining: number): IdleAnnouncement {
  const points: IdleAnnouncement[] = [
    { seconds: from, politeness: from <= 10 ? 'assertive' : 'polite' },
  ];
  for (let s = Math.ceil(from / 10) * 10 - 10; s > 10; s -= 10) {
    points.push({ seconds: s, politeness: 'polite' });
  }
  for (const s of [10, 5]) {
    if (s < from) points.push({ seconds: s, politeness: 'assertive' });
  }
  let current = points[0]!;
  for (const point of points) {
    if (remaining <= point.seconds) current = point;
  }
  return current;
}

export interface KioskOptions {
  /** Main said what the kiosk is now (before any wipe or visit is acted on). */
  onState?: (state: KioskState) => void;
  /** A customer's session was wiped: forget everything of theirs in the app's state. */
  onWipe: () => void;
  /** A visit began: the normal start-up (sign-in) runs for the new customer. */
  onVisit: () => void;
  now?: () => number;
}

/**
 * The renderer's side of kiosk mode: what main says the kiosk is (normal, blocked, or a kiosk
 * on its welcome screen or with a customer), the "Still there?" countdown, the staff PIN prompt,
 * and the customer's activity reported to main at most every two seconds. Main owns the idle
 * clock and the wipe; this class follows its push events.
 */
export class KioskController {
  #state = $state.raw<KioskState | null>(null);
  #wiped = $state<WipeReason | null>(null);
  #visit = $state(0);
  #language = $state<Language | null>(null);
  #starting = $state(false);
  #startError = $state.raw<ApiError | null>(null);
  #ending = $state(false);
  #idleFrom = $state<number | null>(null);
  #idle = new Countdown();
  #staffPrompt = $state(false);
  #lastActivity = Number.NEGATIVE_INFINITY;
  readonly #options: KioskOptions;
  readonly #now: () => number;

  constructor(options: KioskOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
  }

  /** What main said; null until it has answered. */
  get state(): KioskState | null {
    return this.#state;
  }
  /** The kiosk's policy, when this is a kiosk. */
  get kiosk(): KioskMode | null {
    return this.#state?.mode === 'kiosk' ? this.#state : null;
  }
  get blocked(): KioskBlock | null {
    return this.#state?.mode === 'blocked' ? this.#state : null;
  }
  /** True while a customer is using the kiosk (after "Tap to start", until the wipe). */
  get inVisit(): boolean {
    return this.kiosk?.phase === 'customer';
  }
  /** True when the welcome screen shows. */
  get atWelcome(): boolean {
    return this.kiosk?.phase === 'welcome';
  }
  /** Counts visits, so every customer gets freshly made screens. */
  get visit(): number {
    return this.#visit;
  }
  /** Why the last visit ended, for the welcome screen to say (only until the next start). */
  get wiped(): WipeReason | null {
    return this.#wiped;
  }
  /** The language the customer chose on the welcome screen; null: the kiosk's own. */
  get language(): Language | null {
    return this.#language;
  }
  get starting(): boolean {
    return this.#starting;
  }
  get startError(): ApiError | null {
    return this.#startError;
  }
  get ending(): boolean {
    return this.#ending;
  }
  /** True while "Still there?" shows. */
  get idleWarning(): boolean {
    return this.#idleFrom !== null;
  }
  /** Seconds before the session is wiped, while "Still there?" shows. */
  get idleSecondsLeft(): number {
    return this.#idle.remaining;
  }
  /** What the screen reader is told about the countdown right now (see `idleAnnouncement`). */
  get idleAnnouncement(): IdleAnnouncement | null {
    return this.#idleFrom === null ? null : idleAnnouncement(this.#idleFrom, this.#idle.remaining);
  }
  get staffPromptOpen(): boolean {
    return this.#staffPrompt;
  }
  get canPrintReceipts(): boolean {
    return this.kiosk?.canPrintReceipts === true;
  }
  /** Whether the store's policy offers a feature; everything is offered outside kiosk mode. */
  allows(feature: KioskFeature): boolean {
    const kiosk = this.kiosk;
    return kiosk === null || kiosk.features.includes(feature);
  }

  /** Listens to main's kiosk events; returns the function that stops listening. */
  connect(): () => void {
    const api = airtime();
    const stops = [
      api.on('kiosk:state', ({ state, wiped }) => this.#apply(state, wiped)),
      api.on('kiosk:idle-warning', ({ secondsLeft }) => this.#warnIdle(secondsLeft)),
      api.on('kiosk:idle-cleared', () => this.#clearIdle()),
      api.on('kiosk:staff-prompt', () => {
        if (this.#state?.mode === 'kiosk') this.#staffPrompt = true;
      }),
    ];
    return () => {
      stops.forEach((stop) => stop());
      this.#idle.stop();
    };
  }

  /**
   * Asks main what this installation is. A main process that cannot answer is treated as a
   * normal install, as before kiosk mode existed: main, not the page, enforces a kiosk's rules.
   */
  async load(): Promise<KioskState> {
    const result = await settle(() => airtime().kiosk.state());
    const state: KioskState = result.ok ? result.value : { mode: 'normal' };
    this.#apply(state, null);
    return state;
  }

  /** "Tap to start": a new customer's visit. */
  async start(): Promise<void> {
    if (this.#starting || !this.atWelcome) return;
    this.#starting = true;
    this.#startError = null;
    const result = await settle(() => airtime().kiosk.start());
    this.#starting = false;
    if (result.ok) this.#apply(result.value, null);
    else this.#startError = result.error;
  }

  /** "End session": main signs out and wipes; the welcome screen follows. */
  async endSession(): Promise<Result> {
    if (this.#ending) return { ok: true };
    this.#ending = true;
    const result = await settle(() => airtime().kiosk.endSession());
    this.#ending = false;
    if (!result.ok) return { ok: false, error: result.error };
    // Main pushes the wipe too; doing it here as well means nothing waits on that push.
    const kiosk = this.kiosk;
    if (kiosk?.phase === 'customer') this.#apply({ ...kiosk, phase: 'welcome' }, 'ended');
    return { ok: true };
  }

  /** The customer touched or typed: tells main, at most once every two seconds. */
  activity(): void {
    if (!this.inVisit) return;
    const now = this.#now();
    if (now - this.#lastActivity < ACTIVITY_THROTTLE_MS) return;
    this.#report(now);
  }

  /** "I'm still here" (or any touch or key while it shows): answered at once, not throttled. */
  stillHere(): void {
    if (!this.inVisit) return;
    this.#clearIdle();
    this.#report(this.#now());
  }

  chooseLanguage(language: Language): void {
    this.#language = language;
  }

  closeStaffPrompt(): void {
    this.#staffPrompt = false;
  }

  #report(now: number): void {
    this.#lastActivity = now;
    void settle(() => airtime().kiosk.activity());
  }

  #apply(state: KioskState, wiped: WipeReason | null): void {
    const before = this.#state;
    const wasInVisit = before?.mode === 'kiosk' && before.phase === 'customer';
    this.#state = state;
    this.#options.onState?.(state);
    const inVisit = state.mode === 'kiosk' && state.phase === 'customer';
    // Back at welcome from a visit counts as a wipe even when main gave no reason.
    if (wiped !== null || (wasInVisit && !inVisit)) {
      this.#wipe(wiped);
      return;
    }
    if (inVisit && !wasInVisit) {
      this.#wiped = null;
      this.#startError = null;
      this.#visit += 1;
      this.#lastActivity = Number.NEGATIVE_INFINITY;
      this.#options.onVisit();
    }
  }

  #wipe(reason: WipeReason | null): void {
    this.#wiped = reason;
    this.#language = null;
    this.#startError = null;
    this.#clearIdle();
    this.#visit += 1;
    this.#options.onWipe();
  }

  #warnIdle(secondsLeft: number): void {
    if (!this.inVisit) return;
    // Main may repeat the warning; the announcement schedule counts from the first one.
    this.#idleFrom ??= secondsLeft;
    this.#idle.start(secondsLeft);
  }

  #clearIdle(): void {
    this.#idleFrom = null;
    this.#idle.reset();
  }
}

type Result = { ok: true } | { ok: false; error: ApiError };

/** What became of a receipt the customer asked for. */
export type ReceiptOutcome =
  { kind: 'printed' } | { kind: 'emailed'; sentTo: string } | { kind: 'failed'; error: ApiError };

/** "Print receipt" and "E-mail me a receipt" for one payment, refill or plan change. */
export class ReceiptSender {
  #busy = $state<'print' | 'email' | null>(null);
  #outcome = $state.raw<ReceiptOutcome | null>(null);
  readonly #ref: ReceiptRef;

  constructor(ref: ReceiptRef) {
    this.#ref = ref;
  }

  get busy(): 'print' | 'email' | null {
    return this.#busy;
  }
  get outcome(): ReceiptOutcome | null {
    return this.#outcome;
  }

  async print(): Promise<ReceiptOutcome | null> {
    if (this.#busy) return null;
    this.#busy = 'print';
    this.#outcome = null;
    const result = await settle(() => airtime().kiosk.printReceipt(this.#ref));
    this.#busy = null;
    this.#outcome = result.ok ? { kind: 'printed' } : { kind: 'failed', error: result.error };
    return this.#outcome;
  }

  async email(): Promise<ReceiptOutcome | null> {
    if (this.#busy) return null;
    this.#busy = 'email';
    this.#outcome = null;
    const result = await settle(() => airtime().kiosk.emailReceipt(this.#ref));
    this.#busy = null;
    this.#outcome = result.ok
      ? { kind: 'emailed', sentTo: result.value.sentTo }
      : { kind: 'failed', error: result.error };
    return this.#outcome;
  }
}

const KEY = Symbol('kiosk');

export function setKiosk(kiosk: KioskController): KioskController {
  return setContext(KEY, kiosk);
}

export function useKiosk(): KioskController {
  const kiosk = getContext<KioskController | undefined>(KEY);
  if (!kiosk) throw new Error('useKiosk() needs setKiosk() in an ancestor component.');
  return kiosk;
}
