import * as tf from '@tensorflow/tfjs';
import { fastBatchNorm, foldTime, unfoldTime } from '../../lib/engine/index.js';

// Small members of each model family we train, for gradient and training tests.
type S = tf.SymbolicTensor;
const ap = (layer: tf.layers.Layer, x: S | S[]) => layer.apply(x) as S;

/** conv + BN (fast and stock) + max pool + residual + 1×1 s2 shortcut + valid conv + GAP + dense (16 → 8 → 4 → 2). */
export function convNet(size = 16, classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = ap(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }), input);
  x = ap(tf.layers.reLU(), ap(fastBatchNorm(), x));
  x = ap(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), x);
  let y = ap(tf.layers.conv2d({ filters: 12, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), x);
  y = ap(tf.layers.reLU(), ap(tf.layers.batchNormalization(), y));
  y = ap(tf.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same' }), y);
  const sc = ap(fastBatchNorm(), ap(tf.layers.conv2d({ filters: 12, kernelSize: 1, strides: 2, padding: 'same', useBias: false }), x));
  x = ap(tf.layers.reLU(), ap(tf.layers.add(), [y, sc]));
  x = ap(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'valid', activation: 'relu' }), x);
  x = ap(tf.layers.globalAveragePooling2d({}), x);
  return tf.model({ inputs: input, outputs: ap(tf.layers.dense({ units: classes }), x) });
}

/** Depthwise / separable (MobileNet-style) block with relu6 and average pooling. */
export function depthwiseNet(size = 16, classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = ap(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }), input);
  x = ap(tf.layers.reLU({ maxValue: 6 }), ap(fastBatchNorm(), x));
  x = ap(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: false }), x);
  x = ap(tf.layers.reLU(), ap(fastBatchNorm(), x));
  x = ap(tf.layers.separableConv2d({ filters: 10, kernelSize: 3, padding: 'same' }), x);
  x = ap(tf.layers.averagePooling2d({ poolSize: 2 }), x);
  x = ap(tf.layers.flatten(), x);
  return tf.model({ inputs: input, outputs: ap(tf.layers.dense({ units: classes }), x) });
}

/** 2.5-D: frames folded into the batch → shared CNN → unfold → BiGRU (or BiLSTM) → per-frame dense. */
export function seqNet(frames = 3, size = 16, classes = 3, cell: 'gru' | 'lstm' = 'gru'): tf.LayersModel {
  const input = tf.input({ shape: [frames, size, size, 3] });
  let x = ap(foldTime(), input);
  x = ap(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), x);
  x = ap(tf.layers.reLU(), ap(fastBatchNorm(), x));
  x = ap(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), x);
  x = ap(tf.layers.globalAveragePooling2d({}), x);
  x = ap(unfoldTime({ frames }), x);
  const rnn = cell === 'gru'
    ? tf.layers.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' })
    : tf.layers.lstm({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' });
  x = ap(tf.layers.bidirectional({ layer: rnn as tf.RNN, mergeMode: 'concat' }), x);
  return tf.model({ inputs: input, outputs: ap(tf.layers.dense({ units: classes }), x) });
}

/** Level-2-style MLP: row-wise dense → leaky ReLU → dense. */
export function mlp(rows = 5, features = 6, hidden = 32, classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [rows, features] });
  let x = ap(tf.layers.dense({ units: hidden }), input);
  x = ap(tf.layers.leakyReLU({ alpha: 0.05 }), x);
  return tf.model({ inputs: input, outputs: ap(tf.layers.dense({ units: classes }), x) });
}

/** Mean softmax cross-entropy over every leading position; `labels` are class indices. */
export function softmaxCe(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const c = logits.shape[logits.shape.length - 1];
  const flat = logits.reshape([-1, c]);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels.reshape([-1]).toInt(), c), flat) as tf.Scalar;
}
