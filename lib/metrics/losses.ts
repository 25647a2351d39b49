import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { CLASS_WEIGHTS, N_CLASSES, N_LEVELS, N_TARGETS } from '../data/vocabulary.js';

/**
 * The reference's own metric and level-2 training loss (docs/porting.md §6.4, §7.1, §7.3).
 * Targets 0–4 are SCS, 5–14 NFN, 15–24 SS (condition-major TARGETS order).
 */

export interface RsnaLoss {
  score: number;
  scs: number;
  nfn: number;
  ss: number;
  any: number;
}

/** Target index ranges of the three groups, [start, end). */
export const GROUP_RANGES = { scs: [0, 5], nfn: [5, 15], ss: [15, 25] } as const;

/**
 * `util/metrics.py::rsna_loss`: per group Σ w·(−log p[t]) / Σ w with w = 2^t over labelled cells,
 * predictions clipped to [1e-7, 1 − 1e-7] WITHOUT renormalisation, plus the any-severe term over
 * all 5 SCS levels; score = mean of the four.
 * Porting note: the reference softmaxes when `min(preds) < 0`; here the caller says what `preds`
 * hold (`kind`), so probabilities that happen to be all ≥ 0 logits are never misread (§11 item 9).
 * Studies with all SCS labels missing weigh 0 in the any term by an explicit mask (§11 item 16).
 *
 * @param labels N × 25 ints (0/1/2, −1 missing), C order
 * @param preds N × 25 × 3 logits or probabilities, C order
 */
export function rsnaLoss(labels: ArrayLike<number>, preds: ArrayLike<number>, kind: 'logits' | 'probabilities'): RsnaLoss {
  const n = labels.length / N_TARGETS;
  if (!Number.isInteger(n) || preds.length !== n * N_TARGETS * N_CLASSES) {
    throw new UsageError(`rsnaLoss: ${labels.length} labels and ${preds.length} predictions do not make N × 25 and N × 25 × 3`);
  }
  const clip = (v: number) => Math.min(Math.max(v, 1e-7), 1 - 1e-7);
  const p = new Float64Array(preds.length);
  for (let r = 0; r < n * N_TARGETS; r++) {
    const o = r * N_CLASSES;
    if (kind === 'logits') {
      const m = Math.max(preds[o], preds[o + 1], preds[o + 2]);
      const e = [Math.exp(preds[o] - m), Math.exp(preds[o + 1] - m), Math.exp(preds[o + 2] - m)];
      const s = e[0] + e[1] + e[2];
      for (let k = 0; k < N_CLASSES; k++) p[o + k] = clip(e[k] / s);
    } else {
      for (let k = 0; k < N_CLASSES; k++) p[o + k] = clip(preds[o + k]);
    }
  }
  const group = ([a, b]: readonly [number, number]) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      for (let j = a; j < b; j++) {
        const t = labels[i * N_TARGETS + j];
        if (t < 0) continue;
        const w = CLASS_WEIGHTS[t];
        num += -w * Math.log(p[(i * N_TARGETS + j) * N_CLASSES + t]);
        den += w;
      }
    }
    return den > 0 ? num / den : NaN;
  };
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    let a = -1;
    let q = 0;
    for (let l = 0; l < N_LEVELS; l++) {
      a = Math.max(a, labels[i * N_TARGETS + l]);
      q = Math.max(q, p[(i * N_TARGETS + l) * N_CLASSES + 2]);
    }
    if (a < 0) continue;
    const y = a === 2 ? 1 : 0;
    const w = CLASS_WEIGHTS[a];
    num += -w * (y * Math.log(q) + (1 - y) * Math.log(1 - q));
    den += w;
  }
  const out = { scs: group(GROUP_RANGES.scs), nfn: group(GROUP_RANGES.nfn), ss: group(GROUP_RANGES.ss), any: den > 0 ? num / den : NaN };
  return { score: (out.scs + out.nfn + out.ss + out.any) / 4, ...out };
}

/**
 * `StudyLoss` (weighted, use_any, no smoothing) as tfjs ops: the level-2 training loss.
 * Per group Σ w·CE / Σ w with w = 2^t and missing labels masked explicitly; the any-severe BCE on
 * q = max over the 5 SCS levels of p[severe], weight 2^max(label); total = mean of the four.
 * Porting note: the reference computes log(q) and log(1 − q) from probabilities, so the any term
 * can hit log(0) (§11 item 16). Here both come from log-softmax: log q = max_l log p_l[severe] and
 * log(1 − q) = min_l logsumexp(log p_l[normal], log p_l[moderate]) — the same level, exact, finite.
 * A group with no labelled cell in the batch contributes 0.
 *
 * @param logits [B, 25, 3]
 * @param labels [B, 25] int32, 0/1/2 or −1 for missing
 */
export function studyLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits as tf.Tensor3D);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor2D, N_CLASSES); // −1 → all zeros
    const ce = tf.neg(tf.sum(tf.mul(oneHot, logp), -1)); // [B, 25], 0 where missing
    const w = tf.sum(tf.mul(oneHot, tf.tensor1d([...CLASS_WEIGHTS])), -1); // [B, 25], 0 where missing
    const groupLoss = ([a, b]: readonly [number, number]) => {
      const wg = tf.slice(w, [0, a], [-1, b - a]);
      const cg = tf.slice(ce, [0, a], [-1, b - a]);
      return tf.div(tf.sum(tf.mul(wg, cg)), tf.maximum(tf.sum(wg), 1e-12));
    };
    // Any-severe term.
    const scsLogp = tf.slice(logp, [0, 0, 0], [-1, N_LEVELS, -1]); // [B, 5, 3]
    const logQ = tf.max(tf.squeeze(tf.slice(scsLogp, [0, 0, 2], [-1, -1, 1]), [2]), 1); // [B]
    const log1mQ = tf.min(tf.logSumExp(tf.slice(scsLogp, [0, 0, 0], [-1, -1, 2]), 2), 1); // [B]
    const scsOneHot = tf.slice(oneHot, [0, 0, 0], [-1, N_LEVELS, -1]); // [B, 5, 3]
    const present = tf.max(tf.sum(scsOneHot, 2), 1); // 1 when any SCS level is labelled
    const worst = tf.max(tf.mul(tf.sum(tf.mul(scsOneHot, tf.tensor1d([1, 2, 3])), 2), 1), 1); // 1 + max class, 0 if none
    const y = tf.cast(tf.equal(worst, 3), 'float32');
    const wAny = tf.mul(present, tf.pow(2, tf.sub(worst, 1)));
    const bce = tf.neg(tf.add(tf.mul(y, logQ), tf.mul(tf.sub(1, y), log1mQ)));
    const anyLoss = tf.div(tf.sum(tf.mul(wAny, bce)), tf.maximum(tf.sum(wAny), 1e-12));
    const total = tf.addN([groupLoss(GROUP_RANGES.scs), groupLoss(GROUP_RANGES.nfn), groupLoss(GROUP_RANGES.ss), anyLoss]);
    return tf.div(total, 4) as tf.Scalar;
  });
}
