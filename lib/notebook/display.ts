import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fitTitle } from '../viz/text.js';
import type { Figure } from '../viz/types.js';
import { scriptJson } from './html.js';
import { kernelWriter } from './kernel.js';

const require = createRequire(import.meta.url);
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
/** plotly's own config defaults for our figures. */
const CONFIG = { displaylogo: false, responsive: true, toImageButtonOptions: { format: 'png', scale: 2 } };
/**
 * Above this many bytes of figure JSON the plotly MIME copy is left out: it would double the size
 * of image-heavy figures (slice viewers), and JupyterLab/VS Code render the HTML copy too.
 */
const PLOTLY_JSON_LIMIT = 200 * 1024;

let plotlyLoaded = false;

export type MimeBundle = Record<string, unknown>;

/** A display that can be replaced in place (update_display_data with the same display_id). */
export interface DisplayHandle {
  readonly id: string;
  update(bundle: MimeBundle): void;
}

/**
 * Send one display with several MIME types. In a kernel the frontend picks the richest it
 * renders; elsewhere the text/plain form is printed. Returns a handle for in-place updates.
 */
export function display(bundle: MimeBundle, id: string = newDisplayId()): DisplayHandle {
  send(bundle, id, false);
  return { id, update: (b) => send(b, id, true) };
}

function send(bundle: MimeBundle, id: string, update: boolean): void {
  const write = kernelWriter();
  if (write) write({ data: bundle, metadata: {}, transient: { display_id: id } }, update);
  else if (!update && typeof bundle['text/plain'] === 'string' && bundle['text/plain']) console.log(bundle['text/plain']);
}

export function newDisplayId(): string {
  return `spinelab-${randomBytes(8).toString('hex')}`;
}

/** The smallest plotly.js bundle covering our traces (scatter, bar, heatmap, image, histogram). */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-cartesian-dist-min');
}

/** HTML that defines window.Plotly (plotly.js inlined; `</script` escaped). */
export function plotlyLoaderHtml(): string {
  const pkg = require('plotly.js-cartesian-dist-min/package.json') as { name: string; version: string };
  const js = readFileSync(plotlyBundlePath(), 'utf8').replace(/<\/script/gi, '<\\/script');
  return `<script type="text/javascript">/* ${pkg.name} ${pkg.version}, inlined once per kernel session */\n${js}\n</script>`;
}

export interface FigureBundleOptions {
  /** Element id of the plot's div. */
  divId?: string;
  /** Include the plotly MIME copy (JupyterLab, VS Code). Default: when the JSON is under 200 kB. */
  plotlyJson?: boolean;
}

/**
 * The MIME bundle of one figure: plotly JSON (JupyterLab/VS Code), HTML drawing it with
 * window.Plotly (classic Notebook, nbconvert HTML; waits for the loader output), and text.
 */
export function figureBundle(figure: Figure, opts: FigureBundleOptions = {}): MimeBundle {
  const fig = fitTitle(figure); // long titles wrap instead of being clipped on both sides
  const spec = { data: fig.data, layout: fig.layout, config: { ...CONFIG, ...fig.config } };
  const json = scriptJson(spec);
  const divId = opts.divId ?? newDisplayId();
  const w = typeof fig.layout.width === 'number' ? `width:${fig.layout.width}px;` : 'width:100%;';
  const h = typeof fig.layout.height === 'number' ? `height:${fig.layout.height}px;` : 'height:450px;';
  const html = `<div id="${divId}" class="spinelab-plot" style="${w}${h}"></div>
<script type="text/javascript">(function () {
  var fig = ${json};
  var el = document.getElementById(${JSON.stringify(divId)});
  var tries = 0;
  function draw() {
    if (window.Plotly) { window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }
    else if (++tries < 200) { setTimeout(draw, 50); }
    else { el.textContent = 'plotly.js is not loaded: re-run the first plotting cell of this notebook.'; }
  }
  draw();
})();</script>`;
  const bundle: MimeBundle = { 'text/html': html, 'text/plain': figureText(fig) };
  if (opts.plotlyJson ?? json.length < PLOTLY_JSON_LIMIT) bundle[PLOTLY_MIME] = spec;
  return bundle;
}

/** One-paragraph text form of a figure (the fallback outside a kernel and in text frontends). */
export function figureText(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? 'untitled';
  const kinds = new Map<string, number>();
  for (const t of fig.data) kinds.set(t.type, (kinds.get(t.type) ?? 0) + 1);
  const parts = [...kinds].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
  const named = fig.data.filter((t) => typeof t.name === 'string').slice(0, 6).map((t) => String(t.name));
  const more = fig.data.length > named.length ? ', …' : '';
  return `[figure] ${title}: ${fig.data.length} trace${fig.data.length === 1 ? '' : 's'} (${parts.join(', ')})` +
    (named.length ? ` — ${named.join(', ')}${more}` : '');
}

/** Loader display (plotly.js inlined) before the first figure of the kernel session. */
function ensurePlotly(): void {
  if (plotlyLoaded || !kernelWriter()) return;
  display({ 'text/html': plotlyLoaderHtml(), 'text/plain': '' });
  plotlyLoaded = true;
}

/**
 * Display a figure: one output with plotly JSON, HTML and text (text only outside a kernel).
 * Returns nothing, so a cell ending with `show(…)` prints no handle (tslab logs the last value);
 * use liveFigure() for a figure to redraw.
 */
export function show(fig: Figure, opts: FigureBundleOptions = {}): void {
  ensurePlotly();
  display(figureBundle(fig, opts));
}

/** A figure shown once and redrawn in place, e.g. learning curves while training. */
export interface LiveFigure {
  readonly handle: DisplayHandle;
  update(fig: Figure): void;
}

export function liveFigure(fig: Figure, opts: FigureBundleOptions = {}): LiveFigure {
  ensurePlotly();
  const divId = opts.divId ?? newDisplayId();
  const handle = display(figureBundle(fig, { ...opts, divId }));
  return { handle, update: (f) => handle.update(figureBundle(f, { ...opts, divId })) };
}

/** Show raw HTML (with a text fallback). */
export function showHtml(html: string, text = ''): void {
  display({ 'text/html': html, 'text/plain': text || html.replace(/<[^>]+>/g, '') });
}

/** Show PNG bytes (e.g. from encodePng) as an image output. */
export function showPng(png: Uint8Array, text = '[image]'): void {
  display({ 'image/png': Buffer.from(png).toString('base64'), 'text/plain': text });
}

