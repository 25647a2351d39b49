import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { initBackend } from '../../lib/engine/backend.js';
import { rsnaLoss, scoreStudies, studyLoss } from '../../lib/metrics/index.js';
import { pythonReference } from '../helpers/python.js';

const PY = pythonReference(['numpy']);

function batch(n: number, seed: number, missing = 0.15, scale = 2) {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n * 25 }, () => (rng.random() < missing ? -1 : rng.choice([0, 0, 1, 2])));
  for (let j = 0; j < 5; j++) labels[j] = -1; // study 0: all SCS labels missing (weight 0 in the any term)
  const logits = Float32Array.from({ length: n * 75 }, () => rng.normal(0, scale));
  return { labels, logits };
}

function softmax(logits: ArrayLike<number>): Float64Array {
  const p = new Float64Array(logits.length);
  for (let o = 0; o < logits.length; o += 3) {
    const m = Math.max(logits[o], logits[o + 1], logits[o + 2]);
    const e = [0, 1, 2].map((k) => Math.exp(logits[o + k] - m));
    const s = e[0] + e[1] + e[2];
    for (let k = 0; k < 3; k++) p[o + k] = e[k] / s;
  }
  return p;
}

describe('rsnaLoss (the reference repository metric)', () => {
  it.skipIf(!PY.ok)('matches a numpy re-implementation of util/metrics.py::rsna_loss', () => {
    const { labels, logits } = batch(20, 1, 0.15, 6); // wide logits: the 1e-7 clip is active
    const probs = softmax(logits);
    const rows = (a: ArrayLike<number>, w: number) => Array.from({ length: a.length / w }, (_, i) => Array.from(a).slice(i * w, (i + 1) * w));
    const input = JSON.stringify({ labels: rows(labels, 25), probs: rows(probs, 75).map((r) => rows(r, 3)) });
    const ref = PY.json<Record<string, number>>([join(__dirname, 'rsna_loss_ref.py')], { input });
    const ours = rsnaLoss(labels, probs, 'probabilities');
    for (const k of ['scs', 'nfn', 'ss', 'any', 'score'] as const) expect(ours[k]).toBeCloseTo(ref[k], 12);
    // `kind` replaces the reference's min < 0 heuristic: logits give the same as their softmax.
    expect(rsnaLoss(labels, logits, 'logits').score).toBeCloseTo(ours.score, 6);
  });

  it('equals the competition score where clipping does not matter and every SCS level is labelled', () => {
    const { labels, logits } = batch(30, 2, 0);
    for (let j = 0; j < 5; j++) labels[j] = 0;
    const probs = softmax(logits);
    const byStudy = (a: ArrayLike<number>, w: number) => new Map(Array.from({ length: 30 }, (_, i) => [i + 1, Array.from(a).slice(i * w, (i + 1) * w)]));
    const official = scoreStudies(byStudy(labels, 25), byStudy(probs, 75));
    const repo = rsnaLoss(labels, probs, 'probabilities');
    expect(repo.score).toBeCloseTo(official.score, 9);
    expect(repo.any).toBeCloseTo(official.any_severe_spinal, 9);
  });
});

describe('studyLoss (level-2 training loss, tfjs ops)', () => {
  beforeAll(async () => {
    await initBackend(); // wasm here: the loss must run (forward and backward) where training runs
  });

  it('equals the float64 rsna_loss on the same logits (no clipping in effect)', () => {
    const { labels, logits } = batch(16, 3);
    const loss = tf.tidy(() => studyLoss(tf.tensor3d(logits, [16, 25, 3]), tf.tensor2d(labels, [16, 25], 'int32')));
    expect(loss.dataSync()[0]).toBeCloseTo(rsnaLoss(labels, logits, 'logits').score, 5);
    loss.dispose();
  });

  it('stays finite, with finite gradients, when a prediction is certain and wrong (no log(0))', () => {
    const { labels, logits } = batch(4, 4);
    labels.set([0, 0, 0, 0, 0], 25); // study 1: no severe SCS level
    logits.set([-60, -60, 60], 75); // …but its l1_l2 says severe with p ≈ 1
    labels.set([2, 2, 2, 2, 2], 50); // study 2: severe everywhere
    for (let l = 0; l < 5; l++) logits.set([60, 0, -60], 150 + 3 * l); // …predicted normal with p ≈ 1
    const x = tf.variable(tf.tensor3d(logits, [4, 25, 3]), true, 'studyloss_x');
    const y = tf.tensor2d(labels, [4, 25], 'int32');
    const { value, grads } = tf.variableGrads(() => studyLoss(x, y), [x]);
    const v = value.dataSync()[0];
    const g = Object.values(grads)[0].dataSync();
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(20); // the any term saw log(1 − q) ≈ −120, not a clipped value
    expect(g.every(Number.isFinite)).toBe(true);
    tf.dispose([x, y, value, ...Object.values(grads)]);
  });

  it('masked cells (label −1) have no influence on the loss or its gradient', () => {
    const { labels, logits } = batch(6, 5);
    const f = (lg: Float32Array) => tf.tidy(() => studyLoss(tf.tensor3d(lg, [6, 25, 3]), tf.tensor2d(labels, [6, 25], 'int32')).dataSync()[0]);
    const changed = logits.slice();
    // Study 0 has all 5 SCS levels missing: its SCS logits must not matter, not even via the any term.
    for (let k = 0; k < 15; k++) changed[k] = 50 * ((k % 3) - 1);
    expect(f(changed)).toBeCloseTo(f(logits), 6);
  });
});
