import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { initBackend } from '../../lib/engine/backend.js';
import { clipByGlobalNorm, decays, lrFactor, makeOptimizer } from '../../lib/train/optim.js';
import type { OptimizerConfig } from '../../lib/train/types.js';
import { pythonReference } from '../helpers/python.js';

const TORCH = pythonReference(['torch']);

// A tiny linear regression: 16 samples, 3 features → 2 outputs; gradients large enough to clip.
function problem(seed: number) {
  const rng = new Rng(seed);
  const x = Array.from({ length: 16 }, () => Array.from({ length: 3 }, () => rng.normal(0, 2)));
  const y = x.map((r) => [r[0] * 3 - r[1] + 5, r[2] * 2 - 4]);
  const w0 = Array.from({ length: 3 }, () => [rng.normal(), rng.normal()]);
  return { x, y, w0, b0: [0.5, -0.5] };
}

interface Traj { w: number[]; b: number[]; loss: number }

function runTfjs(p: ReturnType<typeof problem>, optimizer: OptimizerConfig, steps: number, clip: number) {
  const w = tf.variable(tf.tensor2d(p.w0), true, `lin${optimizer.name}${clip}/kernel`);
  const b = tf.variable(tf.tensor1d(p.b0), true, `lin${optimizer.name}${clip}/bias`);
  const x = tf.tensor2d(p.x);
  const y = tf.tensor2d(p.y);
  const opt = makeOptimizer(optimizer, [w, b]);
  const out: (Traj & { norm: number })[] = [];
  for (let s = 0; s < steps; s++) {
    const lr = optimizer.lr * lrFactor(s, steps, { kind: 'linear' });
    const [loss, norm] = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as tf.Scalar, [w, b]);
      const c = clipByGlobalNorm([grads[w.name], grads[b.name]], clip);
      opt.step(c.grads, lr);
      return [value, c.norm];
    });
    out.push({ w: Array.from(w.dataSync()), b: Array.from(b.dataSync()), loss: loss.dataSync()[0], norm: norm.dataSync()[0] });
    tf.dispose([loss, norm]);
  }
  opt.dispose();
  tf.dispose([w, b, x, y]);
  return out;
}

function runTorch(p: ReturnType<typeof problem>, optimizer: OptimizerConfig, steps: number, clip: number): Traj[] {
  const input = JSON.stringify({ ...p, optimizer, steps, clip });
  return TORCH.json([join(__dirname, 'torch_optim.py')], { input });
}

function maxRelDiff(a: Traj[], b: Traj[]): number {
  let m = 0;
  a.forEach((s, i) => {
    [...s.w, ...s.b].forEach((v, j) => {
      const r = [...b[i].w, ...b[i].b][j];
      m = Math.max(m, Math.abs(v - r) / Math.max(1, Math.abs(r)));
    });
  });
  return m;
}

describe('optimizers match PyTorch 1.13 step by step', () => {
  beforeAll(async () => {
    await initBackend();
  });
  const cases: [string, OptimizerConfig, number][] = [
    ['AdamW, weight decay on the kernel only, clipped', { name: 'adamw', lr: 0.05, weightDecay: 0.1 }, 1.0],
    ['AdamW, large decay (level-2 setting wd = 1), no clipping', { name: 'adamw', lr: 0.02, weightDecay: 1, betas: [0.8, 0.99] }, 0],
    ['RAdam + Lookahead (Ranger), clipped', { name: 'ranger', lr: 0.05 }, 1.0],
    ['RAdam + Lookahead with L2 decay', { name: 'ranger', lr: 0.03, weightDecay: 0.05 }, 0],
  ];
  it.skipIf(!TORCH.ok).each(cases)('%s', (_name, optimizer, clip) => {
    const p = problem(7);
    const steps = 30; // RAdam switches from the momentum step to the rectified step at t = 6
    const ours = runTfjs(p, optimizer, steps, clip);
    const ref = runTorch(p, optimizer, steps, clip);
    expect(ours).toHaveLength(ref.length);
    expect(maxRelDiff(ours, ref)).toBeLessThan(1e-5);
    // The parameters moved (the comparison is not between two unchanged copies).
    expect(Math.abs(ours[steps - 1].w[0] - p.w0[0][0])).toBeGreaterThan(0.05);
    if (clip > 0) expect(ours.some((s) => s.norm > clip)).toBe(true); // clipping was active
  });
});

describe('schedule', () => {
  it('linear: full rate at step 0, lr/total at the last step, 0 at total', () => {
    expect(lrFactor(0, 10, { kind: 'linear' })).toBe(1);
    expect(lrFactor(9, 10, { kind: 'linear' })).toBeCloseTo(0.1, 15);
    expect(lrFactor(10, 10, { kind: 'linear' })).toBe(0);
  });
  it('cosine: half a period from 1 to 0', () => {
    expect(lrFactor(0, 100, { kind: 'cosine' })).toBe(1);
    expect(lrFactor(50, 100, { kind: 'cosine' })).toBeCloseTo(0.5, 15);
    expect(lrFactor(25, 100, { kind: 'cosine' })).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 15);
  });
  it('warmup in steps or as a fraction, then decay over the remaining steps', () => {
    expect(lrFactor(0, 110, { kind: 'linear', warmup: 10 })).toBe(0);
    expect(lrFactor(5, 110, { kind: 'linear', warmup: 10 })).toBe(0.5);
    expect(lrFactor(60, 110, { kind: 'linear', warmup: 10 })).toBe(0.5);
    expect(lrFactor(5, 100, { kind: 'cosine', warmup: 0.1 })).toBe(0.5);
    expect(lrFactor(55, 100, { kind: 'cosine', warmup: 0.1 })).toBeCloseTo(0.5, 15);
    expect(lrFactor(55, 100, { kind: 'constant', warmup: 0.1 })).toBe(1);
  });
});

describe('gradient clipping and weight-decay selection', () => {
  it('scales by max/(norm + 1e-6) only when the global norm exceeds max', () => {
    const [a, b] = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])]; // global norm 5
    const c = clipByGlobalNorm([a, b], 1);
    expect(c.norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(Array.from(c.grads[1].dataSync())[1]).toBeCloseTo((4 * 1) / (5 + 1e-6), 6);
    const d = clipByGlobalNorm([a, b], 10);
    expect(Array.from(d.grads[0].dataSync())).toEqual([3, 0]);
    tf.dispose([a, b, c.norm, d.norm, ...c.grads, ...d.grads]);
  });
  it('biases and batch-norm betas get no weight decay', () => {
    expect(decays('dense_1/kernel')).toBe(true);
    expect(decays('dense_1/bias')).toBe(false);
    expect(decays('batch_normalization/gamma')).toBe(true);
    expect(decays('batch_normalization/beta')).toBe(false);
    expect(decays('lstm/recurrent_kernel')).toBe(true);
  });
});
