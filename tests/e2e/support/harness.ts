import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from '@playwright/test';
import Conf from 'conf';
import { startServer, type RunningServer } from '../../../server/src/server';
import type { ServeConfig } from '../../../server/src/config';
import { SandboxProcessor } from '../../../server/src/billing/sandbox-processor';
import { runAutopay, type AutopayJobResult } from '../../../server/src/billing/autopay';
import { createAppCore, type AppCore } from '../../../main/app-core';
import { senderCheck } from '../../../main/ipc/router';
import { createRendererFileHandler } from '../../../main/protocol';
import {
  keytarVault,
  loadKeytar,
  usableVault,
  type CredentialVault,
} from '../../../main/services/vault';
import type { SettingsStore } from '../../../main/services/settings';
import type { PushEvent } from '../../../contract/ipc';
import {
  codeIn,
  startMailReceiver,
  startSmsReceiver,
  type MailReceiver,
  type SmsReceiver,
} from '../../integration/support/receivers';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RENDERER_DIR = path.join(root, 'out', 'renderer');
export const BRIDGE_BUNDLE = path.join(root, 'out', 'e2e', 'browser-bridge.js');
export const SCREENSHOTS = path.join(root, 'test-results', 'screenshots');

export interface ApiUnderTest extends RunningServer {
  dir: string;
  /** A real SMTP server on loopback that receives the API's e-mail (reset codes, notices). */
  mail: MailReceiver;
  /** A real HTTP endpoint on loopback standing in for the carrier's SMS gateway. */
  sms: SmsReceiver;
  /** Texts the API sent to a number (E.164), oldest first. */
  textsTo(phone: string): string[];
  /** Raw e-mails (headers and body) the API sent to an address, oldest first. */
  mailsTo(address: string): string[];
  /** The 6-digit code in the newest text to a number, or null. */
  lastTextedCode(phone: string): string | null;
  /** The 6-digit code in the newest e-mail to an address, or null. */
  lastMailedCode(address: string): string | null;
  /**
   * Runs the API's AutoPay job once, on this API's database and card processor, as if it were
   * the moment `at` (epoch ms): a test puts it in a renewal's charge window instead of waiting.
   */
  runAutopay(at: number): Promise<AutopayJobResult>;
}

/**
 * The real account API on loopback, on a private SQLite file seeded with the demo subscribers,
 * sending e-mail over SMTP and texts over HTTP to receivers the test can read.
 */
export async function startApi(): Promise<ApiUnderTest> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-e2e-api-'));
  const mail = await startMailReceiver();
  const sms = await startSmsReceiver();
  const config: ServeConfig = {
    db: path.join(dir, 'api.sqlite'),
    host: '127.0.0.1',
    port: 0,
    authRateLimit: 0,
    trustProxy: false,
    logLevel: 'silent',
    seedDemo: true,
    dev: false,
    tokenSecret: undefined,
    smtpUrl: mail.url,
    mailFrom: 'Airtime <no-reply@airtime.test>',
    smsUrl: sms.url,
    // Small, so the app's proof of work is quick in tests; the rules are the real ones.
    captchaMaxNumber: 5_000,
  };
  const server = await startServer(config, undefined, () => {});
  const textsTo = (phone: string) =>
    sms.requests
      .map((r) => r.body as { to?: string; text?: string })
      .filter((b) => b.to === phone)
      .map((b) => b.text ?? '');
  const mailsTo = (address: string) =>
    mail.messages.filter((m) => m.to.includes(address)).map((m) => m.raw);
  const lastCode = (texts: string[]) => {
    const last = texts.at(-1);
    return last === undefined ? null : codeIn(last);
  };
  return {
    ...server,
    dir,
    mail,
    sms,
    textsTo,
    mailsTo,
    lastTextedCode: (phone) => lastCode(textsTo(phone)),
    lastMailedCode: (address) => lastCode(mailsTo(address)),
    runAutopay: (at) => {
      const clock = { now: () => at };
      const { db, kind } = server.database;
      return runAutopay(db, new SandboxProcessor(db, clock), clock, { dialect: kind });
    },
    close: async () => {
      await server.close();
      await mail.close();
      await sms.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves the built renderer over HTTP with the very handler main uses for app://airtime. */
export async function startRendererServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const handle = createRendererFileHandler(RENDERER_DIR);
  const server = http.createServer(async (req, res) => {
    const response = await handle(
      new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        method: req.method,
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface DesktopOptions {
  apiUrl: string;
  rendererOrigin: string;
  /** Survives `restart()`: the settings folder and the keychain namespace of one "computer". */
  profile: DesktopProfile;
  systemLanguage?: string;
  systemTheme?: 'light' | 'dark';
  /** Where the save dialog puts files; by default the profile's own downloads folder. */
  downloadsDir?: string;
}

/** One computer: a settings folder and a keychain service name, both removed by `destroy()`. */
export class DesktopProfile {
  readonly settingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-e2e-profile-'));
  readonly keychainService = `Airtime-e2e-${randomBytes(4).toString('hex')}`;
  /** The "Downloads" folder the save dialog writes into; removed by `destroy()`. */
  readonly downloadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airtime-e2e-downloads-'));
  #vault: Promise<CredentialVault | null> | undefined;

  /**
   * The real OS keychain through keytar, or null where keytar is not installed or no Secret
   * Service answers.
   */
  vault(): Promise<CredentialVault | null> {
    this.#vault ??= loadKeytar().then((keytar) =>
      keytar ? usableVault(keytarVault(keytar, this.keychainService)) : null,
    );
    return this.#vault;
  }

  async keychainEntries(): Promise<{ account: string }[]> {
    const keytar = await loadKeytar();
    if (!keytar) return [];
    try {
      return (await keytar.findCredentials(this.keychainService)).map(({ account }) => ({
        account,
      }));
    } catch {
      return [];
    }
  }

  async destroy(): Promise<void> {
    const keytar = await loadKeytar();
    for (const { account } of await this.keychainEntries()) {
      await keytar?.deletePassword(this.keychainService, account).catch(() => false);
    }
    fs.rmSync(this.settingsDir, { recursive: true, force: true });
    fs.rmSync(this.downloadsDir, { recursive: true, force: true });
  }
}

/**
 * The desktop app without Electron: the real main-process core (settings on disk, keytar, API
 * client) in this process, and the built renderer in Chromium with the preload's own bridge
 * reaching the core through a Playwright binding.
 */
export class Desktop {
  readonly core: AppCore;
  readonly page: Page;
  /** The save dialog's answers: files land in `downloadsDir` unless `cancelSaves` is set. */
  readonly files: DesktopFiles;

  private constructor(core: AppCore, page: Page, files: DesktopFiles) {
    this.core = core;
    this.page = page;
    this.files = files;
  }

  static async launch(context: BrowserContext, options: DesktopOptions): Promise<Desktop> {
    const vault = await options.profile.vault();
    const pages = new Set<Page>();
    const files: DesktopFiles = {
      downloadsDir: options.downloadsDir ?? options.profile.downloadsDir,
      cancelSaves: false,
      saved: [],
      opened: [],
    };
    const core = createAppCore({
      settings: {
        file: path.join(options.profile.settingsDir, 'settings.json'),
        createStore: (defaults) =>
          new Conf({
            cwd: options.profile.settingsDir,
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
        systemTheme: () => options.systemTheme ?? 'light',
      },
      deviceName: () => 'Airtime e2e computer',
      openExternal: () => {},
      externalLinkAllowlist: [],
      // The OS save dialog, answered at once: the suggested name in the test's downloads folder.
      saveFile: async ({ defaultName, bytes }) => {
        if (files.cancelSaves) return { saved: false };
        const target = path.join(files.downloadsDir, defaultName);
        await fs.promises.writeFile(target, bytes);
        files.saved.push(target);
        return { saved: true, path: target };
      },
      openPath: async (filePath) => void files.opened.push(filePath),
      tempDir: () => path.join(options.profile.settingsDir, 'temp'),
      emit: (event: PushEvent, payload: unknown) => {
        for (const p of pages) {
          void p
            .evaluate(([e, v]) => window.__airtimeDeliver(e, v), [event, payload] as const)
            .catch(() => {});
        }
      },
      isTrustedSender: senderCheck(options.rendererOrigin),
    });
    // First-run settings point at the default address; this computer's API is the test's.
    core.settings.update({ apiBaseUrl: options.apiUrl });
    const page = await context.newPage();
    pages.add(page);
    page.on('close', () => pages.delete(page));
    await page.exposeBinding('__airtimeInvoke', ({ frame }, channel: string, input: unknown) =>
      core.router.dispatch(channel, frame.url(), input),
    );
    await page.addInitScript({ path: BRIDGE_BUNDLE });
    await page.goto(`${options.rendererOrigin}/index.html`);
    return new Desktop(core, page, files);
  }

  /** Quits the "app": the page closes and the main-process core is dropped (nothing signs out). */
  async quit(): Promise<void> {
    this.core.dispose();
    await this.page.close();
  }

  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }
}

/** What the desktop's file dialogs did, for a test to check and steer. */
export interface DesktopFiles {
  downloadsDir: string;
  /** Answer the next save dialogs with Cancel. */
  cancelSaves: boolean;
  /** Full paths written by the save dialog, oldest first. */
  saved: string[];
  /** Full paths handed to the OS to open, oldest first. */
  opened: string[];
}

declare global {
  interface Window {
    __airtimeDeliver(event: string, payload: unknown): void;
  }
}
