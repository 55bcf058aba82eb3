/// <reference types="svelte" />
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { ApiError } from '../../../contract/errors';
import type { PushEvent, PushPayload, Result } from '../../../contract/ipc';
import type { KioskState } from '../../../contract/kiosk';
import {
  ACTIVITY_THROTTLE_MS,
  KioskController,
  ReceiptSender,
  idleAnnouncement,
  type IdleAnnouncement,
} from '../../../renderer/src/screens/kiosk/kiosk-state.svelte';
import { errorMessage } from '../../../renderer/src/lib/errors';
import { settled } from './support/bridge';

const welcome: KioskState = {
  mode: 'kiosk',
  storeName: 'Main Street store',
  features: ['statements', 'refill'],
  canPrintReceipts: true,
  idleWarningSeconds: 60,
  idleWipeSeconds: 90,
  phase: 'welcome',
};
const customer: KioskState = { ...welcome, phase: 'customer' };

type Listener = (payload: unknown) => void;
type KioskCalls = Record<string, (input?: unknown) => Promise<Result<unknown>>>;

/** A fake `window.airtime` whose push events the test delivers. */
function installKioskBridge(kiosk: KioskCalls) {
  const listeners = new Map<string, Set<Listener>>();
  vi.stubGlobal('window', {
    airtime: {
      kiosk,
      on: (event: string, listener: Listener) => {
        const set = listeners.get(event) ?? new Set();
        set.add(listener);
        listeners.set(event, set);
        return () => set.delete(listener);
      },
    },
  });
  return {
    push<E extends PushEvent>(event: E, payload: PushPayload<E>) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
  };
}

const ok = <T>(value: T): Promise<Result<T>> => Promise.resolve({ ok: true, value });
const fail = (error: ApiError): Promise<Result<never>> => Promise.resolve({ ok: false, error });

function controller() {
  const onWipe = vi.fn();
  const onVisit = vi.fn();
  const onState = vi.fn();
  const kiosk = new KioskController({ onWipe, onVisit, onState });
  return { kiosk, onWipe, onVisit, onState };
}

type Call = Mock<() => Promise<Result<null>>>;
let calls: { activity: Call; endSession: Call };
let bridge: ReturnType<typeof installKioskBridge>;

beforeEach(() => {
  calls = { activity: vi.fn(() => ok(null)), endSession: vi.fn(() => ok(null)) };
  bridge = installKioskBridge({
    state: () => ok(welcome),
    start: () => ok(customer),
    activity: calls.activity,
    endSession: calls.endSession,
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A controller that has loaded and started a visit. */
async function inVisit() {
  const made = controller();
  made.kiosk.connect();
  await made.kiosk.load();
  await made.kiosk.start();
  return made;
}

describe('kiosk state on start', () => {
  it('is a normal install when main says so, with every feature', async () => {
    bridge = installKioskBridge({ state: () => ok({ mode: 'normal' }) });
    const { kiosk, onVisit, onState } = controller();
    expect(await kiosk.load()).toEqual({ mode: 'normal' });
    expect(kiosk.kiosk).toBeNull();
    expect(kiosk.blocked).toBeNull();
    expect(kiosk.allows('plans')).toBe(true);
    expect(onState).toHaveBeenCalledWith({ mode: 'normal' });
    expect(onVisit).not.toHaveBeenCalled();
  });

  it('is a normal install when main cannot answer (main enforces a kiosk, not the page)', async () => {
    installKioskBridge({
      state: () => fail({ code: 'internal_error', message: 'no handler' }),
    });
    const { kiosk } = controller();
    expect(await kiosk.load()).toEqual({ mode: 'normal' });
  });

  it('shows the block when the policy is broken', async () => {
    const blocked: KioskState = {
      mode: 'blocked',
      reason: 'policy',
      code: 'policy_invalid',
      message: 'storeName is missing.',
      policyPath: '/etc/airtime/policy.json',
    };
    installKioskBridge({ state: () => ok(blocked) });
    const { kiosk, onVisit } = controller();
    await kiosk.load();
    expect(kiosk.blocked).toEqual(blocked);
    expect(kiosk.atWelcome).toBe(false);
    expect(onVisit).not.toHaveBeenCalled();
  });

  it('waits on the welcome screen, offering only the policy features', async () => {
    const { kiosk, onVisit } = controller();
    await kiosk.load();
    expect(kiosk.atWelcome).toBe(true);
    expect(kiosk.inVisit).toBe(false);
    expect(kiosk.allows('statements')).toBe(true);
    expect(kiosk.allows('plans')).toBe(false);
    expect(onVisit).not.toHaveBeenCalled();
  });
});

describe('a visit', () => {
  it('begins on "Tap to start" and starts the sign-in once', async () => {
    const { kiosk, onVisit } = await inVisit();
    expect(kiosk.inVisit).toBe(true);
    expect(onVisit).toHaveBeenCalledTimes(1);
    // Main also pushes the new state: it is the same visit, not a second one.
    bridge.push('kiosk:state', { state: customer, wiped: null });
    expect(onVisit).toHaveBeenCalledTimes(1);
  });

  it('shows why "Tap to start" failed, and stays on the welcome screen', async () => {
    installKioskBridge({
      state: () => ok(welcome),
      start: () => fail({ code: 'kiosk_not_enrolled', message: 'x' }),
    });
    const { kiosk, onVisit } = controller();
    await kiosk.load();
    await kiosk.start();
    expect(kiosk.atWelcome).toBe(true);
    expect(kiosk.startError?.code).toBe('kiosk_not_enrolled');
    expect(errorMessage(kiosk.startError!)).toEqual({ key: 'errors.kiosk_not_enrolled' });
    expect(onVisit).not.toHaveBeenCalled();
  });

  it('is wiped when main says so: app state reset, welcome with the idle note', async () => {
    const { kiosk, onWipe } = await inVisit();
    kiosk.chooseLanguage('es');
    bridge.push('kiosk:idle-warning', { secondsLeft: 30 });
    const before = kiosk.visit;

    bridge.push('kiosk:state', { state: welcome, wiped: 'idle' });

    expect(onWipe).toHaveBeenCalledTimes(1);
    expect(kiosk.atWelcome).toBe(true);
    expect(kiosk.wiped).toBe('idle');
    expect(kiosk.idleWarning).toBe(false);
    // The next customer starts in the kiosk's own language, on freshly made screens.
    expect(kiosk.language).toBeNull();
    expect(kiosk.visit).toBeGreaterThan(before);
  });

  it('forgets the idle note when the next customer starts', async () => {
    const { kiosk } = await inVisit();
    bridge.push('kiosk:state', { state: welcome, wiped: 'idle' });
    await kiosk.start();
    expect(kiosk.wiped).toBeNull();
  });

  it('is wiped on a return to welcome even without a reason', async () => {
    const { onWipe } = await inVisit();
    bridge.push('kiosk:state', { state: welcome, wiped: null });
    expect(onWipe).toHaveBeenCalledTimes(1);
  });

  it('ends on "End session", without waiting for main to push the wipe', async () => {
    const { kiosk, onWipe } = await inVisit();
    expect(await kiosk.endSession()).toEqual({ ok: true });
    expect(calls.endSession).toHaveBeenCalledTimes(1);
    expect(onWipe).toHaveBeenCalledTimes(1);
    expect(kiosk.atWelcome).toBe(true);
    expect(kiosk.wiped).toBe('ended');
  });

  it('keeps the customer in when "End session" fails, and says so', async () => {
    installKioskBridge({
      state: () => ok(welcome),
      start: () => ok(customer),
      endSession: () => fail({ code: 'network_unreachable', message: 'x' }),
    });
    const { kiosk, onWipe } = controller();
    await kiosk.load();
    await kiosk.start();
    const result = await kiosk.endSession();
    expect(result.ok).toBe(false);
    expect(kiosk.inVisit).toBe(true);
    expect(onWipe).not.toHaveBeenCalled();
  });
});

describe('"Still there?"', () => {
  it('shows on the warning with the seconds left and hides when main clears it', async () => {
    vi.useFakeTimers();
    const { kiosk } = await inVisit();
    bridge.push('kiosk:idle-warning', { secondsLeft: 30 });
    expect(kiosk.idleWarning).toBe(true);
    expect(kiosk.idleSecondsLeft).toBe(30);
    vi.advanceTimersByTime(4000);
    expect(kiosk.idleSecondsLeft).toBe(26);
    bridge.push('kiosk:idle-cleared', {});
    expect(kiosk.idleWarning).toBe(false);
  });

  it('is not shown on the welcome screen', async () => {
    const { kiosk } = controller();
    kiosk.connect();
    await kiosk.load();
    bridge.push('kiosk:idle-warning', { secondsLeft: 30 });
    expect(kiosk.idleWarning).toBe(false);
  });

  it('"I\'m still here" hides it and tells main at once, even right after another report', async () => {
    vi.useFakeTimers();
    const { kiosk } = await inVisit();
    kiosk.activity();
    expect(calls.activity).toHaveBeenCalledTimes(1);
    bridge.push('kiosk:idle-warning', { secondsLeft: 30 });
    kiosk.stillHere();
    expect(kiosk.idleWarning).toBe(false);
    expect(calls.activity).toHaveBeenCalledTimes(2);
  });

  it('speaks the countdown only at its scheduled points', async () => {
    vi.useFakeTimers();
    const { kiosk } = await inVisit();
    bridge.push('kiosk:idle-warning', { secondsLeft: 30 });
    const heard: IdleAnnouncement[] = [];
    let last = '';
    for (let t = 0; t <= 30; t++) {
      const now = kiosk.idleAnnouncement!;
      if (JSON.stringify(now) !== last) heard.push(now);
      last = JSON.stringify(now);
      vi.advanceTimersByTime(1000);
    }
    expect(heard).toEqual([
      { seconds: 30, politeness: 'polite' },
      { seconds: 20, politeness: 'polite' },
      { seconds: 10, politeness: 'assertive' },
      { seconds: 5, politeness: 'assertive' },
    ]);
  });
});

describe('the announcement schedule', () => {
  /** The announcements heard while the countdown runs from `from` to 0. */
  function schedule(from: number): string[] {
    const out: string[] = [];
    for (let s = from; s >= 0; s--) {
      const a = idleAnnouncement(from, s);
      const text = `${a.seconds} ${a.politeness}`;
      if (out.at(-1) !== text) out.push(text);
    }
    return out;
  }

  it('is polite every ten seconds and assertive at 10 and 5', () => {
    expect(schedule(60)).toEqual([
      '60 polite',
      '50 polite',
      '40 polite',
      '30 polite',
      '20 polite',
      '10 assertive',
      '5 assertive',
    ]);
  });

  it('starts with the seconds main gave, however uneven', () => {
    expect(schedule(25)).toEqual(['25 polite', '20 polite', '10 assertive', '5 assertive']);
    expect(schedule(20)).toEqual(['20 polite', '10 assertive', '5 assertive']);
  });

  it('is urgent from the start when little time is left', () => {
    expect(schedule(8)).toEqual(['8 assertive', '5 assertive']);
  });
});

describe('reporting activity', () => {
  it('tells main at most once every two seconds', async () => {
    vi.useFakeTimers();
    const { kiosk } = await inVisit();
    for (let i = 0; i < 10; i++) {
      kiosk.activity();
      vi.advanceTimersByTime(150);
    }
    expect(calls.activity).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(ACTIVITY_THROTTLE_MS);
    kiosk.activity();
    expect(calls.activity).toHaveBeenCalledTimes(2);
  });

  it('says nothing outside a visit', async () => {
    const { kiosk } = controller();
    await kiosk.load();
    kiosk.activity();
    kiosk.stillHere();
    expect(calls.activity).not.toHaveBeenCalled();
  });
});

describe('the staff prompt', () => {
  it("opens on main's push on a kiosk, and closes", async () => {
    const { kiosk } = controller();
    kiosk.connect();
    await kiosk.load();
    bridge.push('kiosk:staff-prompt', {});
    expect(kiosk.staffPromptOpen).toBe(true);
    kiosk.closeStaffPrompt();
    expect(kiosk.staffPromptOpen).toBe(false);
  });

  it('never opens in a normal install', async () => {
    bridge = installKioskBridge({ state: () => ok({ mode: 'normal' }) });
    const { kiosk } = controller();
    kiosk.connect();
    await kiosk.load();
    bridge.push('kiosk:staff-prompt', {});
    expect(kiosk.staffPromptOpen).toBe(false);
  });
});

describe('receipts', () => {
  it('e-mails a receipt and says where it went', async () => {
    const emailReceipt = vi.fn(() => ok({ sentTo: 'm•••@example.com' }));
    installKioskBridge({ emailReceipt });
    const sender = new ReceiptSender({ kind: 'payment', id: 'pay_1' });
    expect(await sender.email()).toEqual({ kind: 'emailed', sentTo: 'm•••@example.com' });
    expect(emailReceipt).toHaveBeenCalledWith({ kind: 'payment', id: 'pay_1' });
    expect(sender.busy).toBeNull();
  });

  it('says when the printer is not available', async () => {
    installKioskBridge({
      printReceipt: () => fail({ code: 'printer_unavailable', message: 'offline' }),
    });
    const sender = new ReceiptSender({ kind: 'plan-change', id: 'chg_1' });
    const outcome = await sender.print();
    expect(outcome?.kind).toBe('failed');
    if (outcome?.kind === 'failed') {
      expect(errorMessage(outcome.error)).toEqual({ key: 'errors.printer_unavailable' });
    }
  });

  it('ignores a second tap while the first is on its way', async () => {
    let answer: (value: Result<null>) => void = () => {};
    const printReceipt = vi.fn(() => new Promise<Result<null>>((resolve) => (answer = resolve)));
    installKioskBridge({ printReceipt });
    const sender = new ReceiptSender({ kind: 'payment', id: 'pay_1' });
    const first = sender.print();
    expect(await sender.print()).toBeNull();
    answer({ ok: true, value: null });
    expect(await first).toEqual({ kind: 'printed' });
    expect(printReceipt).toHaveBeenCalledTimes(1);
    await settled();
  });
});
