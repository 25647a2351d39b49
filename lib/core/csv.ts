import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { writeFileAtomic } from './atomic.js';
import { InputLayoutError } from './errors.js';

/** One CSV row as strings, with its 1-based line number in the file (for error messages). */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

export interface CsvTable {
  file: string;
  columns: string[];
  rows: CsvRow[];
}

/**
 * Read a CSV with a header row into string records. No dynamic typing: IDs such as 3390218084
 * stay exact, and every conversion happens in typed code that can name the file and line.
 */
export function readCsv(file: string, requiredColumns: readonly string[] = []): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputLayoutError(`cannot read CSV (${(e as Error).message})`, { file });
  }
  return parseCsv(text, file, requiredColumns);
}

export function parseCsv(text: string, file: string, requiredColumns: readonly string[] = []): CsvTable {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  if (parsed.errors.length) {
    const e = parsed.errors[0];
    throw new InputLayoutError(`CSV parse error: ${e.message}`, { file, line: (e.row ?? 0) + 1 });
  }
  const [header, ...body] = parsed.data;
  if (!header) throw new InputLayoutError('empty CSV (no header row)', { file });
  const columns = header.map((c) => c.trim());
  const missing = requiredColumns.filter((c) => !columns.includes(c));
  if (missing.length) throw new InputLayoutError(`missing column(s) ${missing.join(', ')}; found ${columns.join(', ')}`, { file, line: 1 });
  const rows = body.map((cells, i) => {
    if (cells.length !== columns.length) {
      throw new InputLayoutError(`expected ${columns.length} fields, found ${cells.length}`, { file, line: i + 2 });
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = cells[j]));
    return { line: i + 2, values };
  });
  return { file, columns, rows };
}

/** Write records as CSV (quoted where needed, by papaparse), atomically. */
export function writeCsv(file: string, columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): void {
  const data = rows.map((r) => columns.map((c) => formatCell(r[c])));
  writeFileAtomic(file, Papa.unparse({ fields: [...columns], data }, { newline: '\n' }) + '\n');
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}
