import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';

/** The committed notebooks: lines a reader sees without scrolling, no outputs, parameters through notebookParams. */
const DIR = join(projectRoot(), 'notebooks');
const MAX_LINE = 120;

interface Cell { cell_type: string; source: string | string[]; outputs?: unknown[]; execution_count?: number | null }
const notebooks = readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();
const cellsOf = (file: string) => (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { cells: Cell[] }).cells;
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

describe('notebooks', () => {
  it('are the seven of the pipeline', () => {
    expect(notebooks).toHaveLength(7);
  });

  it(`have no line over ${MAX_LINE} characters`, () => {
    const long: string[] = [];
    for (const nb of notebooks) {
      cellsOf(nb).forEach((c, i) => sourceOf(c).split('\n').forEach((line, k) => {
        if ([...line].length > MAX_LINE) long.push(`${nb} cell ${i} line ${k + 1}: ${[...line].length} characters`);
      }));
    }
    expect(long).toEqual([]);
  });

  it('are committed without outputs', () => {
    for (const nb of notebooks) {
      for (const c of cellsOf(nb).filter((x) => x.cell_type === 'code')) {
        expect(c.outputs ?? [], nb).toEqual([]);
        expect(c.execution_count ?? null, nb).toBeNull();
      }
    }
  });

  it('read the SPINELAB_* parameters through notebookParams, not process.env', () => {
    for (const nb of notebooks) {
      const code = cellsOf(nb).filter((c) => c.cell_type === 'code').map(sourceOf).join('\n');
      expect(code, nb).not.toMatch(/process\.env/);
      expect(code, nb).toMatch(/notebookParams\(/);
    }
  });
});
