import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { FastBatchNorm, FoldTime, UnfoldTime, batchNormTraining, initBackend, pruneConvInputGradients, type Act } from '../../lib/engine/index.js';
import { compareBackends, randn, relErr } from './compare.js';

describe('FastBatchNorm', () => {
  it('matches tf.layers.batchNormalization: output, gradients and moving statistics (cpu)', async () => {
    await initBackend('cpu');
    const rng = new Rng(1);
    const raw = randn(rng, [4, 5, 6, 7]);
    const up = randn(rng, [4, 5, 6, 7]);
    const init = { gammaInitializer: tf.initializers.randomNormal({ mean: 1, stddev: 0.3, seed: 2 }), betaInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 3 }) };
    const stock = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3, ...init });
    const fast = new FastBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
    const x = tf.tensor(raw.data, raw.shape).mul(2).add(0.5);
    const dy = tf.tensor(up.data, up.shape);
    stock.build(x.shape);
    fast.build(x.shape);
    fast.setWeights(stock.getWeights());
    const vars = (layer: tf.layers.Layer) => layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const objective = (layer: tf.layers.Layer) => (xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, dy));
    const ys = (stock.apply(x, { training: true }) as tf.Tensor).dataSync();
    const yf = (fast.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(relErr(yf, ys)).toBeLessThan(1e-5);
    const dxs = tf.grad(objective(stock))(x);
    const dxf = tf.grad(objective(fast))(x);
    expect(relErr(dxf.dataSync(), dxs.dataSync())).toBeLessThan(1e-4);
    const vs = tf.variableGrads(() => objective(stock)(x) as tf.Scalar, vars(stock));
    const vf = tf.variableGrads(() => objective(fast)(x) as tf.Scalar, vars(fast));
    const gs = Object.values(vs.grads);
    const gf = Object.values(vf.grads);
    expect(gf).toHaveLength(2);
    for (let i = 0; i < 2; i++) expect(relErr(gf[i].dataSync(), gs[i].dataSync())).toBeLessThan(1e-4);
    // Same number of training calls on both → same moving statistics; inference output agrees.
    const ws = stock.getWeights();
    const wf = fast.getWeights();
    for (let i = 2; i < 4; i++) expect(relErr(wf[i].dataSync(), ws[i].dataSync())).toBeLessThan(1e-5);
    expect(relErr((fast.apply(x) as tf.Tensor).dataSync(), (stock.apply(x) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });

  /** Autodiff of the textbook formula, then the activation. */
  const textbook = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor, act?: Act) => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    const z = tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-3))), c), d);
    if (act === 'relu') return tf.relu(z);
    if (act === 'silu') return tf.mul(z, tf.sigmoid(z));
    return act === 'gelu' ? tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1)) : z;
  };

  for (const act of [undefined, 'relu', 'silu', 'gelu'] as const) {
    it(`closed-form backward equals autodiff of the textbook formula${act ? ` + ${act}` : ''}, on cpu and wasm`, async () => {
      const rng = new Rng(2);
      const inputs = [randn(rng, [3, 4, 4, 5]), randn(rng, [5]), randn(rng, [5]), randn(rng, [3, 4, 4, 5])];
      const grads = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, dy: tf.Tensor) => {
        const custom = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, c, d, 1e-3, act).y, dy)))([x, g, b]);
        const plain = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(textbook(a, c, d, act), dy)))([x, g, b]);
        return [...custom, ...plain];
      };
      const r = await compareBackends(inputs, grads);
      expect(r.err).toBeLessThanOrEqual(1e-4);
      for (const out of [r.cpu, r.wasm]) for (let i = 0; i < 3; i++) expect(relErr(out.values[i], out.values[i + 3])).toBeLessThan(1e-4);
    });
  }

  it('a tensor over 4 M elements is normalised in bands of rows, with the same values and gradients (wasm)', async () => {
    await initBackend('wasm');
    const rng = new Rng(3);
    const shape = [1, 130, 130, 256]; // 4.3 M floats: two bands
    const [x, g, b, dy] = [randn(rng, shape), randn(rng, [256]), randn(rng, [256]), randn(rng, shape)].map((a) => tf.tensor(a.data, a.shape));
    const loss = (f: (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, c, d), dy));
    const custom = tf.grads(loss((a, c, d) => batchNormTraining(a, c, d, 1e-3, 'silu').y))([x, g, b]);
    const plain = tf.grads(loss((a, c, d) => textbook(a, c, d, 'silu')))([x, g, b]);
    for (let i = 0; i < 3; i++) expect(relErr(custom[i].dataSync(), plain[i].dataSync())).toBeLessThan(1e-4);
    expect(relErr(batchNormTraining(x, g, b, 1e-3, 'silu').y.dataSync(), textbook(x, g, b, 'silu').dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, g, b, dy, ...custom, ...plain]);
  });
});

describe('FoldTime / UnfoldTime', () => {
  it('fold [B,T,...] into the batch and back, with symbolic shapes', async () => {
    await initBackend('cpu');
    const x = tf.range(0, 2 * 3 * 4).reshape([2, 3, 2, 2]);
    const f = new FoldTime().apply(x) as tf.Tensor;
    expect(f.shape).toEqual([6, 2, 2]);
    const u = new UnfoldTime({ frames: 3 }).apply(f) as tf.Tensor;
    expect(Array.from(u.dataSync())).toEqual(Array.from(x.dataSync()));
    const input = tf.input({ shape: [5, 8, 8, 3] });
    const folded = new FoldTime().apply(input) as tf.SymbolicTensor;
    expect(folded.shape).toEqual([null, 8, 8, 3]);
    const back = new UnfoldTime({ frames: 5 }).apply(tf.layers.globalAveragePooling2d({}).apply(folded)) as tf.SymbolicTensor;
    expect(back.shape).toEqual([null, 5, 3]);
    expect(() => new UnfoldTime({ frames: 4 }).apply(tf.zeros([6, 2]))).toThrow(/not a multiple/);
    expect(() => new UnfoldTime({ frames: 0 })).toThrow(/positive integer/);
  });
});

describe('pruneConvInputGradients', () => {
  // Two convs (a linear stride-2 stem with bias, which stock tf.layers runs fused, then one with a
  // relu): with pruning, a training step runs one Conv2DBackpropInput (the second conv's; the
  // stem's input is data), without it two; outputs and every weight gradient agree.
  it('skips the data-input gradient of the first conv and changes no result (wasm)', async () => {
    await initBackend('wasm');
    const rng = new Rng(9);
    const input = tf.input({ shape: [9, 10, 3] });
    const h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(input);
    const out = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'valid', activation: 'relu', useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const raw = randn(rng, [2, 9, 10, 3]);
    const x = tf.tensor(raw.data, raw.shape);
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const step = async (prune: boolean) => {
      pruneConvInputGradients(prune);
      const y = Float32Array.from((model.predict(x) as tf.Tensor).dataSync());
      let grads: Float32Array[] = [];
      const prof = await tf.profile(() => {
        const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)), vars);
        grads = vars.map((v) => Float32Array.from(g[v.name].dataSync()));
      });
      return { y, grads, dx: prof.kernels.filter((k) => k.name === 'Conv2DBackpropInput').length };
    };
    const stock = await step(false);
    const pruned = await step(true);
    expect(stock.dx).toBe(2);
    expect(pruned.dx).toBe(1);
    expect(relErr(pruned.y, stock.y)).toBeLessThan(1e-6);
    expect(pruned.grads).toHaveLength(3);
    for (let i = 0; i < 3; i++) expect(relErr(pruned.grads[i], stock.grads[i])).toBeLessThan(1e-5);
    model.dispose();
  });
});
