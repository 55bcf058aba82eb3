/**
 * The desktop app in kiosk mode without Electron: the real main-process core (createAppCore with
 * a kiosk policy) in this process, and a `KioskHost` that does with Chromium what Electron does
 * with windows and partitions. Each customer's window is a brand-new Playwright BrowserContext
 * (in memory, like a partition without `persist:`), closed when the customer is wiped; the
 * welcome screen always comes up in a fresh one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import Conf from 'conf';
import { createAppCore, type AppCore, type AppCoreDeps } from '../../../main/app-core';
import { senderCheck } from '../../../main/ipc/router';
import type { Clock, TimerHandle, Timers } from '../../../main/services/clock';
import type { KioskHost } from '../../../main/services/kiosk';
import { createLogger } from '../../../main/services/logger';
import type { PolicyOutcome } from '../../../main/services/policy';
import type { SettingsStore } from '../../../main/services/settings';
import { keytarVault, loadKeytar, usableVault } from '../../../main/services/vault';
import type { PushEvent } from '../../../contract/ipc';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../playwright.config';
import { BRIDGE_BUNDLE, SCREENSHOTS } from './harness';

/** The window size of the store's touch screen in these tests. */
export const KIOSK_VIEWPORT = { width: 1200, height: 900 };

/**
 * Chromium as its own process, so the test can find its profile folder on disk (Playwright makes
 * a temporary `--user-data-dir` for a launched browser) and scan it for what a customer left.
 */
export interface KioskBrowser {
  browser: Browser;
  /** Chromium's `--user-data-dir`: every file the browser wrote for these contexts is in here. */
  profileDir: string;
  close(): Promise<void>;
}

export async function launchKioskBrowser(): Promise<KioskBrowser> {
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const pid = server.process().pid;
  if (pid === undefined) throw new Error('Chromium started without a process id');
  // Chromium rewrites its argv in place: the NUL-separated list may come back as one line.
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  const match = /--user-data-dir=(\S+)/.exec(cmdline);
  if (!match) throw new Error(`Chromium was started without --user-data-dir: ${cmdline}`);
  const profileDir = match[1]!;
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    profileDir,
    close: async () => {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/**
 * A clock that runs in real time (so tokens and the API agree on the time) and timers that fire
 * only when the test moves time on: `advance(ms)` jumps the clock and fires, in order, every
 * timer that has come due, including those the fired ones set. The idle countdown then depends
 * on what the test does, never on how slow the machine is, and takes no real seconds.
 */
export class ManualTime implements Clock, Timers {
  #offset = 0;
  #nextId = 1;
  readonly #pending = new Map<number, { due: number; run: () => void }>();

  now(): number {
    return Date.now() + this.#offset;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#pending.set(id, { due: this.now() + Math.max(0, delayMs), run: callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing what came due on the way. */
  advance(ms: number): void {
    const target = this.now() + ms;
    for (;;) {
      const next = [...this.#pending.entries()]
        .filter(([, t]) => t.due <= target)
        .sort(([, a], [, b]) => a.due - b.due)[0];
      if (!next) break;
      const [id, timer] = next;
      this.#pending.delete(id);
      this.#offset += Math.max(0, timer.due - this.now());
      timer.run();
    }
    this.#offset += Math.max(0, target - this.now());
  }
}

/** One kiosk machine: the app's data folder and a keychain service only this test uses. */
export class KioskMachine {
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-e2e-kiosk-data-'));
  readonly keychainService = `Airtime-e2e-kiosk-${randomBytes(4).toString('hex')}`;

  async keychainEntries(): Promise<string[]> {
    const keytar = await loadKeytar();
    if (!keytar) return [];
    try {
      return (await keytar.findCredentials(this.keychainService)).map(({ account }) => account);
    } catch {
      return [];
    }
  }

  async destroy(): Promise<void> {
    const keytar = await loadKeytar();
    for (const account of await this.keychainEntries()) {
      await keytar?.deletePassword(this.keychainService, account).catch(() => false);
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface KioskDesktopOptions {
  browser: Browser;
  rendererOrigin: string;
  machine: KioskMachine;
  /** What `loadPolicy` made of the policy file: `kiosk`, or `blocked` for a broken one. */
  policy: PolicyOutcome;
  time?: ManualTime;
  systemLanguage?: string;
  /** Options for the core's API client (the tests add an axios instance that notes tokens). */
  apiOptions?: AppCoreDeps['apiOptions'];
}

/** One customer window: its browser context (the partition) and page. */
export interface KioskWindow {
  context: BrowserContext;
  page: Page;
}

/**
 * The kiosk app: the core in kiosk mode, and the windows its host opened. `page` is always the
 * window on screen; `windows` lists every window ever opened, oldest first, so a test can check
 * that each customer's went away.
 */
export class KioskDesktop {
  readonly core: AppCore;
  readonly windows: KioskWindow[] = [];
  /** How often the host cleared the clipboard (once per wipe). */
  clipboardClears = 0;
  quitRequested = false;
  readonly printed: { html: string; deviceName: string }[] = [];
  /** Every push event main sent, oldest first: what the page was told, and when. */
  readonly pushed: PushEvent[] = [];
  readonly #options: KioskDesktopOptions;
  #current: KioskWindow | null = null;
  #opening: Promise<void> = Promise.resolve();

  private constructor(options: KioskDesktopOptions, core: AppCore) {
    this.#options = options;
    this.core = core;
  }

  /** The window on screen. */
  get page(): Page {
    if (!this.#current) throw new Error('No kiosk window is open');
    return this.#current.page;
  }

  /** The window on screen, or null between a wipe's close and the next welcome window. */
  currentPage(): Page | null {
    return this.#current?.page ?? null;
  }

  get context(): BrowserContext {
    if (!this.#current) throw new Error('No kiosk window is open');
    return this.#current.context;
  }

  static async launch(options: KioskDesktopOptions): Promise<KioskDesktop> {
    const { machine } = options;
    // The host and the core need each other: the host's calls reach the desktop built below.
    const built: { desktop?: KioskDesktop } = {};
    const host: KioskHost = {
      // As in Electron: the welcome window is already a fresh partition; it becomes the customer's.
      openCustomerWindow: () => {},
      destroyCustomerWindow: async () => {
        const window = built.desktop!.#current;
        built.desktop!.#current = null;
        await window?.context.close();
      },
      showWelcome: () => built.desktop!.#openWindow(),
      clearClipboard: () => {
        built.desktop!.clipboardClears += 1;
      },
      quit: () => {
        built.desktop!.quitRequested = true;
      },
      print: async (html, deviceName) => {
        built.desktop!.printed.push({ html, deviceName });
      },
    };
    const keytar = await loadKeytar();
    const vault = keytar ? await usableVault(keytarVault(keytar, machine.keychainService)) : null;
    const core = createAppCore({
      // What main/index.ts passes; in kiosk mode the core must not use any of it.
      settings: {
        file: path.join(machine.dataDir, 'settings.json'),
        createStore: (defaults) =>
          new Conf({
            cwd: machine.dataDir,
            configName: 'settings',
            defaults,
            projectName: 'airtime',
          }) as unknown as SettingsStore,
      },
      vault,
      appInfo: {
        version: '0.1.0',
        platform: process.platform,
        systemLanguage: options.systemLanguage ?? 'en-US',
        systemTheme: () => 'light',
      },
      deviceName: () => 'Airtime e2e kiosk',
      openExternal: () => {},
      externalLinkAllowlist: [],
      saveFile: async ({ defaultName, bytes }) => {
        const target = path.join(machine.dataDir, 'downloads', defaultName);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        await fs.promises.writeFile(target, bytes);
        return { saved: true, path: target };
      },
      openPath: async () => {},
      tempDir: () => path.join(machine.dataDir, 'temp'),
      // The real log file, in the app's data folder: it is scanned like everything else there.
      logger: createLogger({ directory: path.join(machine.dataDir, 'logs') }),
      emit: (event: PushEvent, payload: unknown) => {
        built.desktop?.pushed.push(event);
        const page = built.desktop?.currentPage();
        if (!page || page.isClosed()) return;
        void page
          .evaluate(([e, v]) => window.__airtimeDeliver(e, v), [event, payload] as const)
          .catch(() => {});
      },
      isTrustedSender: senderCheck(options.rendererOrigin),
      policy: options.policy,
      kiosk: { host },
      ...(options.time ? { clock: options.time, timers: options.time } : {}),
      ...(options.apiOptions ? { apiOptions: options.apiOptions } : {}),
    });
    const desktop = new KioskDesktop(options, core);
    built.desktop = desktop;
    if (core.kiosk) {
      // What main/index.ts does at launch: end whatever a crash left, then the welcome window.
      await core.kiosk.begin();
    } else {
      await desktop.#openWindow();
    }
    return desktop;
  }

  /** A fresh context and page with the renderer, as Electron's fresh partition and window. */
  #openWindow(): Promise<void> {
    this.#opening = this.#opening.then(async () => {
      const context = await this.#options.browser.newContext({ viewport: KIOSK_VIEWPORT });
      const page = await context.newPage();
      await page.exposeBinding('__airtimeInvoke', ({ frame }, channel: string, input: unknown) =>
        this.core.router.dispatch(channel, frame.url(), input),
      );
      await page.addInitScript({ path: BRIDGE_BUNDLE });
      const window = { context, page };
      this.windows.push(window);
      this.#current = window;
      // A new Electron window's first page is the first entry of its history. A Playwright page
      // starts on about:blank, and goto() would add a second entry; replacing it keeps one.
      const url = `${this.#options.rendererOrigin}/index.html`;
      const loaded = page.waitForURL(url);
      await page.evaluate((target) => location.replace(target), url).catch(() => {});
      await loaded;
    });
    return this.#opening;
  }

  /**
   * Resolves once the host has opened its `count`-th window (and that window has loaded). A wipe
   * ends the visit at the API and clears the partition first, which on a machine busy with other
   * suites can take a while, so this waits patiently; a wipe that never happens still fails.
   */
  async waitForWindow(count: number): Promise<Page> {
    const deadline = Date.now() + 45_000;
    while (this.windows.length < count) {
      if (Date.now() > deadline) throw new Error(`The kiosk never opened window ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.#opening;
    return this.page;
  }

  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** Quits the "app": the core stops and every window closes (nothing signs out). */
  async quit(): Promise<void> {
    this.core.dispose();
    await this.#opening.catch(() => {});
    for (const { context } of this.windows) await context.close().catch(() => {});
  }
}
