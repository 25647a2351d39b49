import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/core/rng.js';
import { buildCoordsModel, featureSize, maskedMse } from '../../lib/coords/model.js';
import { SoftArgmax2D } from '../../lib/coords/layers.js';
import { loadModel, saveModel } from '../../lib/engine/io.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coordsErrors, seriesError } from '../../lib/coords/metrics.js';

describe('coords loss', () => {
  it('is the MSE of ×100 coordinates over present entries only (hand-worked)', () => {
    // Row 0: all 10 present, every error 0.01 → (1)² each. Row 1: only level 0 present, errors 0.1 → 10² each.
    // Present entries: 10 + 2 = 12; sum = 10·1 + 2·100 = 210 → 17.5. The reference would divide by 20 → 10.5.
    const pred = tf.tensor2d([[...Array(10).fill(0.5)], [0.6, 0.6, ...Array(8).fill(0.3)]]);
    const target = tf.tensor2d([[...Array(10).fill(0.49)], [0.5, 0.5, ...Array(8).fill(-1)]]);
    expect(maskedMse(pred, target).arraySync()).toBeCloseTo(17.5, 3);
    const none = tf.tensor2d([Array(10).fill(-1)]);
    expect(maskedMse(tf.tensor2d([Array(10).fill(0.5)]), none).arraySync()).toBe(0);
    tf.dispose([pred, target, none]);
  });

  it('gives zero gradient to masked outputs', () => {
    const target = tf.tensor2d([[0.2, 0.3, -1, -1, 0.5, 0.5, -1, -1, -1, -1]]);
    const g = tf.grad((p: tf.Tensor) => maskedMse(p, target))(tf.fill([1, 10], 0.4));
    const gv = Array.from(g.dataSync());
    expect(gv.map((v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0)).toEqual([2, 3, 6, 7, 8, 9]);
    // d/dp of (100p − 100t)²/n = 2·100²·(p − t)/n with n = 4 present entries: p − t = 0.2 → 1000.
    expect(gv[0]).toBeCloseTo(1000, 1);
    tf.dispose([target, g]);
  });
});

describe('coords model', () => {
  it('maps [B, S, S, 1] to [B, 10] in (0, 1), seeded, with the feature map the config says', () => {
    const cfg = { imageSize: 64, backbone: 'tiny' as const, head: 'flatten' as const, dropout: 0.2 };
    const a = buildCoordsModel(cfg, new Rng(1));
    const b = buildCoordsModel(cfg, new Rng(1));
    const x = tf.randomUniform([2, 64, 64, 1], 0, 1, 'float32', 3);
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    expect(ya.shape).toEqual([2, 10]);
    for (const v of ya.dataSync()) expect(v > 0 && v < 1).toBe(true);
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    // tiny: stem /2 → 32, two stride-2 stages → 8; flatten 8·8·32 → Dense(10).
    expect(featureSize(cfg)).toBe(8);
    expect(a.getLayer('coords').getWeights()[0].shape).toEqual([8 * 8 * 32, 10]);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });
});

describe('soft-argmax head', () => {
  it('gives the expected pixel-centre position of each map (closed form)', () => {
    // Map 0: one dominant logit at row 1, col 2 of a 3×4 map → ((2 + 0.5)/4, (1 + 0.5)/3).
    // Map 1: uniform → the mean of the centres = (0.5, 0.5).
    // Map 2: two equal peaks at (0, 0) and (2, 3) → the midpoint of (0.125, 1/6) and (0.875, 5/6).
    const x = new Float32Array(3 * 4 * 3);
    x[(1 * 4 + 2) * 3 + 0] = 60;
    x[0 * 3 + 2] = 60;
    x[(2 * 4 + 3) * 3 + 2] = 60;
    const out = new SoftArgmax2D({}).apply(tf.tensor4d(x, [1, 3, 4, 3])) as tf.Tensor;
    const v = Array.from(out.dataSync());
    [2.5 / 4, 1.5 / 3, 0.5, 0.5, 0.5, 0.5].forEach((e, i) => expect(v[i]).toBeCloseTo(e, 5));
    out.dispose();
  });

  it('builds, trains a step and survives save/load with identical outputs', async () => {
    const cfg = { imageSize: 32, backbone: 'tiny' as const, head: 'softargmax' as const, dropout: 0 };
    const m = buildCoordsModel(cfg, new Rng(2));
    const x = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 5);
    const before = (m.predict(x) as tf.Tensor);
    expect(before.shape).toEqual([2, 10]);
    const dir = mkdtempSync(join(tmpdir(), 'coords-model-'));
    await saveModel(m, dir);
    const { model } = await loadModel(dir);
    const after = model.predict(x) as tf.Tensor;
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    // The loss gradient reaches the first conv through the soft-argmax.
    const target = tf.fill([2, 10], 0.3);
    const { grads } = tf.variableGrads(() => maskedMse(m.apply(x, { training: true }) as tf.Tensor, target));
    const first = Object.values(grads)[0];
    expect(tf.max(tf.abs(first)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, before, after, target, ...Object.values(grads)]);
    m.dispose();
    model.dispose();
  });
});

describe('coords errors', () => {
  it('reports the mean error in %, per-series errors and the share above 3/4/5 % (hand-worked)', () => {
    const t0 = Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const t1 = Float32Array.from([0.2, 0.2, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN]);
    const t2 = Float32Array.from(Array(10).fill(NaN)); // unlabelled: no error, not counted
    const preds = Float32Array.from([
      ...Array(10).fill(0.52), // series 0: 2 % everywhere
      0.25, 0.26, ...Array(8).fill(0.9), // series 1: (5 + 6)/2 = 5.5 %
      ...Array(10).fill(0.1),
    ]);
    const e = coordsErrors([t0, t1, t2], preds);
    expect(e.nSeries).toBe(2);
    expect(e.perSeries[0]).toBeCloseTo(2, 4);
    expect(e.perSeries[1]).toBeCloseTo(5.5, 4);
    expect(Number.isNaN(e.perSeries[2])).toBe(true);
    expect(e.meanError).toBeCloseTo((10 * 2 + 5 + 6) / 12, 4); // pooled over present coordinates
    expect(e.over).toEqual({ 3: 0.5, 4: 0.5, 5: 0.5 });
    expect(seriesError([-1, 0.3], [0.9, 0.31])).toBeCloseTo(1, 4); // −1 = missing, as the reference
  });
});
