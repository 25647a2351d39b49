/**
 * What an inference run leaves in its work folder besides the submission, and how to read it
 * back (the Inference notebook shows one study from these): `level1/{model}.npy` + `_rows.csv`.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv, writeCsv } from '../core/csv.js';
import { ArtefactError } from '../core/errors.js';
import { readNpy, writeNpy } from '../core/npy.js';
import { LEVELS } from '../data/vocabulary.js';
import { level1Target, parseLevel1Row, type Level1Logits } from '../classify/index.js';

const ROW_COLUMNS = ['study_id', 'series_id', 'series_description', 'level'] as const;

/** Level-1 logits of each model: rows × 5 × 3 (all targets) or rows × 3 (SCS), with their rows. */
export function saveLevel1(workDir: string, sets: readonly Level1Logits[]): void {
  rmSync(join(workDir, 'level1'), { recursive: true, force: true }); // no model of an earlier run left behind
  for (const s of sets) {
    const width = s.target === 'all' ? [5, 3] : [3];
    writeNpy(join(workDir, 'level1', `${s.name}.npy`), { data: s.logits, shape: [s.rows.length, ...width] });
    writeCsv(join(workDir, 'level1', `${s.name}_rows.csv`), ROW_COLUMNS, s.rows.map((r) => ({
      study_id: r.studyId, series_id: r.seriesId, series_description: r.description, level: LEVELS[r.level],
    })));
  }
}

/** Every model's level-1 logits of an inference run, by file name order. */
export function readLevel1(workDir: string): Level1Logits[] {
  const dir = join(workDir, 'level1');
  if (!existsSync(dir)) throw new ArtefactError('no level-1 logits: run inference first', { file: dir });
  return readdirSync(dir).filter((f) => f.endsWith('.npy')).sort().map((f) => {
    const name = f.slice(0, -4);
    const a = readNpy(join(dir, f));
    const table = readCsv(join(dir, `${name}_rows.csv`), ROW_COLUMNS);
    if (table.rows.length !== a.shape[0]) throw new ArtefactError(`${table.rows.length} rows for ${a.shape[0]} logits`, { file: table.file });
    const rows = table.rows.map((r) => parseLevel1Row(r.values, table.file, r.line));
    return { name, target: level1Target(a.shape, join(dir, f)), rows, logits: Float32Array.from(a.data as ArrayLike<number>) };
  });
}
