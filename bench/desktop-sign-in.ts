import type { Browser } from '@playwright/test';
import { verifyPassword } from '../server/src/auth/passwords';
import { DEMO_SUBSCRIBERS } from '../server/src/demo/seed-demo';
import {
  Desktop,
  DesktopProfile,
  startApi,
  startRendererServer,
} from '../tests/e2e/support/harness';
import type { BenchContext } from './lib/context';
import {
  NO_CHROMIUM,
  VIEWPORT,
  buildBridgeBundle,
  ensureRendererBuilt,
  haveChromium,
  launchChromium,
  reportIdleCpu,
  stats,
  type Stats,
} from './lib/desktop';
import { fixed, formatTable, integer, percent } from './lib/table';
import { timeCalls } from './lib/timing';
import type { RouteId } from '../contract/http/routes';

type AnyCall = (id: RouteId, ...args: unknown[]) => Promise<unknown>;

const demo = DEMO_SUBSCRIBERS[0]!;
/**
 * Time between the sign-in screen appearing and the click, as a person typing would leave. Right
 * after launch Chromium is still busy with the page (compiling the bundle, GC, idle work) and on
 * two cores that slows the API's argon2 in this process: clicking at once measured ~80–95 ms for
 * the HTTP sign-in instead of ~50 ms.
 */
const SETTLE_MS = 1_000;

/** Epoch milliseconds (`performance.timeOrigin + performance.now()`), so page and main line up. */
interface PageTiming {
  /** The Sign in button was clicked (capture listener). */
  click: number;
  /** The balance was first in the DOM with its text. */
  inDom: number;
  /** A task right after the next animation frame: the frame that shows the balance. */
  painted: number;
}

/** Epoch milliseconds in this process, on the same scale as {@link PageTiming}. */
const epochNow = () => performance.timeOrigin + performance.now();

interface RunTiming {
  domMs: number;
  paintedMs: number;
  /** From the click until main receives `auth:sign-in` (validation in the page, bridge hop). */
  toMainMs: number;
  /** `auth:sign-in` as main handles it: HTTP sign-in to the API, then the settings write. */
  signInMainMs: number;
  /** Of which the API's answer to `POST /v1/auth/sign-in` (argon2 included). */
  signInHttpMs: number;
  /** From main's answer to `auth:sign-in` until it receives `account:summary` (the page switches screens). */
  toSummaryMs: number;
  /** `account:summary` as main handles it: one authorised GET. */
  summaryMainMs: number;
  /** From main's answer to `account:summary` until the balance is in the DOM (bridge hop, rendering). */
  toDomMs: number;
}

declare global {
  interface Window {
    __benchSignIn?: Promise<PageTiming>;
  }
}

/** Installed in the page before the click: resolves once the dashboard shows the balance. */
function installProbe(): void {
  window.__benchSignIn = new Promise<PageTiming>((resolve) => {
    let click: number | undefined;
    document.addEventListener(
      'click',
      (event) => {
        if ((event.target as Element | null)?.closest('button[type="submit"]'))
          click ??= performance.timeOrigin + performance.now();
      },
      { capture: true },
    );
    const observer = new MutationObserver(() => {
      const balance = document.querySelector('[data-testid="balance"]');
      if (click === undefined || !balance?.textContent?.trim()) return;
      observer.disconnect();
      const inDom = performance.timeOrigin + performance.now();
      requestAnimationFrame(() =>
        setTimeout(() =>
          resolve({ click: click!, inDom, painted: performance.timeOrigin + performance.now() }),
        ),
      );
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

async function oneRun(
  browser: Browser,
  apiUrl: string,
  rendererOrigin: string,
): Promise<RunTiming> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const profile = new DesktopProfile();
  try {
    const desktop = await Desktop.launch(context, { apiUrl, rendererOrigin, profile });
    // First start and end of each channel in main, and of the HTTP sign-in inside auth:sign-in.
    const marks = new Map<string, { start: number; end: number }>();
    const mark = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const start = epochNow();
      try {
        return await work();
      } finally {
        if (!marks.has(name)) marks.set(name, { start, end: epochNow() });
      }
    };
    const router = desktop.core.router;
    const dispatch = router.dispatch.bind(router);
    router.dispatch = (channel, sender, input) =>
      mark(channel, () => dispatch(channel, sender, input));
    const api = desktop.core.api;
    const call = api.call;
    // Only the sign-in route is timed; every other call passes straight through.
    api.call = ((id: RouteId, ...args: unknown[]) =>
      id === 'auth.signIn'
        ? mark('http sign-in', () => (call as AnyCall)(id, ...args))
        : (call as AnyCall)(id, ...args)) as typeof call;
    const page = desktop.page;
    await page.getByLabel('Phone number', { exact: true }).fill(demo.display);
    await page.getByLabel('Password', { exact: true }).fill(demo.password);
    await page.waitForTimeout(SETTLE_MS);
    await page.evaluate(installProbe);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const t = await page.evaluate(() => window.__benchSignIn!);
    await desktop.quit();
    const signIn = marks.get('auth:sign-in');
    const http = marks.get('http sign-in');
    const summary = marks.get('account:summary');
    if (!signIn || !http || !summary)
      throw new Error('sign-in did not go through auth:sign-in and account:summary');
    return {
      domMs: t.inDom - t.click,
      paintedMs: t.painted - t.click,
      toMainMs: signIn.start - t.click,
      signInMainMs: signIn.end - signIn.start,
      signInHttpMs: http.end - http.start,
      toSummaryMs: summary.start - signIn.end,
      summaryMainMs: summary.end - summary.start,
      toDomMs: t.inDom - summary.end,
    };
  } finally {
    await context.close();
    await profile.destroy();
  }
}

/**
 * Sign-in to dashboard in the Chromium harness against the loopback API: from the click on
 * "Sign in" to the balance on screen, over `runs` fresh app launches (one more, first, is
 * thrown away), and argon2's part of it (`verifyPassword` alone, as the server bench times it).
 */
export async function desktopSignInBench(ctx: BenchContext, runs = 20): Promise<void> {
  ctx.print(
    `\n## desktop-sign-in: click "Sign in" → balance on the dashboard, Chromium harness, loopback API (click ${SETTLE_MS / 1000} s after the screen appears)\n`,
  );
  if (!haveChromium()) {
    ctx.print(NO_CHROMIUM);
    return;
  }
  ensureRendererBuilt((m) => ctx.progress(m));
  await buildBridgeBundle();
  await reportIdleCpu(ctx);
  const api = await startApi();
  const renderer = await startRendererServer();
  const timings: RunTiming[] = [];
  let hash: string;
  try {
    const browser = await launchChromium();
    try {
      for (let i = 0; i <= runs; i++) {
        ctx.progress(i === 0 ? 'warm-up launch (not counted)' : `launch ${i} of ${runs}`);
        const run = await oneRun(browser, api.url, renderer.origin);
        if (i > 0) timings.push(run);
      }
    } finally {
      await browser.close();
    }
    const row = await api.database.db
      .selectFrom('subscribers')
      .select('password_hash')
      .where('phone', '=', demo.phone)
      .executeTakeFirstOrThrow();
    hash = row.password_hash;
  } finally {
    await renderer.close();
    await api.close();
  }

  // With Chromium closed, as the server bench does: argon2 on its own, one call at a time.
  ctx.progress('argon2 verify alone, one at a time');
  const argon2 = await timeCalls(() => verifyPassword(hash, demo.password), {
    warmupCalls: 3,
    seconds: 3,
    minCalls: 20,
  });
  const of = (pick: (r: RunTiming) => number): Stats => stats(timings.map(pick));
  const painted = of((r) => r.paintedMs);
  const ms = (n: number) => fixed(n, 1);
  const line = (label: string, s: Stats) => [label, ms(s.p50), ms(s.p90), ms(s.min), ms(s.max)];
  ctx.print(
    formatTable(
      [`${runs} fresh launch${runs === 1 ? '' : 'es'} (ms)`, 'p50', 'p90', 'min', 'max'],
      [
        line('click → balance painted (next frame)', painted),
        line(
          'click → balance in the DOM',
          of((r) => r.domMs),
        ),
        line(
          '  1. click → auth:sign-in reaches main (page, bridge)',
          of((r) => r.toMainMs),
        ),
        line(
          '  2. auth:sign-in in main',
          of((r) => r.signInMainMs),
        ),
        line(
          '     of which POST /v1/auth/sign-in (argon2 included)',
          of((r) => r.signInHttpMs),
        ),
        line(
          '  3. answer → account:summary reaches main (screen switch)',
          of((r) => r.toSummaryMs),
        ),
        line(
          '  4. account:summary in main (one GET)',
          of((r) => r.summaryMainMs),
        ),
        line(
          '  5. answer → balance in the DOM (bridge, rendering)',
          of((r) => r.toDomMs),
        ),
      ],
    ),
  );
  ctx.print('');
  ctx.print(
    formatTable(
      ['argon2 in a desktop sign-in', 'figure'],
      [
        ['argon2id verify p50, one at a time (same process)', `${ms(argon2.p50Ms)} ms`],
        ['argon2id verify p99, one at a time', `${ms(argon2.p99Ms)} ms`],
        ['argon2 verify p50 / click → painted p50', percent(argon2.p50Ms / painted.p50)],
        [
          'argon2 verify p50 / POST /v1/auth/sign-in p50',
          percent(argon2.p50Ms / of((r) => r.signInHttpMs).p50),
        ],
        ['argon2 verify calls timed', integer(argon2.calls)],
        [
          "other processes' CPU while timing argon2",
          argon2.otherCpuPercent === null ? 'n/a' : percent(argon2.otherCpuPercent / 100),
        ],
      ],
    ),
  );
  ctx.print(
    "\nStages 1–5 are p50s of each stage on its own (they need not add up to the total's p50); stages that\n" +
      "cross between Chromium and this process are timed on both sides' epoch clocks. The API, the main-process\n" +
      "core and Playwright share this process; Chromium runs beside it. The harness's bridge is a Playwright\n" +
      'binding (CDP), not Electron IPC, so each bridge hop pays a little more here than in the app.',
  );
}
