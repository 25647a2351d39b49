/**
 * Out-of-fold evaluation of the level-1 crop classifiers: per model and condition on the crop rows
 * (AUC, weighted log loss), and per study with the competition metric, next to the class-prior
 * baseline and the Bayes floor when the input is a synthetic dataset with its `truth/`.
 */
import { CONDITION_SHORT, N_CLASSES, N_LEVELS, N_TARGETS } from '../data/vocabulary.js';
import { gapClosed, scoreProbabilities, type ScoreRow } from '../metrics/index.js';
import { boundsPredictions } from '../synth/floor.js';
import { level1Probabilities, type Level1Logits, type Level1Oof } from './level1.js';
import { readLevel1Oof } from './level1-oof.js';
import { conditionMetrics, weightedLogLoss } from './loss.js';

export interface ModelOofMetrics {
  name: string;
  target: 'all' | 'scs';
  rows: number;
  /** Mean per-condition AUC and weighted log loss on the crop rows, and each condition's values. */
  auc: number;
  loss: number;
  parts: Record<string, number>;
}

/** A predictor's study-level losses: the competition score with its parts, and per condition. */
export interface StudyLosses {
  score: ScoreRow;
  /** Weighted log loss per condition (SCS, L-NFN, R-NFN, L-SS, R-SS), pooled over levels. */
  conditionLoss: Record<string, number>;
}

export interface Level1Evaluation extends StudyLosses {
  models: ModelOofMetrics[];
  /** Labelled studies with at least one OOF row. */
  studyIds: number[];
  /** studies × 25, −1 missing. */
  labels: Int8Array;
  /**
   * studies × 25 × 3 probabilities of level 1 alone: per study and target the softmax of the mean
   * logits over every model and sagittal series that predicts it (METRIC's level1Probabilities, the
   * baseline level 2 is compared with).
   */
  probs: Float64Array;
  /**
   * Synthetic inputs only: the class-prior baseline, the Bayes floor, and the share of the gap
   * between them that level 1 closes: on the score (`gapClosed`) and per score part and condition.
   */
  bounds?: { prior: StudyLosses; floor: StudyLosses; gapClosed: number; gapClosedBy: Record<string, number> };
}

/** Labels of a crop row table against study labels: rows × conditions (5 or 1). */
export function rowLabels(set: Level1Logits, labels: ReadonlyMap<number, ArrayLike<number>>): Int8Array {
  const conditions = set.target === 'all' ? 5 : 1;
  const out = new Int8Array(set.rows.length * conditions).fill(-1);
  set.rows.forEach((r, i) => {
    const l = labels.get(r.studyId);
    if (l) for (let c = 0; c < conditions; c++) out[i * conditions + c] = l[c * N_LEVELS + r.level];
  });
  return out;
}

/** Per-condition weighted log loss of study probabilities (studies × 25 × 3) pooled over levels. */
export function conditionLosses(labels: ArrayLike<number>, probs: ArrayLike<number>): Record<string, number> {
  const n = labels.length / N_TARGETS;
  const out: Record<string, number> = {};
  CONDITION_SHORT.forEach((name, c) => {
    const l: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < n; i++) for (let lv = 0; lv < N_LEVELS; lv++) {
      const t = i * N_TARGETS + c * N_LEVELS + lv;
      l.push(labels[t]);
      for (let k = 0; k < N_CLASSES; k++) p.push(probs[t * N_CLASSES + k]);
    }
    out[name] = weightedLogLoss(l, p);
  });
  return out;
}

/**
 * Share of the prior → floor gap a predictor closes, (prior − own) / (prior − floor): 0 = no better
 * than the class prior, 1 = the Bayes floor. For the score, its four parts and each condition.
 */
export function gapShares(own: StudyLosses, prior: StudyLosses, floor: StudyLosses): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['score', 'spinal', 'foraminal', 'subarticular', 'any_severe_spinal'] as const) out[k] = gapClosed(own.score[k], prior.score[k], floor.score[k]);
  for (const k of Object.keys(own.conditionLoss)) out[k] = gapClosed(own.conditionLoss[k], prior.conditionLoss[k], floor.conditionLoss[k]);
  return out;
}

export function studyLosses(studyIds: readonly number[], labels: ArrayLike<number>, probs: ArrayLike<number>): StudyLosses {
  return { score: scoreProbabilities(studyIds, labels, probs), conditionLoss: conditionLosses(labels, probs) };
}

/** Evaluate the OOF logits of the named models under `{outDir}/models/`. */
export function evaluateLevel1(
  outDir: string,
  names: readonly string[],
  labels: ReadonlyMap<number, ArrayLike<number>>,
  opts: { inputDir?: string } = {},
): Level1Evaluation {
  const sets: Level1Oof[] = names.map((n) => readLevel1Oof(outDir, n));
  const models = sets.map((s): ModelOofMetrics => {
    const m = conditionMetrics(s.logits, rowLabels(s, labels), s.target === 'all' ? 5 : 1);
    return { name: s.name, target: s.target, rows: s.rows.length, auc: m.auc, loss: m.loss, parts: m.parts };
  });
  const studyIds = [...new Set(sets.flatMap((s) => s.rows.map((r) => r.studyId)))].filter((s) => labels.has(s)).sort((a, b) => a - b);
  const lab = new Int8Array(studyIds.length * N_TARGETS);
  studyIds.forEach((s, i) => lab.set(Array.from(labels.get(s)!), i * N_TARGETS));
  const probs = level1Probabilities(sets, studyIds);
  const own = studyLosses(studyIds, lab, probs);
  const ref = opts.inputDir ? boundsPredictions(opts.inputDir, studyIds) : null;
  let bounds: Level1Evaluation['bounds'];
  if (ref) {
    const prior = studyLosses(studyIds, lab, ref.prior);
    const floor = studyLosses(studyIds, lab, ref.floor);
    const shares = gapShares(own, prior, floor);
    bounds = { prior, floor, gapClosed: shares.score, gapClosedBy: shares };
  }
  return { models, studyIds, labels: lab, probs, ...own, bounds };
}
