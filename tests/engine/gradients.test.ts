import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { initBackend } from '../../lib/engine/index.js';
import { randn, relErr, type Raw } from './compare.js';
import { convNet, depthwiseNet, mlp, seqNet, softmaxCe } from './models.js';

// Whole-model check: the same weights and batch on cpu and on wasm (with our kernels) give the
// same loss and the same gradient for every trainable variable (relative error ≤ 1e-4).
async function lossAndGrads(backend: 'cpu' | 'wasm', build: () => tf.LayersModel, weights: Float32Array[] | null, x: Raw, labels: number[]) {
  await initBackend(backend);
  await tf.setBackend(backend);
  const model = build();
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const xs = tf.tensor(x.data, x.shape);
  const ys = tf.tensor(labels, undefined, 'int32');
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const { value, grads } = tf.variableGrads(() => softmaxCe(model.apply(xs, { training: true }) as tf.Tensor, ys), vars);
  const out = {
    weights: model.getWeights().map((w) => Float32Array.from(w.dataSync())),
    loss: value.dataSync()[0],
    grads: vars.map((v) => ({ name: v.name, data: Float32Array.from(grads[v.name].dataSync()) })),
  };
  tf.dispose([xs, ys, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

const cases: Array<[string, () => tf.LayersModel, number[], number]> = [
  ['conv + BN + max pool + residual', () => convNet(16), [3, 16, 16, 3], 3],
  ['depthwise / separable + relu6 + avg pool', () => depthwiseNet(16), [3, 16, 16, 3], 3],
  ['2.5-D: folded CNN + BiGRU', () => seqNet(4, 16, 3, 'gru'), [2, 4, 16, 16, 3], 8],
  ['2.5-D: folded CNN + BiLSTM', () => seqNet(3, 12, 3, 'lstm'), [2, 3, 12, 12, 3], 6],
  ['row-wise MLP', () => mlp(5, 6, 32, 3), [4, 5, 6], 20],
];

describe('gradients through whole models, wasm vs cpu', () => {
  it.each(cases)('%s', async (_, build, shape, nLabels) => {
    const rng = new Rng(shape.length * 100 + nLabels);
    const x = randn(rng, shape);
    const labels = Array.from({ length: nLabels }, () => rng.int(0, 2));
    const cpu = await lossAndGrads('cpu', build, null, x, labels);
    const wasm = await lossAndGrads('wasm', build, cpu.weights, x, labels);
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
    expect(wasm.grads.length).toBe(cpu.grads.length);
    for (let i = 0; i < cpu.grads.length; i++) {
      const err = relErr(wasm.grads[i].data, cpu.grads[i].data);
      expect(err, `${cpu.grads[i].name}`).toBeLessThanOrEqual(1e-4);
    }
  });
});
