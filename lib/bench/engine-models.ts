import * as tf from '@tensorflow/tfjs';
import { fastBatchNorm, foldTime, unfoldTime } from '../engine/index.js';

// The benchmark architectures, layer for layer the same as bench/torch_models.py (NHWC here, NCHW
// there). They stand for the pipeline's model families; the stages build their own models.

type S = tf.SymbolicTensor;
const ap = (layer: tf.layers.Layer, x: S | S[]) => layer.apply(x) as S;

export interface BenchSizes {
  /** (a) coords CNN: batch, image side. */
  coords: { batch: number; size: number; widths: number[] };
  /** (b) 2.5-D crop model: batch, frames, image side, CNN widths, GRU hidden. */
  crop: { batch: number; frames: number; size: number; widths: number[]; hidden: number };
  /** (c) level-2 MLP: batch, hidden. */
  mlp: { batch: number; hidden: number };
}

export const FULL: BenchSizes = {
  coords: { batch: 8, size: 128, widths: [32, 64, 128, 256] },
  crop: { batch: 4, frames: 7, size: 64, widths: [32, 64, 128], hidden: 32 },
  mlp: { batch: 128, hidden: 4096 },
};

/** CI smoke: the same code paths in seconds. */
export const QUICK: BenchSizes = {
  coords: { batch: 2, size: 32, widths: [8, 16] },
  crop: { batch: 2, frames: 3, size: 32, widths: [8, 16], hidden: 8 },
  mlp: { batch: 16, hidden: 64 },
};

/** Stem conv3×3/2 → BN → ReLU, then one basic residual block per width (first stride 1, then 2), GAP. */
function resnet(x: S, widths: number[]): S {
  const conv = (filters: number, k: number, s: number) => tf.layers.conv2d({ filters, kernelSize: k, strides: s, padding: 'same', useBias: false });
  const bn = (t: S) => ap(fastBatchNorm({ momentum: 0.9, epsilon: 1e-5 }), t);
  const relu = (t: S) => ap(tf.layers.reLU(), t);
  x = relu(bn(ap(conv(widths[0], 3, 2), x)));
  let c = widths[0];
  widths.forEach((w, i) => {
    const s = i === 0 ? 1 : 2;
    let y = relu(bn(ap(conv(w, 3, s), x)));
    y = bn(ap(conv(w, 3, 1), y));
    const sc = s === 1 && c === w ? x : bn(ap(conv(w, 1, s), x));
    x = relu(ap(tf.layers.add(), [y, sc]));
    c = w;
  });
  return ap(tf.layers.globalAveragePooling2d({}), x);
}

/** (a) coords-style CNN: image → 5 (x, y) pairs in [0, 1]. */
export function coordsModel(z: BenchSizes['coords']): tf.LayersModel {
  const input = tf.input({ shape: [z.size, z.size, 3] });
  const out = ap(tf.layers.dense({ units: 10, activation: 'sigmoid' }), resnet(input, z.widths));
  return tf.model({ inputs: input, outputs: out });
}

/** (b) 2.5-D crop model: frames folded into the batch → shared CNN → BiGRU → concat(mean, max) → 15 logits. */
export function cropModel(z: BenchSizes['crop']): tf.LayersModel {
  const input = tf.input({ shape: [z.frames, z.size, z.size, 3] });
  let x = resnet(ap(foldTime(), input), z.widths);
  x = ap(unfoldTime({ frames: z.frames }), x);
  x = ap(tf.layers.bidirectional({ layer: tf.layers.gru({ units: z.hidden, returnSequences: true, recurrentActivation: 'sigmoid' }) as tf.RNN }), x);
  const pooled = ap(tf.layers.concatenate(), [ap(tf.layers.globalAveragePooling1d({}), x), ap(tf.layers.globalMaxPooling1d({}), x)]);
  return tf.model({ inputs: input, outputs: ap(tf.layers.dense({ units: 15 }), pooled) });
}

/** Row groups of the level-2 model: SCS 5 rows × 12 features, NFN and SS 10 rows × 6 (Theo-only ft_dim). */
export const MLP_GROUPS = [{ rows: 5, features: 12 }, { rows: 10, features: 6 }, { rows: 10, features: 6 }];

/** (c) level-2 MLP: three row-wise heads Linear(f → hidden) → LeakyReLU(0.05) → Linear(hidden → 3), rows concatenated. */
export function mlpModel(z: BenchSizes['mlp']): tf.LayersModel {
  const inputs = MLP_GROUPS.map((g) => tf.input({ shape: [g.rows, g.features] }));
  const heads = inputs.map((inp) => {
    const h = ap(tf.layers.leakyReLU({ alpha: 0.05 }), ap(tf.layers.dense({ units: z.hidden }), inp));
    return ap(tf.layers.dense({ units: 3 }), h);
  });
  return tf.model({ inputs, outputs: ap(tf.layers.concatenate({ axis: 1 }), heads) });
}

/** Class-weighted softmax cross-entropy (weights 1, 2, 4; a weighted mean, as PyTorch's). */
export function weightedCe(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const flat = tf.reshape(logits, [-1, 3]);
    const y = tf.reshape(labels, [-1]);
    const w = tf.gather(tf.tensor1d([1, 2, 4]), y);
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(flat), tf.oneHot(y, 3)), -1));
    return tf.div(tf.sum(tf.mul(nll, w)), tf.sum(w)) as tf.Scalar;
  });
}
