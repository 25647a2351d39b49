import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic.js';
import { InputLayoutError } from '../../core/errors.js';

/** The parts of nbformat 4 that the runner reads and writes. */
export interface Output {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: 'stdout' | 'stderr';
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputLayoutError(`not a readable notebook: ${(e as Error).message}`, { file });
  }
  if (nb.nbformat !== 4 || !Array.isArray(nb.cells)) throw new InputLayoutError(`expected an nbformat 4 notebook`, { file });
  return nb;
}

export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

export function outputText(o: Output): string {
  return Array.isArray(o.text) ? o.text.join('') : o.text ?? '';
}

/**
 * Apply carriage returns the way a terminal would: text after a `\r` overwrites its line (progress
 * bars written with `\r` keep only their last state), `\r\n` is a newline.
 */
export function foldCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text.replace(/\r\n/g, '\n').split('\n').map((line) => {
    const parts = line.split('\r');
    let out = '';
    for (const p of parts) out = p + out.slice(p.length);
    return out;
  }).join('\n');
}

/** Write with stable formatting (1-space indent, as Jupyter does) atomically. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + '\n');
}

/** A copy with every output and execution count removed (how notebooks are committed). */
export function clearOutputs(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c) => (c.cell_type === 'code' ? { ...c, outputs: [], execution_count: null } : c)),
  };
}
