import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import type { Browser, BrowserContext } from '@playwright/test';
import { build, mergeConfig, type InlineConfig } from 'vite';
import rendererConfig from '../renderer/vite.config';
import { createRendererFileHandler } from '../main/protocol';
import { Desktop, DesktopProfile } from '../tests/e2e/support/harness';
import type { BenchContext } from './lib/context';
import {
  NO_CHROMIUM,
  RENDERER_DIR,
  ROOT,
  VIEWPORT,
  buildBridgeBundle,
  ensureRendererBuilt,
  haveChromium,
  launchChromium,
  reportIdleCpu,
  stats,
} from './lib/desktop';
import { DATA_DIR } from './lib/paths';
import { fixed, formatTable } from './lib/table';

const BLANK_SOURCE = path.join(ROOT, 'bench', 'fixtures', 'blank-svelte');
const BLANK_OUT = path.join(DATA_DIR, 'blank-svelte');
const MINIFIED_OUT = path.join(DATA_DIR, 'renderer-minified');
/** Nothing listens here; the sign-in screen needs no API (no saved sign-in to resume). */
const NO_API = 'http://127.0.0.1:9';

interface FileSize {
  file: string;
  raw: number;
  brotli: number;
}

interface BuildSizes {
  upFront: FileSize[];
  lazy: FileSize[];
}

function sizeOf(dir: string, relative: string): FileSize {
  const bytes = fs.readFileSync(path.join(dir, relative));
  const brotli = brotliCompressSync(bytes, {
    params: {
      [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
      [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }).length;
  return { file: relative, raw: bytes.length, brotli };
}

/** `./assets/x.js` relative to index.html → `assets/x.js`. */
function clean(ref: string): string {
  return path.posix.normalize(ref.replace(/^\.\//, ''));
}

/**
 * What index.html loads before the app can run: its module script, stylesheets and preloads, and
 * every chunk those scripts import statically. Everything else in the build (chunks reached
 * only through `import()`) is lazy.
 */
export function measureBuild(dir: string): BuildSizes {
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const upFront = new Set<string>();
  for (const [, src] of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) upFront.add(clean(src!));
  for (const [tag] of html.matchAll(/<link\b[^>]*>/g)) {
    const rel = /\brel="([^"]+)"/.exec(tag)?.[1];
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href && (rel === 'stylesheet' || rel === 'modulepreload')) upFront.add(clean(href));
  }
  const queue = [...upFront].filter((f) => f.endsWith('.js'));
  while (queue.length) {
    const file = queue.pop()!;
    const code = fs.readFileSync(path.join(dir, file), 'utf8');
    // Top-level `import … from "./x.js"`, `import "./x.js"` and `export … from "./x.js"` (not
    // `import("./x.js")`), naming a file of the build: text in comments or strings is not an import.
    const statics = /^\s*(?:import|export)\b(?:[^;'"()]*?\bfrom)?\s*["'](\.{1,2}\/[^"']+)["']/gm;
    for (const [, ref] of code.matchAll(statics)) {
      const target = path.posix.join(path.posix.dirname(file), ref!);
      if (!fs.existsSync(path.join(dir, target))) continue;
      if (!upFront.has(target)) {
        upFront.add(target);
        if (target.endsWith('.js')) queue.push(target);
      }
    }
  }
  const all = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(m?js|css)$/.test(e.name))
    .map((e) => path.posix.relative(dir, path.join(e.parentPath, e.name)));
  return {
    upFront: [...upFront].sort().map((f) => sizeOf(dir, f)),
    lazy: all
      .filter((f) => !upFront.has(f))
      .sort()
      .map((f) => sizeOf(dir, f)),
  };
}

/** Vite with the renderer's own config (same svelte plugin, target, CSP-safe options), elsewhere. */
async function buildWithRendererConfig(
  root: string,
  outDir: string,
  minify: boolean,
): Promise<void> {
  const config = mergeConfig(rendererConfig, {
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      // electron-vite builds the renderer with minify off unless the config turns it on.
      minify,
      reportCompressedSize: false,
      rollupOptions: { input: path.join(root, 'index.html') },
    },
  } satisfies InlineConfig) as InlineConfig;
  await build(config);
}

async function serve(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const handle = createRendererFileHandler(dir);
  const server = http.createServer(async (req, res) => {
    const response = await handle(
      new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`),
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

interface LoadTiming {
  fcp: number;
  /** The sign-in form's first frame, for the app (NaN for the blank page). */
  ready: number;
}

declare global {
  interface Window {
    __benchFormPainted?: Promise<number>;
  }
}

/** Resolves with the first-contentful-paint entry's startTime (ms from navigation start). */
function firstContentfulPaint(): Promise<number> {
  return new Promise((resolve) => {
    new PerformanceObserver((list, observer) => {
      const entry = list.getEntriesByName('first-contentful-paint')[0];
      if (entry) {
        observer.disconnect();
        resolve(entry.startTime);
      }
    }).observe({ type: 'paint', buffered: true });
  });
}

/** Init script: the time of the frame right after the sign-in form's phone field appears. */
function watchForSignInForm(): void {
  window.__benchFormPainted = new Promise<number>((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.getElementById('phone')) return;
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
    });
    observer.observe(document, { childList: true, subtree: true });
  });
}

async function loadApp(browser: Browser, origin: string): Promise<LoadTiming> {
  const context: BrowserContext = await browser.newContext({ viewport: VIEWPORT });
  const profile = new DesktopProfile();
  try {
    await context.addInitScript(watchForSignInForm);
    const desktop = await Desktop.launch(context, {
      apiUrl: NO_API,
      rendererOrigin: origin,
      profile,
    });
    const ready = await desktop.page.evaluate(() => window.__benchFormPainted!);
    const fcp = await desktop.page.evaluate(firstContentfulPaint);
    await desktop.quit();
    return { fcp, ready };
  } finally {
    await context.close();
    await profile.destroy();
  }
}

async function loadBlank(browser: Browser, origin: string): Promise<LoadTiming> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/index.html`);
    return { fcp: await page.evaluate(firstContentfulPaint), ready: NaN };
  } finally {
    await context.close();
  }
}

const kib = (n: number) => `${fixed(n / 1024, 1)} KiB`;

function sizeRows(label: string, sizes: BuildSizes): string[][] {
  const sum = (files: FileSize[], ext: string) =>
    files
      .filter((f) => f.file.endsWith(ext))
      .reduce((t, f) => ({ raw: t.raw + f.raw, brotli: t.brotli + f.brotli }), {
        raw: 0,
        brotli: 0,
      });
  const rows: string[][] = [];
  for (const [when, files] of [
    ['up front', sizes.upFront],
    ['lazy', sizes.lazy],
  ] as const) {
    for (const ext of ['.js', '.css']) {
      const list = files.filter((f) => f.file.endsWith(ext));
      if (!list.length) continue;
      const total = sum(files, ext);
      rows.push([
        `${label}: ${ext.slice(1).toUpperCase()} ${when}`,
        list.map((f) => path.posix.basename(f.file)).join(', '),
        kib(total.raw),
        kib(total.brotli),
      ]);
    }
  }
  return rows;
}

/**
 * The renderer's weight and first paint: initial (index.html) and lazy JS/CSS in `out/renderer`,
 * raw and brotli, beside the same renderer minified and a blank Svelte 5 page built with the same
 * Vite config; then first-contentful-paint of the sign-in screen and of the blank page, loaded
 * alternately in the same Chromium, `loads` times each after one discarded round.
 */
export async function rendererSizeBench(ctx: BenchContext, loads = 12): Promise<void> {
  ctx.print(
    "\n## renderer-size: what the window loads, and the sign-in screen's first paint vs a blank Svelte 5 page\n",
  );
  ensureRendererBuilt((m) => ctx.progress(m));
  ctx.progress(
    'building the blank Svelte 5 page and a minified copy of the renderer (Vite, renderer config)',
  );
  await buildWithRendererConfig(BLANK_SOURCE, BLANK_OUT, false);
  await buildWithRendererConfig(path.join(ROOT, 'renderer'), MINIFIED_OUT, true);

  const app = measureBuild(RENDERER_DIR);
  const minified = measureBuild(MINIFIED_OUT);
  const blank = measureBuild(BLANK_OUT);
  ctx.print(
    formatTable(
      ['build', 'files', 'raw', 'brotli'],
      [
        ...sizeRows('out/renderer (as shipped)', app),
        ...sizeRows('same, build.minify on', minified),
        ...sizeRows('blank Svelte 5 page', blank),
      ],
    ),
  );

  if (!haveChromium()) {
    ctx.print(`\nfirst paint: ${NO_CHROMIUM}`);
    return;
  }
  await buildBridgeBundle();
  await reportIdleCpu(ctx);
  const servers = {
    app: await serve(RENDERER_DIR),
    minified: await serve(MINIFIED_OUT),
    blank: await serve(BLANK_OUT),
  };
  const browser = await launchChromium();
  const results = {
    app: [] as LoadTiming[],
    minified: [] as LoadTiming[],
    blank: [] as LoadTiming[],
  };
  try {
    for (let i = 0; i <= loads; i++) {
      ctx.progress(
        i === 0
          ? 'warm-up round (not counted)'
          : `load ${i} of ${loads} (app, minified app, blank)`,
      );
      const round = {
        app: await loadApp(browser, servers.app.origin),
        minified: await loadApp(browser, servers.minified.origin),
        blank: await loadBlank(browser, servers.blank.origin),
      };
      if (i === 0) continue;
      results.app.push(round.app);
      results.minified.push(round.minified);
      results.blank.push(round.blank);
    }
  } finally {
    await browser.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }

  const fcp = (list: LoadTiming[]) => stats(list.map((l) => l.fcp));
  const blankFcp = fcp(results.blank).p50;
  const ms = (n: number) => (Number.isNaN(n) ? '' : fixed(n, 1));
  const row = (label: string, list: LoadTiming[], withReady: boolean) => {
    const f = fcp(list);
    const ready = withReady ? stats(list.map((l) => l.ready)).p50 : NaN;
    return [label, ms(f.p50), ms(f.min), ms(f.max), `${fixed(f.p50 / blankFcp, 2)}×`, ms(ready)];
  };
  ctx.print('');
  ctx.print(
    formatTable(
      [
        `first paint, ${loads} load${loads === 1 ? '' : 's'} each (ms from navigation)`,
        'FCP p50',
        'min',
        'max',
        'vs blank',
        'sign-in form p50',
      ],
      [
        row('Airtime sign-in screen (out/renderer)', results.app, true),
        row('  same, build.minify on', results.minified, true),
        row('blank Svelte 5 page', results.blank, false),
      ],
    ),
  );
  ctx.print(
    '\nFCP is the first text on screen (the header, while the app asks main for its settings); "sign-in form"\n' +
      'is the frame after the phone field appears. Files come from a loopback HTTP server with the app:// handler.',
  );
}
