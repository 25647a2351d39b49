/**
 * Loss and validation metrics of the crop classifiers (reference §5.5, §5.7).
 */
import * as tf from '@tensorflow/tfjs';
import { CLASS_WEIGHTS, CONDITION_SHORT } from '../data/vocabulary.js';
import { softmax3 } from '../metrics/index.js';

/**
 * Masked soft cross-entropy: logits `[B, 5, 3]` or `[B, 3]`, targets of the same shape (one-hot or
 * soft after mixup; an all-zero row is a missing label). Per row ℓ = −Σ_k y_k·log softmax(z)_k,
 * averaged over the PRESENT rows (0 when none is present).
 * `weighted`: each row weighs w = Σ_k y_k·(1, 2, 4)_k (the competition's class weights; soft rows get
 * the mixed weight) and the loss is Σ w·ℓ / Σ w — the metric's weighted log loss. The reference
 * has this as its `weighted` loss option (off for its crop models).
 * Porting note: the reference's SeriesLoss averaged over all B·5 rows, masked ones counting in the
 * denominator, so a batch's loss scale depended on how many labels were missing.
 */
export function maskedSoftCrossEntropy(logits: tf.Tensor, y: tf.Tensor, weighted = false): tf.Scalar {
  return tf.tidy(() => {
    const rowLoss = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits, -1)), -1));
    const w = weighted
      ? tf.sum(tf.mul(y, tf.tensor1d(CLASS_WEIGHTS as unknown as number[])), -1)
      : tf.cast(tf.greater(tf.sum(y, -1), 0), 'float32');
    return tf.div(tf.sum(tf.mul(rowLoss, w)), tf.maximum(tf.sum(w), 1e-6)) as tf.Scalar;
  });
}

/**
 * Binary ROC AUC (Mann–Whitney, ties count ½); NaN when only one class is present.
 */
export function binaryAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1; // average 1-based rank of the tie block
    for (let k = i; k <= j; k++) if (positive[order[k]]) { nPos++; rankSum += rank; }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * The reference's `disk_auc`: drop missing labels, average the three one-vs-rest AUCs (normal,
 * moderate, severe), an undefined AUC counting 0.5. `probs` is n × 3.
 */
export function diskAuc(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) keep.push(i);
  if (!keep.length) return NaN;
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    const auc = binaryAuc(keep.map((i) => probs[3 * i + k]), keep.map((i) => labels[i] === k));
    sum += Number.isNaN(auc) ? 0.5 : auc;
  }
  return sum / 3;
}

/**
 * Competition-weighted log loss of probabilities: Σ w·(−log p[t]) / Σ w over rows with a label,
 * w = 1/2/4 by the true class, p clipped to [1e-7, 1] (as the reference's rsna_loss).
 */
export function weightedLogLoss(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (t < 0) continue;
    const w = CLASS_WEIGHTS[t];
    num += -w * Math.log(Math.max(probs[3 * i + t], 1e-7));
    den += w;
  }
  return den > 0 ? num / den : NaN;
}

export interface ConditionMetrics {
  /** Mean of the per-condition AUCs (the reference's printed validation metric). */
  auc: number;
  /** Mean of the per-condition weighted log losses. */
  loss: number;
  /** `auc_SCS`, `loss_SCS`, … per condition present in the output. */
  parts: Record<string, number>;
}

/**
 * Per-condition AUC and weighted log loss of logits (`n × conditions × 3`, C order) against labels
 * (`n × conditions`, -1 missing). `conditions` = 5 (CLASSES_CROP order) or 1 (SCS).
 */
export function conditionMetrics(logits: ArrayLike<number>, labels: ArrayLike<number>, conditions: number): ConditionMetrics {
  const probs = softmax3(logits);
  const n = labels.length / conditions;
  const parts: Record<string, number> = {};
  let aucSum = 0, lossSum = 0, counted = 0;
  for (let c = 0; c < conditions; c++) {
    const l = new Int8Array(n);
    const p = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      l[i] = labels[i * conditions + c];
      p.set(probs.subarray(3 * (i * conditions + c), 3 * (i * conditions + c) + 3), 3 * i);
    }
    const auc = diskAuc(l, p);
    const loss = weightedLogLoss(l, p);
    parts[`auc_${CONDITION_SHORT[c]}`] = auc;
    parts[`loss_${CONDITION_SHORT[c]}`] = loss;
    if (!Number.isNaN(auc)) { aucSum += auc; lossSum += loss; counted++; }
  }
  return { auc: counted ? aucSum / counted : NaN, loss: counted ? lossSum / counted : NaN, parts };
}
