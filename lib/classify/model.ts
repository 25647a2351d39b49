/**
 * The 2.5-D crop classifiers: a CNN shared across frames (time folded into the batch), per-frame
 * features, then bidirectional LSTM heads over frame ranges (reference `ClsModel`, §5.4).
 */
import * as tf from '@tensorflow/tfjs';
import { applyChosenBackbone, ARCHS, describeTimmBackbone, isTimmBackbone, type BackboneSummary } from '../backbones/index.js';
import { Rng } from '../core/rng.js';
import { FastBatchNorm, FoldTime, UnfoldTime } from '../engine/layers.js';
import { FrameRange } from './layers.js';
import type { ClassifyModelConfig, ClassifyTarget, CnnEncoderConfig, EncoderConfig, HeadConfig } from './presets.js';

/** Inclusive frame ranges [first, last] of the three `lstm_side` heads. */
export interface HeadRanges {
  /** Patient's right = low slice indices: [0, mid]. */
  right: [number, number];
  /** [mid − delta, mid + delta], read by the SCS head. */
  centre: [number, number];
  /** Patient's left = high slice indices: [mid, n − 1]. */
  left: [number, number];
}

/**
 * Reference ranges with mid = floor(n/2): n = 13, delta = 2 → right [0, 6], centre [4, 8], left [6, 12].
 * Both side heads see 7 frames for n = 13 (the README's "first/last 5" is wrong, §11 item 14).
 */
export function headRanges(nFrames: number, delta: number): HeadRanges {
  const mid = Math.floor(nFrames / 2);
  if (!Number.isInteger(delta) || delta < 0 || mid - delta < 0 || mid + delta > nFrames - 1) {
    throw new RangeError(`headRanges: delta ${delta} does not fit ${nFrames} frames (mid ${mid})`);
  }
  return { right: [0, mid], centre: [mid - delta, mid + delta], left: [mid, nFrames - 1] };
}

/**
 * Hyper-parameters saved with the weights (ENGINE `saveModel` meta) and read back by OOF and
 * inference, so every stage uses the frames and ranges the model was trained with.
 */
export interface ClassifyModelMeta {
  /** Marks a crop-classifier checkpoint (the loop's own `kind` field says logits/probabilities). */
  stage: 'classify';
  name: string;
  target: ClassifyTarget;
  nFrames: number;
  imageSize: number;
  head: HeadConfig;
  /** Present for `lstm_side`. */
  ranges?: HeadRanges;
  encoder: EncoderConfig;
  /** Output shape per sample: [5, 3] (all targets, CLASSES_CROP order) or [3] (SCS). */
  outputShape: number[];
}

export function modelMeta(cfg: ClassifyModelConfig): ClassifyModelMeta {
  return {
    stage: 'classify',
    name: cfg.name,
    target: cfg.target,
    nFrames: cfg.nFrames,
    imageSize: cfg.imageSize,
    head: cfg.head,
    ranges: cfg.head.kind === 'lstm_side' ? headRanges(cfg.nFrames, cfg.head.delta) : undefined,
    encoder: cfg.encoder,
    outputShape: cfg.target === 'all' ? [5, 3] : [3],
  };
}

class Seeds {
  constructor(private readonly rng: Rng) {}
  next(): number {
    return this.rng.int(0, 2 ** 31 - 1);
  }
}

function convBnRelu(x: tf.SymbolicTensor, filters: number, stride: number, seeds: Seeds, name: string, relu = true): tf.SymbolicTensor {
  let y = tf.layers.conv2d({
    filters, kernelSize: 3, strides: stride, padding: 'same', useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed: seeds.next() }), name: `${name}_conv`,
  }).apply(x) as tf.SymbolicTensor;
  y = new FastBatchNorm({ momentum: 0.9, epsilon: 1e-5, name: `${name}_bn` }).apply(y) as tf.SymbolicTensor;
  return relu ? (tf.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(y) as tf.SymbolicTensor) : y;
}

/** Features per frame: the last width of a small CNN, timm's num_features for a timm backbone. */
export function encoderFeatures(cfg: EncoderConfig): number {
  return isTimmBackbone(cfg) ? ARCHS[cfg.arch].features : cfg.widths[cfg.widths.length - 1];
}

/** The encoder row of the notebook's model table (a small CNN: its widths and parameter count, no pretrained weights). */
export function describeEncoder(cfg: EncoderConfig, imageSize: number): BackboneSummary {
  if (isTimmBackbone(cfg)) return describeTimmBackbone(cfg, imageSize);
  const input = tf.input({ shape: [imageSize, imageSize, 3] });
  const probe = tf.model({ inputs: input, outputs: cnnEncoder(input, cfg, new Seeds(new Rng(0))) });
  const params = probe.countParams();
  probe.dispose();
  return { arch: `CNN ${cfg.widths.join('-')}${cfg.residual ? ' residual' : ''}`, imgSize: imageSize, params, features: encoderFeatures(cfg), pretrained: null };
}

/** Per-frame encoder: `[N, S, S, 3]` → `[N, C]` with C = last width. */
function cnnEncoder(x: tf.SymbolicTensor, cfg: CnnEncoderConfig, seeds: Seeds): tf.SymbolicTensor {
  let y = convBnRelu(x, cfg.widths[0], 2, seeds, 'stem');
  cfg.widths.slice(1).forEach((w, i) => {
    y = convBnRelu(y, w, 2, seeds, `stage${i + 1}`);
    if (cfg.residual) {
      const r = convBnRelu(convBnRelu(y, w, 1, seeds, `stage${i + 1}_res_a`), w, 1, seeds, `stage${i + 1}_res_b`, false);
      y = tf.layers.activation({ activation: 'relu', name: `stage${i + 1}_res_relu` })
        .apply(tf.layers.add({ name: `stage${i + 1}_res_add` }).apply([y, r])) as tf.SymbolicTensor;
    }
  });
  return tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as tf.SymbolicTensor;
}

/**
 * PyTorch's LSTM initialisation: every weight and bias uniform in ±1/√hidden.
 * Porting note: Keras would use glorot / orthogonal / unit forget bias; we follow the reference's torch.
 */
const torchLstmInit = (hidden: number, seed: number) => tf.initializers.randomUniform({ minval: -1 / Math.sqrt(hidden), maxval: 1 / Math.sqrt(hidden), seed });

/** BiLSTM (hidden C/4, sequences) → concat(mean over time, max over time) = C features. */
function lstmPool(seq: tf.SymbolicTensor, features: number, seeds: Seeds, name: string): tf.SymbolicTensor {
  const units = Math.max(1, Math.floor(features / 4));
  const lstm = tf.layers.lstm({
    units, returnSequences: true, recurrentActivation: 'sigmoid',
    kernelInitializer: torchLstmInit(units, seeds.next()), recurrentInitializer: torchLstmInit(units, seeds.next()),
    biasInitializer: torchLstmInit(units, seeds.next()), name: `${name}_lstm`,
  });
  const h = tf.layers.bidirectional({ layer: lstm, mergeMode: 'concat', name: `${name}_bilstm` }).apply(seq) as tf.SymbolicTensor;
  const mean = tf.layers.globalAveragePooling1d({ name: `${name}_mean` }).apply(h) as tf.SymbolicTensor;
  const max = tf.layers.globalMaxPooling1d({ name: `${name}_max` }).apply(h) as tf.SymbolicTensor;
  return tf.layers.concatenate({ name: `${name}_pool` }).apply([mean, max]) as tf.SymbolicTensor;
}

function dense(x: tf.SymbolicTensor, units: number, seeds: Seeds, name: string): tf.SymbolicTensor {
  return tf.layers.dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.next() }), name }).apply(x) as tf.SymbolicTensor;
}

/**
 * Build the classifier for `meta`. Input `[B, nFrames, S, S, 3]` in [0, 1] (NHWC frames, the 3 channels
 * of a frame = 3 adjacent slices; no mean/std normalisation, as the reference, §11 item 22). Output:
 * logits `[B, 5, 3]` in CLASSES_CROP order [SCS, L-NFN, R-NFN, L-SS, R-SS] (all targets) or `[B, 3]` (SCS).
 *
 * `lstm_side` (reference table §5.4): centre head → SCS; left head → [L-NFN, L-SS]; right head →
 * [R-NFN, R-SS]. Each side head's Linear(C → 6) is written as two Linear(C → 3) (same function).
 */
export function buildClassifier(meta: ClassifyModelMeta, rng: Rng): tf.LayersModel {
  const seeds = new Seeds(rng);
  const { nFrames: T, imageSize: S } = meta;
  const input = tf.input({ shape: [T, S, S, 3], name: 'frames' });
  const folded = new FoldTime({ name: 'fold_time' }).apply(input) as tf.SymbolicTensor;
  // A timm backbone is one layer ('encoder') applied to the B·T frames: pooled features, as the
  // reference's encoder with global_pool="" followed by its "avg" pooling.
  const feats = isTimmBackbone(meta.encoder)
    ? applyChosenBackbone(meta.encoder, folded, { output: 'pooled', seed: seeds.next(), name: 'encoder' })
    : cnnEncoder(folded, meta.encoder, seeds);
  const C = encoderFeatures(meta.encoder);
  const seq = new UnfoldTime({ frames: T, name: 'unfold_time' }).apply(feats) as tf.SymbolicTensor;
  let out: tf.SymbolicTensor;
  if (meta.head.kind === 'lstm') {
    out = dense(lstmPool(seq, C, seeds, 'all'), 3, seeds, 'scs_logits');
  } else {
    const r = meta.ranges ?? headRanges(T, meta.head.delta);
    const pooled = (name: 'centre' | 'left' | 'right') =>
      lstmPool(new FrameRange({ start: r[name][0], end: r[name][1], name: `${name}_frames` }).apply(seq) as tf.SymbolicTensor, C, seeds, name);
    const centre = pooled('centre');
    const left = pooled('left');
    const right = pooled('right');
    const parts = [
      dense(centre, 3, seeds, 'scs_logits'),
      dense(left, 3, seeds, 'left_nfn_logits'),
      dense(right, 3, seeds, 'right_nfn_logits'),
      dense(left, 3, seeds, 'left_ss_logits'),
      dense(right, 3, seeds, 'right_ss_logits'),
    ];
    const flat = tf.layers.concatenate({ name: 'logits_flat' }).apply(parts) as tf.SymbolicTensor;
    out = tf.layers.reshape({ targetShape: [5, 3], name: 'logits' }).apply(flat) as tf.SymbolicTensor;
  }
  const model = tf.model({ inputs: input, outputs: out, name: meta.name });
  reseedBackwardLstms(model, rng);
  return model;
}

/**
 * tf.layers.bidirectional clones the forward LSTM's config for the backward one, seeds included, so
 * both directions would start from identical weights. Redraw the backward weights with new seeds.
 */
function reseedBackwardLstms(model: tf.LayersModel, rng: Rng): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Bidirectional') continue;
    const w = layer.getWeights();
    const half = w.length / 2;
    const units = w[1].shape[0]; // recurrent kernel [units, 4·units]
    const fresh = w.map((t, i) => (i < half ? t : torchLstmInit(units, rng.int(0, 2 ** 31 - 1)).apply(t.shape)));
    layer.setWeights(fresh);
    tf.dispose(fresh.slice(half));
  }
}
