import { argon2id, argon2Verify } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { KioskPolicy } from '../../../contract/kiosk';
import { KioskController, staffPinWaitMs, type KioskHost } from '../../../main/services/kiosk';
import { ManualTime, memoryLog, recorder, settle } from './support/fakes';

const STAFF_PIN = '246810';
const VISIT_IDS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
/** A real argon2id hash (cheap parameters), checked by hash-wasm like the kiosk does. */
const PIN_HASH = await argon2id({
  password: STAFF_PIN,
  salt: new Uint8Array(16).fill(7),
  parallelism: 1,
  iterations: 1,
  memorySize: 1024,
  hashLength: 32,
  outputType: 'encoded',
});

function policy(overrides: object = {}) {
  return KioskPolicy.parse({
    kiosk: true,
    storeName: 'Main Street store',
    apiUrl: 'https://api.example.com',
    kioskCredential: `ak_abcdef123456.${'A'.repeat(43)}`,
    staffPinHash: PIN_HASH,
    idleWarningSeconds: 60,
    idleWipeSeconds: 90,
    ...overrides,
  });
}

function setup(
  options: {
    endVisits?: () => Promise<unknown>;
    startVisit?: () => Promise<string>;
    verifyPin?: (pin: string, hash: string) => Promise<boolean>;
  } = {},
) {
  const time = new ManualTime();
  const pushed = recorder();
  const log = memoryLog();
  const steps: string[] = [];
  const host: KioskHost = {
    openCustomerWindow: () => void steps.push('open'),
    destroyCustomerWindow: () => void steps.push('destroy'),
    showWelcome: () => void steps.push('welcome'),
    clearClipboard: () => void steps.push('clipboard'),
    quit: () => void steps.push('quit'),
    print: async () => void steps.push('print'),
  };
  const ids = [...VISIT_IDS];
  const kiosk = new KioskController({
    policy: policy(),
    host,
    signOut: async () => void steps.push('sign-out'),
    endVisits: options.endVisits ?? (async () => void steps.push('visits-end')),
    abortInFlight: () => void steps.push('abort'),
    clock: time,
    timers: time,
    emit: pushed.emit,
    log,
    startVisit: options.startVisit ?? (async () => ids.shift()!),
    ...(options.verifyPin ? { verifyPin: options.verifyPin } : {}),
  });
  const events = (name: string) =>
    pushed.events.filter((e) => e.event === name).map((e) => e.payload);
  return { time, pushed, log, steps, kiosk, events };
}

describe('KioskController visits', () => {
  it('starts at the welcome screen after ending whatever a restart left on the server', async () => {
    const { kiosk, steps, events } = setup();
    await kiosk.begin();
    expect(steps).toEqual(['abort', 'sign-out', 'visits-end', 'destroy', 'clipboard', 'welcome']);
    expect(events('kiosk:state')).toEqual([
      { state: expect.objectContaining({ mode: 'kiosk', phase: 'welcome' }), wiped: 'restarted' },
    ]);
    expect(kiosk.visitId).toBeNull();
  });

  it('gives every customer a new visit id', async () => {
    const { kiosk } = setup();
    await kiosk.begin();
    const state = await kiosk.start();
    expect(state).toMatchObject({ mode: 'kiosk', phase: 'customer', canPrintReceipts: false });
    expect(kiosk.visitId).toBe(VISIT_IDS[0]);
    await kiosk.wipe('ended');
    expect(kiosk.visitId).toBeNull();
    await kiosk.start();
    expect(kiosk.visitId).toBe(VISIT_IDS[1]);
  });

  it('starts one visit for a double tap', async () => {
    let issued = 0;
    const { kiosk } = setup({ startVisit: async () => VISIT_IDS[issued++]! });
    await kiosk.begin();
    const [first, second] = await Promise.all([kiosk.start(), kiosk.start()]);
    expect(issued).toBe(1);
    expect(first).toEqual(second);
    expect(kiosk.visitId).toBe(VISIT_IDS[0]);
  });

  it('stays on the welcome screen when the API cannot issue a visit', async () => {
    const offline = Object.assign(new Error('The account service cannot be reached.'), {
      code: 'network_unreachable',
    });
    const { kiosk, steps } = setup({ startVisit: () => Promise.reject(offline) });
    await kiosk.begin();
    steps.length = 0;
    await expect(kiosk.start()).rejects.toBe(offline);
    expect(kiosk.state()).toMatchObject({ phase: 'welcome' });
    expect(kiosk.visitId).toBeNull();
    // No customer window opened for a visit that never began.
    expect(steps).not.toContain('open');
  });

  it('signs out, ends the visits and cancels requests before the window goes; welcome after', async () => {
    const { kiosk, steps, events } = setup();
    await kiosk.start();
    steps.length = 0;
    await kiosk.wipe('ended');
    expect(steps).toEqual(['abort', 'sign-out', 'visits-end', 'destroy', 'clipboard', 'welcome']);
    expect(events('kiosk:state').at(-1)).toEqual({
      state: expect.objectContaining({ phase: 'welcome' }),
      wiped: 'ended',
    });
  });

  it('clears the screen even when the server does not answer, and ends the visits before the next customer', async () => {
    let attempts = 0;
    const { kiosk, steps, time, log } = setup({
      endVisits: () => {
        attempts += 1;
        return attempts === 1 ? new Promise(() => {}) : Promise.resolve({ revokedSessions: 1 });
      },
    });
    await kiosk.start();
    steps.length = 0;
    const wiped = kiosk.wipe('ended');
    await settle();
    await time.advance(5_000);
    await wiped;
    expect(steps).toEqual(['abort', 'sign-out', 'abort', 'destroy', 'clipboard', 'welcome']);
    expect(log.lines.some((l) => /will try again/.test(l.message ?? ''))).toBe(true);
    await kiosk.start();
    expect(attempts).toBe(2);
  });
});

describe('KioskController idle', () => {
  it('warns after idleWarningSeconds, counts down every second, and wipes at zero', async () => {
    const { kiosk, time, events, steps } = setup();
    await kiosk.start();
    steps.length = 0;
    await time.advance(59_000);
    expect(events('kiosk:idle-warning')).toEqual([]);
    await time.advance(1_000);
    expect(events('kiosk:idle-warning')).toEqual([{ secondsLeft: 30 }]);
    await time.advance(10_000);
    expect(events('kiosk:idle-warning').at(-1)).toEqual({ secondsLeft: 20 });
    expect(steps).toEqual([]);
    await time.advance(20_000);
    expect(events('kiosk:idle-warning').at(-1)).toEqual({ secondsLeft: 0 });
    expect(steps).toEqual(['abort', 'sign-out', 'visits-end', 'destroy', 'clipboard', 'welcome']);
    expect(events('kiosk:state').at(-1)).toMatchObject({ wiped: 'idle' });
    expect(kiosk.phase).toBe('welcome');
  });

  it('a touch during the countdown dismisses it and restarts the idle clock', async () => {
    const { kiosk, time, events, steps } = setup();
    await kiosk.start();
    steps.length = 0;
    await time.advance(65_000);
    kiosk.activity();
    expect(events('kiosk:idle-cleared')).toEqual([{}]);
    const warnings = events('kiosk:idle-warning').length;
    await time.advance(59_000);
    expect(events('kiosk:idle-warning').length).toBe(warnings);
    expect(steps).toEqual([]);
  });

  it('activity before the warning just restarts the clock, and nothing runs on the welcome screen', async () => {
    const { kiosk, time, events } = setup();
    await kiosk.begin();
    await time.advance(120_000);
    expect(events('kiosk:idle-warning')).toEqual([]);
    await kiosk.start();
    await time.advance(50_000);
    kiosk.activity();
    await time.advance(50_000);
    expect(events('kiosk:idle-warning')).toEqual([]);
    expect(events('kiosk:idle-cleared')).toEqual([]);
  });
});

describe('KioskController staff exit', () => {
  it('the right PIN wipes the customer session and quits', async () => {
    const { kiosk, steps, log } = setup();
    await kiosk.start();
    steps.length = 0;
    expect(await kiosk.staffExit(STAFF_PIN)).toEqual({ ok: true });
    expect(steps).toEqual(['abort', 'sign-out', 'visits-end', 'destroy', 'clipboard', 'quit']);
    expect(log.lines.some((l) => /staff PIN accepted/.test(l.message ?? ''))).toBe(true);
  });

  it('three wrong PINs are free, then waits of 30 s doubling to 15 minutes', async () => {
    const { kiosk, time, steps } = setup();
    expect(await kiosk.staffExit('1111')).toEqual({ ok: false, retryAfterSeconds: 0 });
    expect(await kiosk.staffExit('2222')).toEqual({ ok: false, retryAfterSeconds: 0 });
    expect(await kiosk.staffExit('3333')).toEqual({ ok: false, retryAfterSeconds: 30 });
    // While waiting, even the right PIN is not checked.
    expect(await kiosk.staffExit(STAFF_PIN)).toEqual({ ok: false, retryAfterSeconds: 30 });
    await time.advance(30_000);
    expect(await kiosk.staffExit('4444')).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(steps).not.toContain('quit');
    expect([3, 4, 5, 8, 9, 20].map(staffPinWaitMs)).toEqual([
      30_000, 60_000, 120_000, 900_000, 900_000, 900_000,
    ]);
    await time.advance(60_000);
    expect(await kiosk.staffExit(STAFF_PIN)).toEqual({ ok: true });
  });

  /** The real argon2 check, counting how often it runs. */
  function countedVerify() {
    const checked: string[] = [];
    const verifyPin = (pin: string, hash: string) => {
      checked.push(pin);
      return argon2Verify({ password: pin, hash });
    };
    return { checked, verifyPin };
  }

  it('40 attempts at once get 3 argon2 checks, and the right PIN past them is refused', async () => {
    const { checked, verifyPin } = countedVerify();
    const { kiosk, steps } = setup({ verifyPin });
    const pins = [...Array.from({ length: 39 }, (_, i) => String(100_000 + i)), STAFF_PIN];
    const answers = await Promise.all(pins.map((pin) => kiosk.staffExit(pin)));
    expect(checked).toEqual(pins.slice(0, 3));
    expect(answers.slice(0, 3)).toEqual([
      { ok: false, retryAfterSeconds: 0 },
      { ok: false, retryAfterSeconds: 0 },
      { ok: false, retryAfterSeconds: 30 },
    ]);
    expect(answers.slice(3)).toEqual(Array(37).fill({ ok: false, retryAfterSeconds: 30 }));
    expect(steps).not.toContain('quit');
  });

  it('after the wait, 40 attempts at once get one check, then wait twice as long', async () => {
    const { checked, verifyPin } = countedVerify();
    const { kiosk, time, steps } = setup({ verifyPin });
    await Promise.all(['1111', '2222', '3333'].map((pin) => kiosk.staffExit(pin)));
    await time.advance(30_000);
    checked.length = 0;
    const pins = ['4444', ...Array<string>(39).fill(STAFF_PIN)];
    const answers = await Promise.all(pins.map((pin) => kiosk.staffExit(pin)));
    expect(checked).toEqual(['4444']);
    expect(answers).toEqual(Array(40).fill({ ok: false, retryAfterSeconds: 60 }));
    expect(steps).not.toContain('quit');
  });

  it('a right PIN within the budget of a burst still leaves kiosk mode', async () => {
    const { checked, verifyPin } = countedVerify();
    const { kiosk, steps } = setup({ verifyPin });
    const pins = ['1111', STAFF_PIN, ...Array<string>(38).fill('2222')];
    const answers = await Promise.all(pins.map((pin) => kiosk.staffExit(pin)));
    expect(checked).toEqual(['1111', STAFF_PIN, '2222']);
    expect(answers[1]).toEqual({ ok: true });
    expect(steps).toContain('quit');
  });

  it('logs every attempt and never the PIN', async () => {
    const { kiosk, log } = setup();
    await kiosk.staffExit('13579');
    await kiosk.staffExit(STAFF_PIN);
    expect(log.lines.filter((l) => /staff PIN/.test(l.message ?? ''))).toHaveLength(2);
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain('13579');
    expect(text).not.toContain(STAFF_PIN);
  });

  it('the exit key combination asks the renderer for the PIN', async () => {
    const { kiosk, events } = setup();
    kiosk.staffPrompt();
    await settle();
    expect(events('kiosk:staff-prompt')).toEqual([{}]);
  });
});
