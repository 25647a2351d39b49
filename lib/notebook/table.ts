import { display } from './display.js';
import { escapeHtml } from './html.js';

export type Cell = string | number | boolean | null | undefined | bigint;
export type Row = Record<string, Cell>;

/** What showTable needs from a danfojs-node DataFrame (duck-typed: lib never imports danfojs). */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
  index: (string | number)[];
}

export interface TableOptions {
  title?: string;
  /** Rows shown (head), default 30; the count of hidden rows is stated. */
  maxRows?: number;
  /** Significant digits of non-integer numbers, default 4. */
  digits?: number;
}

export interface Table {
  columns: string[];
  rows: Cell[][];
  index?: (string | number)[];
}

function isDataFrame(x: unknown): x is DataFrameLike {
  return !!x && typeof x === 'object' && Array.isArray((x as DataFrameLike).columns) && 'values' in (x as object) && Array.isArray((x as DataFrameLike).index);
}

/** Normalise rows of objects, a {columns, rows} table or a DataFrame into one table. */
export function toTable(input: Row[] | Table | DataFrameLike): Table {
  if (isDataFrame(input)) {
    const vals = input.values as unknown[];
    const rows = vals.map((r) => (Array.isArray(r) ? (r as Cell[]) : [r as Cell]));
    return { columns: [...input.columns], rows, index: [...input.index] };
  }
  if (!Array.isArray(input)) return input;
  const columns: string[] = [];
  for (const r of input) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return { columns, rows: input.map((r) => columns.map((c) => r[c])) };
}

export function formatCell(v: Cell | unknown, digits = 4): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : Number(v.toPrecision(digits)).toString();
  return String(v);
}

/** HTML and text forms of a table (pure; used by showTable and tests). */
export function tableBundle(input: Row[] | Table | DataFrameLike, opts: TableOptions = {}): { 'text/html': string; 'text/plain': string } {
  const t = toTable(input);
  const max = opts.maxRows ?? 30;
  const shown = t.rows.slice(0, max);
  const cells = shown.map((r) => r.map((v) => formatCell(v, opts.digits)));
  const idx = t.index ? t.index.slice(0, max).map(String) : null;
  const hidden = t.rows.length - shown.length;
  const note = `${t.rows.length} rows × ${t.columns.length} columns${hidden > 0 ? ` (first ${shown.length} shown)` : ''}`;
  const numeric = t.columns.map((_, c) => shown.every((r) => typeof r[c] === 'number' || r[c] == null));
  const th = (idx ? '<th></th>' : '') + t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = cells.map((r, i) =>
    '<tr>' + (idx ? `<th>${escapeHtml(idx[i])}</th>` : '') +
    r.map((v, c) => `<td${numeric[c] ? ' style="text-align:right"' : ''}>${escapeHtml(v)}</td>`).join('') + '</tr>').join('\n');
  const html = `<div class="spinelab-table">${opts.title ? `<b>${escapeHtml(opts.title)}</b>` : ''}
<table class="dataframe" border="1"><thead><tr>${th}</tr></thead><tbody>
${body}
</tbody></table><small>${note}</small></div>`;

  const head = idx ? ['', ...t.columns] : t.columns;
  const lines = cells.map((r, i) => (idx ? [idx[i], ...r] : r));
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (l: string[]) => l.map((v, c) => v.padStart(widths[c])).join('  ').trimEnd();
  const text = [opts.title ?? '', fmt(head), ...lines.map(fmt), note].filter((l) => l !== '').join('\n');
  return { 'text/html': html, 'text/plain': text };
}

/** Show rows, a {columns, rows} table or a danfojs DataFrame as an HTML table (text outside a kernel). */
export function showTable(input: Row[] | Table | DataFrameLike, opts: TableOptions = {}): void {
  display(tableBundle(input, opts));
}
