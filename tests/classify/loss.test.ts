import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryAuc, conditionMetrics, diskAuc, maskedSoftCrossEntropy, weightedLogLoss } from '../../lib/classify/loss.js';
import { softmax3 } from '../../lib/metrics/index.js';
import { pythonReference } from '../helpers/python.js';

const TORCH = pythonReference(['torch']);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('masked soft cross-entropy', () => {
  const logits = [[[2, 0, -1], [0.5, 0.5, 0.1], [-1, 3, 0]], [[0, 0, 0], [1, -2, 0.3], [0.2, 0.1, 4]]];
  // Sample 0 row 1 and sample 1 row 0 are missing; sample 1 row 2 is soft (mixup).
  const y = [[[1, 0, 0], [0, 0, 0], [0, 1, 0]], [[0, 0, 0], [0, 0, 1], [0.3, 0, 0.7]]];

  it('averages −Σ y·log softmax over the present rows only', () => {
    const loss = maskedSoftCrossEntropy(tf.tensor3d(logits), tf.tensor3d(y)).arraySync() as number;
    // Independent loop: 4 present rows.
    let sum = 0, n = 0;
    logits.forEach((s, b) => s.forEach((z, r) => {
      const t = y[b][r];
      if (t[0] + t[1] + t[2] === 0) return;
      const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
      sum += -t.reduce((a, tk, k) => a + tk * (z[k] - lse), 0);
      n++;
    }));
    expect(n).toBe(4);
    expect(loss).toBeCloseTo(sum / n, 5);
    // torch: cross_entropy with probability targets, reduced over the same present rows.
    if (!TORCH.ok) return;
    const out = TORCH.run(['-c', `import torch
z=torch.tensor(${JSON.stringify(logits)}).reshape(-1,3); t=torch.tensor(${JSON.stringify(y)}).reshape(-1,3)
m=t.sum(1)>0
print(torch.nn.functional.cross_entropy(z[m],t[m]).item())`]);
    expect(loss).toBeCloseTo(Number(out), 5);
  });

  it('weighted: Σ w·ℓ / Σ w with w = y·(1, 2, 4) (soft rows get the mixed weight)', () => {
    const loss = maskedSoftCrossEntropy(tf.tensor3d(logits), tf.tensor3d(y), true).arraySync() as number;
    let num = 0, den = 0;
    logits.forEach((s, b) => s.forEach((z, r) => {
      const t = y[b][r];
      const w = t[0] + 2 * t[1] + 4 * t[2];
      const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
      num += w * -t.reduce((a, tk, k) => a + tk * (z[k] - lse), 0);
      den += w;
    }));
    expect(den).toBeCloseTo(1 + 2 + 4 + 0.3 + 2.8, 6);
    expect(loss).toBeCloseTo(num / den, 5);
  });

  it('is 0 for an all-missing batch, and works for SCS targets [B, 3]', () => {
    expect(maskedSoftCrossEntropy(tf.tensor3d(logits), tf.zeros([2, 3, 3])).arraySync()).toBe(0);
    const l = maskedSoftCrossEntropy(tf.tensor2d([[0, 0, 0], [1, 2, 3]]), tf.tensor2d([[1, 0, 0], [0, 0, 0]])).arraySync() as number;
    expect(l).toBeCloseTo(Math.log(3), 6);
  });

  it('gradients reach only present rows', () => {
    const z = tf.tensor3d(logits);
    const g = tf.grad((x: tf.Tensor) => maskedSoftCrossEntropy(x, tf.tensor3d(y)))(z).arraySync() as number[][][];
    expect(g[0][1].map(Math.abs)).toEqual([0, 0, 0]);
    expect(g[1][0].map(Math.abs)).toEqual([0, 0, 0]);
    expect(Math.abs(g[0][0][0])).toBeGreaterThan(0);
  });
});

describe('validation metrics', () => {
  it('AUC: the textbook example and ties', () => {
    // sklearn's roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.75.
    expect(binaryAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(binaryAuc([0.5, 0.5, 0.5], [false, true, true])).toBeCloseTo(0.5, 12);
    expect(binaryAuc([1, 2], [true, true])).toBeNaN();
  });

  it('disk AUC drops missing labels and counts an undefined class as 0.5', () => {
    // Labels 0/1 only: severe AUC undefined → 0.5. Perfect ranking for normal and moderate → 1.
    const labels = [0, 1, -1, 0, 1];
    const probs = [0.9, 0.1, 0, 0.2, 0.8, 0, 0.5, 0.5, 0, 0.7, 0.3, 0, 0.4, 0.6, 0];
    expect(diskAuc(labels, probs)).toBeCloseTo((1 + 1 + 0.5) / 3, 12);
  });

  it('weighted log loss uses 1/2/4 weights by the true class', () => {
    const p = [0.5, 0.25, 0.25, 0.2, 0.4, 0.4, 0.1, 0.1, 0.8];
    const expected = (1 * -Math.log(0.5) + 2 * -Math.log(0.4) + 4 * -Math.log(0.8)) / 7;
    expect(weightedLogLoss([0, 1, 2], p)).toBeCloseTo(expected, 6);
    expect(weightedLogLoss([-1, -1, -1], p)).toBeNaN();
  });

  it('per-condition metrics of logits', () => {
    const logits = Float32Array.from([5, 0, 0, 0, 5, 0, 0, 0, 5, 5, 0, 0]); // 2 samples × 2 conditions
    const m = conditionMetrics(logits, [0, 1, 2, 0], 2);
    const p = softmax3(logits);
    expect(m.parts.loss_SCS).toBeCloseTo((-Math.log(p[0]) - 4 * Math.log(p[8])) / 5, 6);
    expect(m.parts.loss_SCS).toBeLessThan(0.02); // both SCS labels predicted with p ≈ 0.987
    expect(Object.keys(m.parts)).toEqual(['auc_SCS', 'loss_SCS', 'auc_L-NFN', 'loss_L-NFN']);
  });
});
