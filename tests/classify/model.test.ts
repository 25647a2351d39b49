import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClassifier, headRanges, modelMeta, type ClassifyModelMeta } from '../../lib/classify/model.js';
import { CLASSIFY_PRESETS, type ClassifyModelConfig } from '../../lib/classify/presets.js';
import { Rng } from '../../lib/core/rng.js';
import { loadModel, saveModel } from '../../lib/engine/io.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const small = (over: Partial<ClassifyModelConfig>): ClassifyModelConfig => ({
  ...CLASSIFY_PRESETS.tiny.models[0], imageSize: 16, encoder: { widths: [4, 8], residual: true }, ...over,
});

function frames(B: number, n: number, S: number, seed: number): tf.Tensor5D {
  const rng = new Rng(seed);
  return tf.tensor5d(Float32Array.from({ length: B * n * S * S * 3 }, () => rng.random()), [B, n, S, S, 3]);
}

describe('head ranges', () => {
  it('are the reference ranges (mid = floor(n/2))', () => {
    expect(headRanges(13, 2)).toEqual({ right: [0, 6], centre: [4, 8], left: [6, 12] });
    expect(headRanges(13, 1).centre).toEqual([5, 7]);
    expect(headRanges(5, 1)).toEqual({ right: [0, 2], centre: [1, 3], left: [2, 4] });
    expect(() => headRanges(3, 2)).toThrow(/delta 2/);
  });
});

describe('classifier', () => {
  it('outputs [B, 5, 3] logits (lstm_side) and [B, 3] (lstm)', () => {
    const all = buildClassifier(modelMeta(small({})), new Rng(1));
    const scs = buildClassifier(modelMeta(small({ target: 'scs', nFrames: 3, head: { kind: 'lstm' } })), new Rng(1));
    const x = frames(2, 5, 16, 0);
    const before = tf.memory().numTensors;
    const ya = all.predict(x) as tf.Tensor;
    const ys = scs.predict(frames(2, 3, 16, 0)) as tf.Tensor;
    expect(ya.shape).toEqual([2, 5, 3]);
    expect(ys.shape).toEqual([2, 3]);
    tf.dispose([ya, ys]);
    expect(tf.memory().numTensors).toBe(before + 1); // only the second input remains
  });

  it('each head reads only its frames: right [0,2] → R-NFN/R-SS, centre [1,3] → SCS, left [2,4] → L-NFN/L-SS', () => {
    const model = buildClassifier(modelMeta(small({})), new Rng(2));
    const x = frames(1, 5, 16, 3);
    const base = (model.predict(x) as tf.Tensor).arraySync() as number[][][];
    const changed = (frame: number): boolean[] => {
      const noise = tf.tidy(() => {
        const mask = tf.oneHot([frame], 5).reshape([1, 5, 1, 1, 1]);
        return tf.add(x, tf.mul(mask, tf.randomUniform([1, 5, 16, 16, 3], 0, 1, 'float32', 7)));
      });
      const y = (model.predict(noise) as tf.Tensor).arraySync() as number[][][];
      return y[0].map((row, c) => row.some((v, k) => Math.abs(v - base[0][c][k]) > 1e-6));
    };
    // Conditions: [SCS, L-NFN, R-NFN, L-SS, R-SS]
    expect(changed(0)).toEqual([false, false, true, false, true]);
    expect(changed(1)).toEqual([true, false, true, false, true]);
    expect(changed(2)).toEqual([true, true, true, true, true]);
    expect(changed(4)).toEqual([false, true, false, true, false]);
  });

  it('is reproducible from the seed, and the backward LSTMs do not start as copies of the forward ones', () => {
    const meta = modelMeta(small({}));
    const a = buildClassifier(meta, new Rng(5)).getWeights().map((w) => w.dataSync());
    const b = buildClassifier(meta, new Rng(5)).getWeights().map((w) => w.dataSync());
    a.forEach((w, i) => expect(w).toEqual(b[i]));
    const m = buildClassifier(meta, new Rng(5));
    const bi = m.getLayer('centre_bilstm');
    const w = bi.getWeights();
    expect(w[0].dataSync()).not.toEqual(w[3].dataSync());
  });

  it('saves and loads with its head hyper-parameters; the loaded model predicts the same', async () => {
    const meta: ClassifyModelMeta = modelMeta(small({ nFrames: 7, head: { kind: 'lstm_side', delta: 2 } }));
    const model = buildClassifier(meta, new Rng(9));
    const dir = mkdtempSync(join(tmpdir(), 'cls-'));
    await saveModel(model, dir, meta);
    const { model: back, meta: m2 } = await loadModel<ClassifyModelMeta>(dir);
    expect(m2?.ranges).toEqual({ right: [0, 3], centre: [1, 5], left: [3, 6] });
    expect(m2?.head).toEqual({ kind: 'lstm_side', delta: 2 });
    const cfg = back.getLayer('centre_frames').getConfig();
    expect([cfg.start, cfg.end]).toEqual([1, 5]);
    const x = frames(2, 7, 16, 4);
    const y1 = (model.predict(x) as tf.Tensor).dataSync();
    const y2 = (back.predict(x) as tf.Tensor).dataSync();
    y1.forEach((v, i) => expect(y2[i]).toBeCloseTo(v, 5));
  });
});
