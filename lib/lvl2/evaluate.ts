import { level1Probabilities, type Level1Logits } from '../classify/level1.js';
import { N_CLASSES, N_TARGETS } from '../data/vocabulary.js';
import { scoreProbabilities, softmax3, targetLosses, type ScoreRow } from '../metrics/index.js';
import { boundsPredictions } from '../synth/floor.js';
import { modelDir, readOof } from '../train/artefacts.js';

/**
 * The out-of-fold predictions of level 1 alone and of level 2 on the same studies, for the CV
 * table, calibration plots and loss heatmaps.
 */
export interface Lvl2Oof {
  /** Studies in OOF order (fold by fold). */
  studyIds: number[];
  folds: Int32Array;
  /** studies × 25, −1 missing. */
  labels: Int32Array;
  /** studies × 25 × 3 probabilities: level-1 logits alone (mean, softmax) and the level-2 MLP. */
  level1: Float64Array;
  level2: Float64Array;
}

/** Read the level-2 OOF logits of `{out}/models/{name}/` and pair them with level 1 alone. */
export function readLvl2Oof(outDir: string, sets: readonly Level1Logits[], labels: ReadonlyMap<number, ArrayLike<number>>, name = 'lvl2'): Lvl2Oof {
  const oof = readOof(modelDir(outDir, name), 'logits');
  const studyIds = oof.rows.map((r) => Number(r.study_id));
  const lab = new Int32Array(studyIds.length * N_TARGETS).fill(-1);
  studyIds.forEach((s, i) => {
    const t = labels.get(s);
    if (t) lab.set(Array.from(t), i * N_TARGETS);
  });
  return {
    studyIds,
    folds: Int32Array.from(oof.rows, (r) => Number(r.fold)),
    labels: lab,
    level1: level1Probabilities(sets, studyIds),
    level2: softmax3(oof.data),
  };
}

/** The CV table: level 1 alone and level 2, and on synthetic inputs the class prior and Bayes floor. */
export interface CvTable {
  level1: ScoreRow;
  level2: ScoreRow;
  /** Synthetic inputs only (`{inputDir}/truth/`), on the same studies. */
  prior?: ScoreRow;
  floor?: ScoreRow;
}

/**
 * Score the OOF predictions with the competition metric. With `inputDir` of a synthetic input, the
 * class-prior baseline and the Bayes floor of the same studies are scored beside them.
 */
export function cvTable(o: Lvl2Oof, opts: { inputDir?: string } = {}): CvTable {
  const score = (p: ArrayLike<number>) => scoreProbabilities(o.studyIds, o.labels, p);
  const table: CvTable = { level1: score(o.level1), level2: score(o.level2) };
  const ref = opts.inputDir ? boundsPredictions(opts.inputDir, o.studyIds) : null;
  if (ref) {
    table.prior = score(ref.prior);
    table.floor = score(ref.floor);
  }
  return table;
}

/** Per-target weighted log loss (25, TARGETS order) of level 1 alone and of level 2. */
export function lossByTarget(o: Lvl2Oof): { level1: Float64Array; level2: Float64Array } {
  return { level1: targetLosses(o.labels, o.level1), level2: targetLosses(o.labels, o.level2) };
}

/**
 * Predicted probability of class `cls` and whether it was the true class (−1 where unlabelled),
 * over all study × target cells in `targets` (default all 25): the input of a reliability diagram.
 */
export function classOutcomes(o: Lvl2Oof, which: 'level1' | 'level2', cls: number, targets: readonly number[] = Array.from({ length: N_TARGETS }, (_, j) => j)): { probs: Float64Array; outcomes: Int8Array } {
  const n = o.studyIds.length;
  const probs = new Float64Array(n * targets.length);
  const outcomes = new Int8Array(n * targets.length);
  for (let i = 0; i < n; i++) {
    targets.forEach((j, k) => {
      const t = o.labels[i * N_TARGETS + j];
      probs[i * targets.length + k] = o[which][(i * N_TARGETS + j) * N_CLASSES + cls];
      outcomes[i * targets.length + k] = t < 0 ? -1 : t === cls ? 1 : 0;
    });
  }
  return { probs, outcomes };
}
