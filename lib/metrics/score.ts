import { UsageError } from '../core/errors.js';
import { CLASS_WEIGHTS, GROUPS, N_CLASSES, N_TARGETS, TARGETS, type Group } from '../data/vocabulary.js';

/**
 * The competition score exactly as the host computed it (docs/porting.md §7.2): per group a
 * sample-weighted `sklearn.metrics.log_loss` (sklearn ≥ 1.2: clip each prediction to
 * [ε, 1 − ε] with ε = float64 machine epsilon, then renormalise the row), plus the any-severe-spinal
 * binary log loss per study, averaged with equal weights.
 */

/** float64 machine epsilon, sklearn's `eps="auto"` for float64 predictions. */
export const EPS = 2.220446049250313e-16;

/** One labelled row of the solution (Kaggle's solution.csv). */
export interface SolutionRow {
  rowId: string;
  /** One-hot [normal_mild, moderate, severe]. */
  y: readonly [number, number, number];
  /** sample_weight: 1/2/4 by the true class. */
  weight: number;
}

/** Submission probabilities by row id ([normal_mild, moderate, severe], not necessarily normalised). */
export type Submission = ReadonlyMap<string, ArrayLike<number>>;

export interface ScoreParts {
  spinal: number;
  foraminal: number;
  subarticular: number;
  any_severe_spinal: number;
}

export interface CompetitionScore extends ScoreParts {
  /** Mean of the four parts (parts that are NaN because nothing was scored are left out). */
  score: number;
  /** Solution rows scored (all labelled rows). */
  scoredRows: number;
  /** Studies in the any-severe term. */
  scoredStudies: number;
}

/** Scoring group of a row id such as `4003253_spinal_canal_stenosis_l1_l2` (host: substring test). */
export function groupOfRowId(rowId: string): Group {
  for (const g of GROUPS) if (rowId.includes(g)) return g;
  throw new UsageError(`row_id "${rowId}" names no condition (spinal, foraminal or subarticular)`);
}

/** Study part of a row id (host: text before the first underscore). */
export function studyOfRowId(rowId: string): string {
  return rowId.split('_')[0];
}

/**
 * The official score. Rows are matched by row id; submission rows absent from the solution are
 * ignored (unlabelled rows are not in a solution). Every submission value must be finite and
 * non-negative, as the host requires.
 *
 * Porting note: where the host's scorer would raise (sklearn refuses a binary `y_true` with a
 * single class, or an empty group) we return the well-defined value instead: the any-severe term
 * is the weighted binary log loss even when no study is severe, and an empty group is NaN and left
 * out of the mean.
 */
export function competitionScore(solution: readonly SolutionRow[], submission: Submission): CompetitionScore {
  validateSubmission(submission);
  const seen = new Set<string>();
  const groups: Record<Group, { loss: number[]; w: number[] }> = {
    spinal: { loss: [], w: [] },
    foraminal: { loss: [], w: [] },
    subarticular: { loss: [], w: [] },
  };
  // Per study: max severe label, max weight, max raw severe prediction over its labelled spinal rows.
  const anySevere = new Map<string, { label: number; weight: number; pred: number }>();
  for (const row of solution) {
    if (seen.has(row.rowId)) throw new UsageError(`solution has row_id "${row.rowId}" twice`);
    seen.add(row.rowId);
    const p = submission.get(row.rowId);
    if (!p) throw new UsageError(`submission has no row "${row.rowId}" (required by the solution)`);
    const g = groupOfRowId(row.rowId);
    groups[g].loss.push(rowLogLoss(row.y, p));
    groups[g].w.push(row.weight);
    if (g === 'spinal') {
      const study = studyOfRowId(row.rowId);
      const s = anySevere.get(study) ?? { label: -Infinity, weight: -Infinity, pred: -Infinity };
      // The host takes the maximum of the RAW submission column (before clipping or renormalising).
      anySevere.set(study, { label: Math.max(s.label, row.y[2]), weight: Math.max(s.weight, row.weight), pred: Math.max(s.pred, p[2]) });
    }
  }
  const part = (g: Group) => weightedMean(groups[g].loss, groups[g].w);
  const anyLoss: number[] = [];
  const anyW: number[] = [];
  for (const s of anySevere.values()) {
    anyLoss.push(binaryLogLoss(s.label, s.pred));
    anyW.push(s.weight);
  }
  const parts: ScoreParts = {
    spinal: part('spinal'),
    foraminal: part('foraminal'),
    subarticular: part('subarticular'),
    any_severe_spinal: weightedMean(anyLoss, anyW),
  };
  const defined = Object.values(parts).filter((v) => !Number.isNaN(v));
  const score = defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : NaN;
  return { score, ...parts, scoredRows: solution.length, scoredStudies: anySevere.size };
}

function validateSubmission(submission: Submission): void {
  for (const [rowId, p] of submission) {
    if (p.length !== N_CLASSES) throw new UsageError(`submission row "${rowId}" has ${p.length} values, expected ${N_CLASSES}`);
    for (let k = 0; k < N_CLASSES; k++) {
      if (!Number.isFinite(p[k])) throw new UsageError(`submission row "${rowId}": all values must be finite, got ${p[k]}`);
      if (p[k] < 0) throw new UsageError(`submission row "${rowId}": all predictions must be at least zero, got ${p[k]}`);
    }
  }
}

const clip = (v: number) => Math.min(Math.max(v, EPS), 1 - EPS);

/** −Σ y·log(p̂) of one row, p̂ = clipped then renormalised (sklearn's order of operations). */
function rowLogLoss(y: readonly number[], p: ArrayLike<number>): number {
  const c0 = clip(p[0]);
  const c1 = clip(p[1]);
  const c2 = clip(p[2]);
  const sum = c0 + c1 + c2;
  return -(xlogy(y[0], c0 / sum) + xlogy(y[1], c1 / sum) + xlogy(y[2], c2 / sum));
}

/** sklearn's binary case: q clipped, expanded to [1 − q, q], renormalised. */
function binaryLogLoss(label: number, pred: number): number {
  const q = clip(pred);
  const neg = 1 - q;
  const sum = neg + q;
  return -(xlogy(1 - label, neg / sum) + xlogy(label, q / sum));
}

/** scipy.special.xlogy: 0 when x = 0, whatever y. */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

function weightedMean(values: readonly number[], weights: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < values.length; i++) {
    num += values[i] * weights[i];
    den += weights[i];
  }
  return values.length ? num / den : NaN;
}

/**
 * A solution from study labels (`readTrainLabels` format: 25 ints per study, 0/1/2, -1 missing):
 * one row per labelled target, weight 1/2/4. Missing labels are not rows, as in the host's solution.
 */
export function solutionFromLabels(labels: ReadonlyMap<number | string, ArrayLike<number>>): SolutionRow[] {
  const rows: SolutionRow[] = [];
  for (const [study, t] of labels) {
    if (t.length !== N_TARGETS) throw new UsageError(`study ${study}: ${t.length} labels, expected ${N_TARGETS}`);
    for (let j = 0; j < N_TARGETS; j++) {
      const c = t[j];
      if (c === -1) continue;
      if (c !== 0 && c !== 1 && c !== 2) throw new UsageError(`study ${study}, ${TARGETS[j]}: label ${c} is not 0, 1, 2 or -1`);
      const y: [number, number, number] = [0, 0, 0];
      y[c] = 1;
      rows.push({ rowId: `${study}_${TARGETS[j]}`, y, weight: CLASS_WEIGHTS[c] });
    }
  }
  return rows;
}

/** A submission from per-study probabilities: 75 numbers per study (25 targets × 3 classes, C order). */
export function submissionFromProbs(probs: ReadonlyMap<number | string, ArrayLike<number>>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [study, p] of probs) {
    if (p.length !== N_TARGETS * N_CLASSES) throw new UsageError(`study ${study}: ${p.length} probabilities, expected ${N_TARGETS * N_CLASSES}`);
    for (let j = 0; j < N_TARGETS; j++) out.set(`${study}_${TARGETS[j]}`, [p[3 * j], p[3 * j + 1], p[3 * j + 2]]);
  }
  return out;
}

/** Score per-study probabilities against per-study labels (the form SYNTH, level 2 and infer hold). */
export function scoreStudies(
  labels: ReadonlyMap<number | string, ArrayLike<number>>,
  probs: ReadonlyMap<number | string, ArrayLike<number>>,
): CompetitionScore {
  return competitionScore(solutionFromLabels(labels), submissionFromProbs(probs));
}

/**
 * The weighted log loss of each of the 25 targets on its own (same clipping, renormalisation and
 * 1/2/4 weights as the competition groups), for a condition × level heatmap; NaN where a target has
 * no label. `labels`: N × 25 (−1 missing), `probs`: N × 25 × 3, C order.
 */
export function targetLosses(labels: ArrayLike<number>, probs: ArrayLike<number>): Float64Array {
  const n = labels.length / N_TARGETS;
  if (!Number.isInteger(n) || probs.length !== n * N_TARGETS * N_CLASSES) {
    throw new UsageError(`targetLosses: ${labels.length} labels and ${probs.length} probabilities do not make N × 25 and N × 25 × 3`);
  }
  const num = new Float64Array(N_TARGETS);
  const den = new Float64Array(N_TARGETS);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < N_TARGETS; j++) {
      const t = labels[i * N_TARGETS + j];
      if (t < 0) continue;
      const y: [number, number, number] = [0, 0, 0];
      y[t] = 1;
      const o = (i * N_TARGETS + j) * N_CLASSES;
      num[j] += CLASS_WEIGHTS[t] * rowLogLoss(y, [probs[o], probs[o + 1], probs[o + 2]]);
      den[j] += CLASS_WEIGHTS[t];
    }
  }
  return num.map((v, j) => (den[j] ? v / den[j] : NaN));
}

/**
 * The Bayes act of the class-weighted log loss: q ∝ (1, 2, 4) ⊙ p, the prediction that minimises
 * the metric's expected loss of a row whose classes have probabilities p.
 */
export function weightedAct(p: readonly number[]): [number, number, number] {
  const a = p[0] * CLASS_WEIGHTS[0];
  const b = p[1] * CLASS_WEIGHTS[1];
  const c = p[2] * CLASS_WEIGHTS[2];
  const s = a + b + c;
  return [a / s, b / s, c / s];
}

/** Row-wise softmax of logits over their last axis of 3 (classes), in float64. */
export function softmax3(logits: ArrayLike<number>): Float64Array {
  const p = new Float64Array(logits.length);
  for (let o = 0; o < logits.length; o += N_CLASSES) {
    const m = Math.max(logits[o], logits[o + 1], logits[o + 2]);
    const e0 = Math.exp(logits[o] - m);
    const e1 = Math.exp(logits[o + 1] - m);
    const e2 = Math.exp(logits[o + 2] - m);
    const s = e0 + e1 + e2;
    p[o] = e0 / s;
    p[o + 1] = e1 / s;
    p[o + 2] = e2 / s;
  }
  return p;
}

/** The competition score and its four parts. */
export type ScoreRow = Pick<CompetitionScore, 'score' | 'spinal' | 'foraminal' | 'subarticular' | 'any_severe_spinal'>;

/** Competition score of per-study probabilities (studies × 75) against labels (studies × 25). */
export function scoreProbabilities(studyIds: readonly number[], labels: ArrayLike<number>, probs: ArrayLike<number>): ScoreRow {
  const l = new Map<number, ArrayLike<number>>();
  const p = new Map<number, ArrayLike<number>>();
  studyIds.forEach((s, i) => {
    l.set(s, Array.prototype.slice.call(labels, i * N_TARGETS, (i + 1) * N_TARGETS));
    p.set(s, Array.prototype.slice.call(probs, i * N_TARGETS * N_CLASSES, (i + 1) * N_TARGETS * N_CLASSES));
  });
  const s = scoreStudies(l, p);
  return { score: s.score, spinal: s.spinal, foraminal: s.foraminal, subarticular: s.subarticular, any_severe_spinal: s.any_severe_spinal };
}

/** Share of the prior → floor gap a score closes: 0 = the class prior, 1 = the Bayes floor. */
export function gapClosed(score: number, prior: number, floor: number): number {
  return (prior - score) / (prior - floor);
}
