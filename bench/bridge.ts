import {
  IPC_CHANNEL_NAMES,
  SignInInput,
  type AppInfo,
  type IpcChannel,
  type SessionInfo,
} from '../contract/ipc';
import { PhoneInput } from '../contract/phone';
import { createIpcRouter, senderCheck, type IpcHandlers } from '../main/ipc/router';
import { DEMO_SUBSCRIBERS } from '../server/src/demo/seed-demo';
import type { BenchContext } from './lib/context';
import { stats, type Stats } from './lib/desktop';
import { fixed, formatTable, integer } from './lib/table';

const ORIGIN = 'app://airtime';
const SENDER = `${ORIGIN}/index.html`;
const demo = DEMO_SUBSCRIBERS[0]!;
/** What the sign-in form sends: the number as typed, so the schema normalises it to E.164. */
const SIGN_IN = { phone: demo.display, password: demo.password, keepSignedIn: true };
const SESSION: SessionInfo = {
  subscriber: { id: 'demo-0100', phone: demo.phone, name: demo.name, email: demo.email },
  persisted: true,
};
const INFO: AppInfo = {
  version: '0.1.0',
  platform: 'linux',
  keychainAvailable: true,
  systemLanguage: 'en',
  systemTheme: 'light',
};

/** Every channel answers at once with a constant; only the router's own work is left to time. */
function trivialHandlers(): IpcHandlers {
  const handlers: Record<string, () => Promise<unknown>> = {};
  for (const channel of IPC_CHANNEL_NAMES) handlers[channel] = async () => null;
  handlers['auth:sign-in'] = async () => SESSION;
  handlers['app:info'] = async () => INFO;
  return handlers as unknown as IpcHandlers;
}

/**
 * Times `call` one invocation at a time with `process.hrtime.bigint()`: `warmup` calls thrown
 * away, then calls for `seconds` (at least `minCalls`, at most `maxCalls`). Returns microseconds
 * per call.
 */
async function sample(
  call: () => unknown,
  options: { warmup: number; seconds: number; minCalls: number; maxCalls: number },
): Promise<Stats> {
  for (let i = 0; i < options.warmup; i++) await call();
  const samples: number[] = [];
  const deadline = performance.now() + options.seconds * 1000;
  while (
    samples.length < options.maxCalls &&
    (performance.now() < deadline || samples.length < options.minCalls)
  ) {
    // Batches of 1,000 between clock checks keep performance.now() out of the timed loop.
    for (let i = 0; i < 1_000; i++) {
      const t0 = process.hrtime.bigint();
      await call();
      samples.push(Number(process.hrtime.bigint() - t0) / 1_000);
    }
  }
  return stats(samples);
}

/**
 * IPC bridge overhead in the main process: `createIpcRouter`'s dispatch (sender check, zod parse
 * of the input, the Result envelope) around handlers that do nothing, beside calling the handler
 * directly, for a small `auth:sign-in`-shaped input and for a channel without input.
 */
export async function bridgeBench(ctx: BenchContext, seconds = 2): Promise<void> {
  ctx.print(
    '\n## bridge: IPC router dispatch (sender check + zod parse + envelope) vs calling the handler\n',
  );
  const handlers = trivialHandlers();
  const router = createIpcRouter({ handlers, isTrustedSender: senderCheck(ORIGIN) });
  const isTrusted = senderCheck(ORIGIN);
  const parsedSignIn = SignInInput.parse(SIGN_IN);
  const context = { senderUrl: SENDER };

  const check = async (channel: IpcChannel, input: unknown) => {
    const result = await router.dispatch(channel, SENDER, input);
    if (!result.ok) throw new Error(`${channel} did not dispatch: ${result.error.message}`);
  };
  await check('auth:sign-in', SIGN_IN);
  await check('app:info', undefined);
  if (parsedSignIn.phone !== demo.phone)
    throw new Error('the sign-in schema did not normalise the number');

  const options = { warmup: 20_000, seconds, minCalls: 50_000, maxCalls: 1_000_000 };
  const cases: [string, () => unknown][] = [
    ['auth:sign-in: router.dispatch', () => router.dispatch('auth:sign-in', SENDER, SIGN_IN)],
    [
      'auth:sign-in: handler called directly',
      () => handlers['auth:sign-in'](parsedSignIn, context),
    ],
    ['  of which: SignInInput.safeParse', () => SignInInput.safeParse(SIGN_IN)],
    [
      '    of which: PhoneInput.safeParse (libphonenumber)',
      () => PhoneInput.safeParse(SIGN_IN.phone),
    ],
    ['app:info (no input): router.dispatch', () => router.dispatch('app:info', SENDER, undefined)],
    [
      'app:info (no input): handler called directly',
      () => handlers['app:info'](undefined, context),
    ],
    ['sender check alone (URL parse)', () => isTrusted(SENDER)],
  ];
  const results = new Map<string, Stats>();
  for (const [label, call] of cases) {
    ctx.progress(`${label.trim()}, ${seconds} s`);
    results.set(label, await sample(call, options));
  }

  const us = (n: number) => `${fixed(n, 2)}`;
  ctx.print(
    formatTable(
      ['case (µs per call)', 'median', 'p99', 'mean', 'calls'],
      cases.map(([label]) => {
        const s = results.get(label)!;
        return [label, us(s.p50), us(s.p99), us(s.mean), integer(s.n)];
      }),
    ),
  );
  const overhead = (dispatch: string, direct: string) => {
    const a = results.get(dispatch)!;
    const b = results.get(direct)!;
    return [us(a.p50 - b.p50), us(a.p99 - b.p99)];
  };
  ctx.print('');
  ctx.print(
    formatTable(
      ['router overhead (dispatch − direct), µs', 'median', 'p99'],
      [
        [
          'auth:sign-in (phone, password, keepSignedIn)',
          ...overhead('auth:sign-in: router.dispatch', 'auth:sign-in: handler called directly'),
        ],
        [
          'app:info (no input)',
          ...overhead(
            'app:info (no input): router.dispatch',
            'app:info (no input): handler called directly',
          ),
        ],
      ],
    ),
  );
  ctx.print(
    '\nEach call is awaited, so every figure includes one promise round trip; "directly" is that floor.\n' +
      "Electron's own IPC (structured clone, the hop between processes) is not part of these figures.",
  );
}
