import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import { MANIFEST, modelDir, readOof } from '../train/artefacts.js';
import { level1Target, parseLevel1Row, type Level1Oof } from './level1.js';

/**
 * The level-1 logits on disk: `{out}/models/{name}/oof_logits.npy` (N × 5 × 3 for all-target
 * models, N × 3 for SCS models), `oof_rows.csv` (study_id, series_id, series_description, level,
 * fold) and `manifest.json` with `kind: "logits"`.
 */

/** Names of the model folders under `{out}/models/` that hold level-1 logits, sorted. */
export function discoverLevel1Models(outDir: string, exclude: readonly string[] = []): string[] {
  const root = join(outDir, 'models');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((name) => {
    if (exclude.includes(name)) return false;
    const file = join(root, name, MANIFEST);
    if (!existsSync(file)) return false;
    const m = JSON.parse(readFileSync(file, 'utf8')) as { kind?: string; shape?: number[] };
    return m.kind === 'logits' && Array.isArray(m.shape) && ((m.shape.length === 3 && m.shape[1] === 5 && m.shape[2] === 3) || (m.shape.length === 2 && m.shape[1] === 3));
  }).sort();
}

/** One model's OOF logits with their rows and folds, validated. */
export function readLevel1Oof(outDir: string, name: string): Level1Oof {
  const dir = modelDir(outDir, name);
  const { manifest, data, rows } = readOof(dir, 'logits');
  const file = join(dir, manifest.rows);
  const target = level1Target(manifest.shape, join(dir, manifest.oof));
  const folds = new Int32Array(rows.length);
  const out = rows.map((r, i) => {
    if (r.fold === undefined) throw new ArtefactError('column fold missing', { file, line: 1 });
    folds[i] = Number(r.fold);
    return parseLevel1Row(r as Record<string, string>, file, i + 2);
  });
  return { name, target, rows: out, logits: data, folds };
}
