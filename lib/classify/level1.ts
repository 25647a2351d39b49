import { ArtefactError } from '../core/errors.js';
import { softmax3 } from '../metrics/score.js';
import { levelIndex, N_CLASSES, N_LEVELS, N_TARGETS, SAGITTAL_DESCRIPTIONS, type SagittalDescription } from '../data/vocabulary.js';

/**
 * The level-1 logits, what the crop classifiers hand to level 2 and to inference (IO-free: the
 * browser page uses them too; level1-oof.ts reads them from a model folder).
 */

/**
 * Which targets a level-1 model predicts: all 5 conditions per level (the crop models), or SCS only
 * (the SCS crop models). The reference's hooks for NFN- or SS-only models have no model behind
 * them and are not ported.
 */
export type Level1Target = 'all' | 'scs';

/** One row of level-1 output: a (study, sagittal series, level) crop. */
export interface Level1Row {
  studyId: number;
  seriesId: number;
  description: SagittalDescription;
  /** 0..4 (LEVELS order). */
  level: number;
}

/** The logits of one level-1 model (OOF for training, test predictions at inference). */
export interface Level1Logits {
  name: string;
  target: Level1Target;
  rows: Level1Row[];
  /** rows × 15 (`all`: 5 conditions × 3 classes, CONDITIONS order) or rows × 3 (one group). */
  logits: Float32Array;
}

/** Logits per row: 5 conditions × 3 classes (`all`) or 3 (`scs`). */
export const level1Width = (t: Level1Target) => (t === 'all' ? 5 * N_CLASSES : N_CLASSES);

/**
 * Level-1-alone probabilities (the baseline the level-2 model must beat): per study and target,
 * softmax of the mean logits over every model and series that predicts it; uniform where none does.
 * Returns studies × 25 × 3.
 */
export function level1Probabilities(sets: readonly Level1Logits[], studyIds: readonly number[]): Float64Array {
  const index = new Map(studyIds.map((s, i) => [s, i]));
  const sum = new Float64Array(studyIds.length * N_TARGETS * N_CLASSES);
  const cnt = new Int32Array(studyIds.length * N_TARGETS);
  for (const set of sets) {
    const w = level1Width(set.target);
    set.rows.forEach((r, i) => {
      const si = index.get(r.studyId);
      if (si === undefined) return;
      const targets = set.target === 'all'
        ? [0, 1, 2, 3, 4].map((c) => ({ target: c * N_LEVELS + r.level, col: c * N_CLASSES }))
        : [{ target: r.level, col: 0 }];
      for (const { target, col } of targets) {
        cnt[si * N_TARGETS + target] += 1;
        for (let k = 0; k < N_CLASSES; k++) sum[(si * N_TARGETS + target) * N_CLASSES + k] += set.logits[i * w + col + k];
      }
    });
  }
  // Mean logits (0 where no model predicts a target: the softmax makes that uniform).
  for (let c = 0; c < cnt.length; c++) for (let k = 0; k < N_CLASSES; k++) sum[c * N_CLASSES + k] /= Math.max(cnt[c], 1);
  return softmax3(sum);
}

export interface Level1Oof extends Level1Logits {
  /** Fold of each row, as level 1 trained it. */
  folds: Int32Array;
}

/** What level-1 logits of this shape predict: N×5×3 all targets, N×3 SCS; else an error naming `file`. */
export function level1Target(shape: readonly number[], file: string): Level1Target {
  if (shape.length === 3 && shape[1] === 5 && shape[2] === 3) return 'all';
  if (shape.length === 2 && shape[1] === 3) return 'scs';
  throw new ArtefactError(`level-1 logits must be N×5×3 (all targets) or N×3 (SCS), got ${JSON.stringify(shape)}`, { file });
}

/** One row of a level-1 row table (study_id, series_id, series_description, level), validated. */
export function parseLevel1Row(r: Readonly<Record<string, string>>, file: string, line: number): Level1Row {
  for (const c of ['study_id', 'series_id', 'series_description', 'level']) {
    if (r[c] === undefined) throw new ArtefactError(`column ${c} missing`, { file, line: 1 });
  }
  const description = r.series_description as SagittalDescription;
  if (!SAGITTAL_DESCRIPTIONS.includes(description)) throw new ArtefactError(`level-1 rows must be sagittal series, got "${description}"`, { file, line });
  const studyId = Number(r.study_id);
  const seriesId = Number(r.series_id);
  if (!Number.isSafeInteger(studyId) || !Number.isSafeInteger(seriesId)) throw new ArtefactError(`bad study/series id "${r.study_id}"/"${r.series_id}"`, { file, line });
  const level = levelIndex(r.level);
  if (level < 0) throw new ArtefactError(`unknown level "${r.level}"`, { file, line });
  return { studyId, seriesId, description, level };
}

/**
 * Each study's fold as level 1 used it, checked to agree across models (level 2 must train on the
 * SAME folds, or its OOF would be predicted from level-1 logits of models that saw the study).
 */
export function level1Folds(sets: readonly Level1Oof[]): Map<number, number> {
  const folds = new Map<number, number>();
  const from = new Map<number, string>();
  for (const s of sets) {
    s.rows.forEach((r, i) => {
      const f = s.folds[i];
      const prev = folds.get(r.studyId);
      if (prev === undefined) {
        folds.set(r.studyId, f);
        from.set(r.studyId, s.name);
      } else if (prev !== f) {
        throw new ArtefactError(`study ${r.studyId} is in fold ${prev} for level-1 model ${from.get(r.studyId)} but in fold ${f} for ${s.name}: level-1 models must share folds`);
      }
    });
  }
  return folds;
}
