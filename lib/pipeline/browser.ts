import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { writeFileAtomic } from '../core/atomic.js';

/**
 * Open an HTML file (an exported notebook, the main job's report) in headless Chromium and check
 * that every figure rendered. Speaks the DevTools protocol over --remote-debugging-pipe, so no
 * browser-automation package is needed.
 */

export const CHROMIUM = process.env.SPINELAB_CHROMIUM ?? '/usr/bin/chromium';
/** Flags that let Chromium run headless in a container without network side trips. */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic', '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio',
];

export interface PlotState {
  id: string;
  /** plotly attached to the div (class js-plotly-plot). */
  rendered: boolean;
  /** Traces plotly drew (gd._fullData.length). */
  traces: number;
  /** Trace types plotly drew. */
  types: string[];
  /** An SVG or canvas layer is present. */
  svg: boolean;
  /** <image> elements (image traces) inside the plot. */
  images: number;
  width: number;
  height: number;
}

export interface PageCheck {
  url: string;
  plots: PlotState[];
  /** Uncaught exceptions and console.error messages. */
  errors: string[];
  screenshot?: string;
  plotShots: string[];
}

export interface CheckOptions {
  /** Full-page screenshot (PNG) path. */
  screenshot?: string;
  /** Folder for one PNG per plot (`plot-NN.png`). */
  plotShotsDir?: string;
  /** Plots to screenshot into plotShotsDir (indices); default all. */
  plotShotIndices?: number[];
  /** Seconds to wait for plots to render. Default 60. */
  timeout?: number;
  width?: number;
  chromium?: string;
}

export function hasChromium(path = CHROMIUM): boolean {
  return existsSync(path);
}

class Cdp {
  private id = 0;
  private buf = '';
  private pending = new Map<number, { res: (v: any) => void; rej: (e: Error) => void }>();
  readonly events: { method: string; params: any; sessionId?: string }[] = [];
  constructor(private out: Writable, input: Readable) {
    input.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
        const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
        if (p) {
          this.pending.delete(msg.id);
          if (msg.error) p.rej(new Error(`${msg.error.message} (${msg.error.code})`));
          else p.res(msg.result);
        } else if (msg.method) this.events.push(msg);
      }
    });
  }
  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = ++this.id;
    this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((res, rej) => this.pending.set(id, { res, rej }));
  }
  failAll(e: Error): void {
    for (const p of this.pending.values()) p.rej(e);
    this.pending.clear();
  }
}

/** In-page: state of every plotly div (ours are .spinelab-plot; nbconvert/plotly ones .js-plotly-plot). */
const PROBE = `(() => Array.from(document.querySelectorAll('.spinelab-plot, .js-plotly-plot')).map((el) => {
  const r = el.getBoundingClientRect();
  const fd = el._fullData || [];
  return { id: el.id, rendered: el.classList.contains('js-plotly-plot'), traces: fd.length,
    types: fd.map((t) => t.type), svg: !!el.querySelector('svg.main-svg, canvas'),
    images: el.querySelectorAll('g.imagelayer image, g.im image, image').length,
    width: Math.round(r.width), height: Math.round(r.height) };
}))()`;

/** A headless Chromium with one page attached, spoken to over the DevTools pipe. */
export interface ChromiumPage {
  /** A DevTools command on the page's session. */
  send(method: string, params?: object): Promise<any>;
  /** Events received so far on the page's session. */
  events(): Array<{ method: string; params: any }>;
  /** Evaluate an expression in the page (promises awaited) and return its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** PNG of the page from the top, `width` wide, as tall as its content (at most 16000 px). */
  screenshot(file: string): Promise<void>;
  close(): Promise<void>;
}

/** Start headless Chromium, open a blank page `width` × `height` and attach to it. */
export async function openChromium(opts: { width?: number; height?: number; chromium?: string } = {}): Promise<ChromiumPage> {
  const profile = mkdtempSync(join(tmpdir(), 'spinelab-chromium-'));
  const width = opts.width ?? 1200;
  const height = opts.height ?? 900;
  const child: ChildProcess = spawn(opts.chromium ?? CHROMIUM, [
    ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--window-size=${width},${height}`, '--remote-debugging-pipe', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const cdp = new Cdp(child.stdio[3] as Writable, child.stdio[4] as Readable);
  child.on('exit', (code) => cdp.failAll(new Error(`chromium exited (${code}): ${stderr}`)));
  const close = async () => {
    await cdp.send('Browser.close').catch(() => undefined);
    await stopChromium(child);
    // Helper processes can still be writing into the profile for a moment (a CI run failed with
    // ENOTEMPTY here): retry, and never fail a page check over a leftover temporary folder.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      /* left in the OS temp folder */
    }
  };
  try {
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const send = (m: string, p: object = {}) => cdp.send(m, p, sessionId);
    await send('Page.enable');
    await send('Runtime.enable');
    await send('Log.enable');
    await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return {
      send,
      events: () => cdp.events.filter((e) => e.sessionId === sessionId),
      evaluate: async <T>(expression: string) => {
        const r = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
        if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
        return r.result.value as T;
      },
      screenshot: async (file: string) => {
        const m = await send('Page.getLayoutMetrics');
        const h = Math.min(16000, Math.ceil(m.cssContentSize?.height ?? m.contentSize.height));
        const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height: h, scale: 1 } });
        writeFileAtomic(file, Buffer.from(shot.data, 'base64'));
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Uncaught exceptions, console.error calls and error log entries among a page's events. */
export function pageErrors(events: ReadonlyArray<{ method: string; params: any }>): string[] {
  return events.flatMap((e) => {
    if (e.method === 'Runtime.exceptionThrown') {
      const d = e.params.exceptionDetails;
      return [`${d.exception?.description ?? d.text} (${d.url ?? ''}:${d.lineNumber})`];
    }
    if (e.method === 'Runtime.consoleAPICalled' && e.params.type === 'error') return [e.params.args.map((a: any) => a.value ?? a.description).join(' ')];
    if (e.method === 'Log.entryAdded' && e.params.entry.level === 'error' && !/favicon/.test(e.params.entry.url ?? '')) return [`${e.params.entry.text} ${e.params.entry.url ?? ''}`];
    return [];
  });
}

export async function checkHtmlInBrowser(file: string, opts: CheckOptions = {}): Promise<PageCheck> {
  const url = pathToFileURL(resolve(file)).href;
  const width = opts.width ?? 1200;
  const page = await openChromium({ width, chromium: opts.chromium });
  const s = page.send;
  const deadline = Date.now() + (opts.timeout ?? 60) * 1000;
  try {
    await s('Page.navigate', { url });
    // Wait for load, then until every plot is drawn (or the time is up).
    while (!page.events().some((e) => e.method === 'Page.loadEventFired')) {
      if (Date.now() > deadline) throw new Error(`${file}: page did not load`);
      await sleep(100);
    }
    let plots: PlotState[] = [];
    for (;;) {
      plots = await page.evaluate<PlotState[]>(PROBE);
      if ((plots.length && plots.every((p) => p.rendered && p.svg)) || Date.now() > deadline) break;
      await sleep(250);
    }
    await sleep(300); // let plotly finish image decoding / relayout
    plots = await page.evaluate<PlotState[]>(PROBE);
    const result: PageCheck = { url, plots, errors: pageErrors(page.events()), plotShots: [] };
    if (opts.screenshot) {
      await page.screenshot(opts.screenshot);
      result.screenshot = opts.screenshot;
    }
    if (opts.plotShotsDir) {
      const rects = await page.evaluate<number[][]>(`Array.from(document.querySelectorAll('.js-plotly-plot')).map((el) => { const r = el.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })`);
      for (const i of opts.plotShotIndices ?? rects.map((_, k) => k)) {
        const r = rects[i];
        if (!r || r[2] < 1 || r[3] < 1) continue;
        const shot = await s('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: r[0], y: r[1], width: r[2], height: r[3], scale: 1 } });
        const f = join(opts.plotShotsDir, `plot-${String(i).padStart(2, '0')}.png`);
        writeFileAtomic(f, Buffer.from(shot.data, 'base64'));
        result.plotShots.push(f);
      }
    }
    return result;
  } finally {
    await page.close();
  }
}

/** Wait for chromium to exit after Browser.close (2 s), else kill it and wait for that (5 s). */
async function stopChromium(child: ChildProcess): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null;
  if (!running()) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([exited, sleep(2000)]);
  if (!running()) return;
  child.kill('SIGKILL');
  await Promise.race([exited, sleep(5000)]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * What is wrong with a checked page, as readable lines (empty = every plot drawn, no errors):
 * plots not drawn by plotly, drawn without SVG/canvas or without traces, and JavaScript errors.
 */
export function pageProblems(page: PageCheck): string[] {
  const out: string[] = [];
  if (!page.plots.length) out.push(`${page.url}: no plots found`);
  for (const p of page.plots) {
    if (!p.rendered) out.push(`plot ${p.id}: not drawn (plotly.js missing or the figure threw)`);
    else if (!p.svg) out.push(`plot ${p.id}: no SVG/canvas layer`);
    else if (!p.traces) out.push(`plot ${p.id}: no traces`);
  }
  for (const e of page.errors) out.push(`JavaScript error: ${e}`);
  return out;
}
