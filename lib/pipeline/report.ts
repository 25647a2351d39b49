import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { ArtefactError } from '../core/errors.js';
import { escapeHtml } from '../notebook/html.js';
import { SYSTEM_PYTHON } from './runner/run.js';
import { cellSource, outputText, readNotebook, writeNotebook, type Cell, type Notebook, type Output } from './runner/nbformat.js';

/** Marker in the loader output that inlines plotly.js (see display.ts). */
const LOADER_MARK = 'inlined once per kernel session';

export type ReportRenderer = 'nbconvert' | 'node';

export interface ReportOptions {
  title?: string;
  /** nbconvert (Jupyter's look; needs Debian's Python) or a built-in renderer. Default: nbconvert when available. */
  renderer?: ReportRenderer;
}

function isLoader(o: Output): boolean {
  const html = o.data?.['text/html'];
  const s = Array.isArray(html) ? html.join('') : html;
  return typeof s === 'string' && s.includes(LOADER_MARK);
}

/**
 * Executed notebooks merged into one: a heading per notebook, cell ids made unique, and plotly.js
 * kept only in its first loader output (each notebook inlines its own; one copy serves the page).
 */
export function mergeNotebooks(files: string[], title = 'spinelab report'): Notebook {
  const nbs = files.map((f) => readNotebook(f));
  let loaderKept = false;
  const cells: Cell[] = [{
    cell_type: 'markdown', id: 'report-title', metadata: {},
    source: `# ${title}\n\n${files.map((f, i) => `${i + 1}. [${basename(f, '.ipynb')}](#nb-${i})`).join('\n')}\n\nGenerated ${new Date().toISOString()}.`,
  }];
  nbs.forEach((nb, i) => {
    cells.push({ cell_type: 'markdown', id: `nb-${i}-anchor`, metadata: {}, source: `<a id="nb-${i}"></a>\n\n---\n**${escapeHtml(basename(files[i]))}**` });
    for (const [j, c] of nb.cells.entries()) {
      const outputs = (c.outputs ?? []).filter((o) => {
        if (!isLoader(o)) return true;
        if (loaderKept) return false;
        return (loaderKept = true);
      });
      cells.push({ ...c, id: `nb-${i}-${c.id ?? j}`, ...(c.cell_type === 'code' ? { outputs } : {}) });
    }
  });
  return { cells, metadata: nbs[0]?.metadata ?? {}, nbformat: 4, nbformat_minor: 5 };
}

/** nbconvert is usable (Debian jupyter-nbconvert with its Python). */
export function hasNbconvert(): boolean {
  return existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import nbconvert'], { stdio: 'ignore' }).status === 0;
}

/**
 * Render executed notebooks into ONE self-contained HTML file with interactive plots offline
 * (plotly.js is inlined in the page). Returns the renderer used.
 */
export function buildReport(notebookPaths: string[], outFile: string, opts: ReportOptions = {}): ReportRenderer {
  if (!notebookPaths.length) throw new ArtefactError('buildReport: no notebooks given', { file: outFile });
  for (const f of notebookPaths) if (!existsSync(f)) throw new ArtefactError('executed notebook not found', { file: f });
  const merged = mergeNotebooks(notebookPaths, opts.title);
  const renderer = opts.renderer ?? (hasNbconvert() ? 'nbconvert' : 'node');
  if (renderer === 'node') {
    writeFileAtomic(outFile, renderHtml(merged, opts.title ?? 'spinelab report'));
    return renderer;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'spinelab-report-'));
  try {
    const nbFile = join(tmp, 'report.ipynb');
    writeNotebook(nbFile, merged);
    const r = spawnSync(SYSTEM_PYTHON, ['-m', 'nbconvert', '--to', 'html', '--output-dir', tmp, nbFile], { encoding: 'utf8' });
    if (r.status !== 0) throw new ArtefactError(`nbconvert failed: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`, { file: outFile });
    writeFileAtomic(outFile, stripSystemScripts(readFileSync(join(tmp, 'report.html'), 'utf8')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return renderer;
}

/**
 * Debian's nbconvert template links require.js and MathJax from file:///usr/share/javascript, which
 * most machines opening the report lack (a load error each); our outputs need neither.
 */
export function stripSystemScripts(html: string): string {
  return html.replace(/<script[^>]*\bsrc="file:\/\/\/usr\/share\/javascript\/[^"]*"[^>]*>\s*<\/script>/g, '');
}

/** The built-in renderer: no Python, a subset of Markdown, outputs by MIME priority. */
export function renderHtml(nb: Notebook, title: string): string {
  const body = nb.cells.map((c) => {
    if (c.cell_type === 'markdown') return `<div class="md">${markdown(cellSource(c))}</div>`;
    if (c.cell_type !== 'code') return '';
    const n = c.execution_count ?? ' ';
    return `<div class="cell"><div class="in"><span class="prompt">In [${n}]:</span><pre class="src">${escapeHtml(cellSource(c))}</pre></div>` +
      (c.outputs ?? []).map(renderOutput).join('') + '</div>';
  }).join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
pre{white-space:pre-wrap;margin:0.3em 0}.src{background:#f5f5f5;border:1px solid #ddd;padding:0.5em;font-size:13px}
.prompt{color:#303f9f;font:12px monospace}.out{margin:0.3em 0 1em 0}.stderr{background:#fdd;padding:0.3em}
.cell{margin:1em 0}table.dataframe{border-collapse:collapse;font-size:12px}table.dataframe td,table.dataframe th{border:1px solid #ccc;padding:2px 6px}
</style></head><body>
${body}
</body></html>
`;
}

function renderOutput(o: Output): string {
  if (o.output_type === 'stream') return `<pre class="out ${o.name === 'stderr' ? 'stderr' : ''}">${escapeHtml(outputText(o))}</pre>`;
  if (o.output_type === 'error') return `<pre class="out stderr">${escapeHtml(`${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`)}</pre>`;
  const d = o.data ?? {};
  const str = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v));
  if (d['text/html'] !== undefined) return `<div class="out">${str(d['text/html'])}</div>`;
  if (d['image/png'] !== undefined) return `<div class="out"><img src="data:image/png;base64,${str(d['image/png']).trim()}"></div>`;
  if (d['image/svg+xml'] !== undefined) return `<div class="out">${str(d['image/svg+xml'])}</div>`;
  if (d['text/plain'] !== undefined) return `<pre class="out">${escapeHtml(str(d['text/plain']))}</pre>`;
  return '';
}

/** Headings, paragraphs, lists, inline code, bold, links; raw HTML lines (anchors) pass through. */
export function markdown(src: string): string {
  const inline = (s: string) => escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
  const out: string[] = [];
  let list: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(' '))}</p>`);
    if (list.length) out.push(`<ul>${list.map((l) => `<li>${inline(l)}</li>`).join('')}</ul>`);
    para = [];
    list = [];
  };
  for (const line of src.split('\n')) {
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    const li = /^\s*(?:[-*]|\d+\.)\s+(.*)$/.exec(line);
    if (h) { flush(); out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`); }
    else if (/^<a id="[\w-]+"><\/a>$/.test(line.trim())) { flush(); out.push(line.trim()); }
    else if (/^---+$/.test(line.trim())) { flush(); out.push('<hr>'); }
    else if (li) { if (para.length) flush(); list.push(li[1]); }
    else if (!line.trim()) flush();
    else { if (list.length) flush(); para.push(line); }
  }
  flush();
  return out.join('\n');
}
