/**
 * What the Training notebook looks at: a sample's frames as displayable arrays, confusion matrices
 * per condition, and the worst-predicted crops of the out-of-fold predictions.
 */
import type { NdArray } from '../core/npy.js';
import { CLASS_WEIGHTS, CONDITION_SHORT, N_CLASSES, SEVERITIES } from '../data/vocabulary.js';
import { planarToFrames, type Sample } from './dataset.js';
import { rowLabels } from './evaluate.js';
import type { Level1Logits } from './level1.js';
import { softmax3 } from '../metrics/index.js';

/** A sample's frames, n × S × S × 3 in [0, 1] (3 adjacent slices per frame as RGB), for display. */
export function sampleFrames(s: Sample): NdArray<Float32Array> {
  const n = s.image.channels / 3;
  const data = new Float32Array(s.image.data.length);
  planarToFrames(s.image, data, 0);
  return { data, shape: [n, s.image.height, s.image.width, 3], dtype: 'float32' };
}

/** "SCS Severe, L-NFN Normal/Mild, …" for one-hot targets (5 × 3 or 1 × 3; missing rows shown as "–"). */
export function describeTarget(target: Float32Array): string {
  const rows = target.length / N_CLASSES;
  return Array.from({ length: rows }, (_, c) => {
    const r = target.subarray(c * N_CLASSES, (c + 1) * N_CLASSES);
    const k = r.indexOf(1);
    return `${CONDITION_SHORT[c]} ${k < 0 ? '–' : SEVERITIES[k]}`;
  }).join(', ');
}

/** Per condition predicted: a 3 × 3 count matrix (rows truth, columns argmax of the logits), labelled rows only. */
export function conditionConfusions(set: Level1Logits, labels: ReadonlyMap<number, ArrayLike<number>>): { title: string; matrix: number[][] }[] {
  const conditions = set.target === 'all' ? 5 : 1;
  const truth = rowLabels(set, labels);
  return Array.from({ length: conditions }, (_, c) => {
    const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    for (let i = 0; i < set.rows.length; i++) {
      const t = truth[i * conditions + c];
      if (t < 0) continue;
      const o = (i * conditions + c) * N_CLASSES;
      const z = set.logits;
      const pred = z[o] >= z[o + 1] && z[o] >= z[o + 2] ? 0 : z[o + 1] >= z[o + 2] ? 1 : 2;
      m[t][pred]++;
    }
    return { title: `${set.name} · ${CONDITION_SHORT[c]}`, matrix: m };
  });
}

export interface WorstRow {
  /** Index into the set's rows. */
  row: number;
  condition: string;
  label: number;
  /** Predicted probabilities of the three classes. */
  probs: [number, number, number];
  /** Weighted loss of this row: −w·log p[label], w = 1/2/4. */
  loss: number;
}

/** The `k` (row, condition) pairs with the highest weighted loss. */
export function worstRows(set: Level1Logits, labels: ReadonlyMap<number, ArrayLike<number>>, k: number): WorstRow[] {
  const conditions = set.target === 'all' ? 5 : 1;
  const truth = rowLabels(set, labels);
  const probs = softmax3(set.logits);
  const out: WorstRow[] = [];
  for (let i = 0; i < set.rows.length; i++) for (let c = 0; c < conditions; c++) {
    const t = truth[i * conditions + c];
    if (t < 0) continue;
    const o = (i * conditions + c) * N_CLASSES;
    const p: [number, number, number] = [probs[o], probs[o + 1], probs[o + 2]];
    out.push({ row: i, condition: CONDITION_SHORT[c], label: t, probs: p, loss: -CLASS_WEIGHTS[t] * Math.log(Math.max(p[t], 1e-7)) });
  }
  return out.sort((a, b) => b.loss - a.loss).slice(0, k);
}
