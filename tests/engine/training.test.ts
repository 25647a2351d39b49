import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/index.js';
import { convNet, depthwiseNet, seqNet, softmaxCe } from './models.js';

// Real training on wasm: loss goes down, and no tensor or heap growth from step to step.
beforeAll(async () => {
  await initBackend('wasm');
});

function trainSteps(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, steps: number, onStep?: (i: number) => void): number[] {
  const opt = tf.train.adam(0.01);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(() => softmaxCe(model.apply(xs, { training: true }) as tf.Tensor, ys), true, vars)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    onStep?.(i);
  }
  opt.dispose();
  return losses;
}

describe('training on wasm', () => {
  it('conv + BiGRU model: loss goes down, tensor count and wasm heap stay flat', () => {
    expect(tf.getBackend()).toBe('wasm');
    const model = seqNet(4, 16, 3, 'gru');
    const xs = tf.randomNormal([4, 4, 16, 16, 3], 0, 1, 'float32', 1);
    const ys = tf.tensor(Array.from({ length: 16 }, (_, i) => i % 3), [4, 4], 'int32');
    const heap = () => ((tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length;
    const counts: number[] = [];
    const heaps: number[] = [];
    const losses = trainSteps(model, xs, ys, 25, () => {
      counts.push(tf.memory().numTensors);
      heaps.push(heap());
    });
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    // After the optimizer created its slots (step 0), nothing accumulates.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(heaps[heaps.length - 1]).toBe(heaps[3]);
    // Inference does not leak either.
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(xs));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('model.fit / trainOnBatch work for conv + BN + pool and depthwise models', async () => {
    for (const build of [() => convNet(16), () => depthwiseNet(16)]) {
      const model = build();
      model.compile({ optimizer: tf.train.adam(0.01), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, yp) });
      const xs = tf.randomNormal([6, 16, 16, 3], 0, 1, 'float32', 2);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
      const h = await model.fit(xs, ys, { epochs: 12, batchSize: 6, verbose: 0 });
      const loss = h.history.loss as number[];
      expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
      const n = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await model.trainOnBatch(xs, ys);
      expect(tf.memory().numTensors).toBe(n);
      tf.dispose([xs, ys]);
      model.dispose();
    }
  });
});
