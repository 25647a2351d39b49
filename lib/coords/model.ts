/**
 * The coordinates model (reference §4.4–4.5): a CNN backbone and a head giving five (u, v) disc
 * centres relative to the image, in LEVELS order [u_L1L2, v_L1L2, …] (reference: flattened spatial
 * features, dropout, Dense(10) with a sigmoid). Loss: masked MSE on ×100 coordinates.
 *
 * The backbone is either a timm architecture (lib/backbones: the reference's `coatnet_rmlp_2_rw_384`,
 * from ImageNet weights when the config names a file) fed the gray image as 3 identical channels,
 * as the reference reads its PNGs, or a small residual CNN trained from scratch on 1 channel.
 * Porting note: the CPU presets use the small CNNs (a 73 M-parameter CoAtNet at 384 px does not
 * train on 2 CPU cores). Inputs are in [0, 1] with no mean/std normalisation either way, the
 * reference's convention (§11 item 22), although the CoAtNet weights were trained on (x − 0.5)/0.5.
 */
import * as tf from '@tensorflow/tfjs';
import { applyChosenBackbone, describeTimmBackbone, isTimmBackbone, type BackboneSummary, type TimmBackbone } from '../backbones/index.js';
import { fastBatchNorm } from '../engine/layers.js';
import type { Rng } from '../core/rng.js';
import { SoftArgmax2D } from './layers.js';
import { N_POINTS } from './types.js';

/** A residual CNN: a 3×3 stem, then stages of basic blocks, each stage opening with a stride. */
export interface BackboneConfig {
  /** Stem channels (3×3 conv, stride 2). */
  stem: number;
  /** Channels of each stage. */
  widths: readonly number[];
  /** Basic blocks per stage. */
  depths: readonly number[];
  /** Stride of each stage's first block (1 or 2). */
  strides: readonly number[];
}

export const BACKBONES = {
  /** CI: seconds per epoch at 64 px. */
  tiny: { stem: 8, widths: [16, 32], depths: [1, 1], strides: [2, 2] },
  /** CPU/WASM: stride 16, ~0.2 M parameters. */
  small: { stem: 16, widths: [24, 48, 96], depths: [1, 1, 1], strides: [2, 2, 2] },
} as const satisfies Record<string, BackboneConfig>;
export type BackboneName = keyof typeof BACKBONES;

/**
 * `flatten`: the reference head, Flatten → Dropout → Dense(10, sigmoid).
 * `softargmax`: a 1×1 conv to 5 heat maps → spatial soft-argmax (expected position, in (0, 1)).
 * Porting note: flatten learns one weight per position and coordinate; trained from scratch on a
 * few hundred images within a CPU budget of ~100–200 steps per fold it does not converge (synthetic
 * demo set, 96 steps per fold: 13.1 % OOF error, worse than predicting the mean position), while the
 * translation-equivariant soft-argmax head reached 3.0 % with the same budget. The CPU presets use
 * soft-argmax; `reference` keeps flatten (on the CoAtNet map: 1024 × 12 × 12 = 147,456 features,
 * flattened channel-major as torch's `x.view(B, -1)` of an NCHW map).
 */
export type CoordsHead = 'flatten' | 'softargmax';

export interface CoordsModelConfig {
  /** Square input size in pixels (reference 384). */
  imageSize: number;
  /** A small CNN from scratch (by name or shape), or a timm architecture with optional pretrained weights. */
  backbone: BackboneName | BackboneConfig | TimmBackbone;
  head: CoordsHead;
  /** Dropout before the head (reference 0.2). */
  dropout: number;
}

export function backboneConfig(b: BackboneName | BackboneConfig | TimmBackbone): BackboneConfig {
  if (isTimmBackbone(b)) throw new Error(`coords backbone ${b.arch} is a timm architecture, not a residual CNN config`);
  if (typeof b !== 'string') return b;
  const c = BACKBONES[b];
  if (!c) throw new Error(`unknown coords backbone "${b}" (known: ${Object.keys(BACKBONES).join(', ')})`);
  return { stem: c.stem, widths: [...c.widths], depths: [...c.depths], strides: [...c.strides] };
}

/** Channels of the model input: 3 identical gray channels for a timm backbone (ImageNet layout), else 1. */
export function inputChannels(cfg: CoordsModelConfig): 1 | 3 {
  return isTimmBackbone(cfg.backbone) ? 3 : 1;
}

/** Spatial size of the final feature map for a square input. */
export function featureSize(cfg: CoordsModelConfig): number {
  if (isTimmBackbone(cfg.backbone)) return cfg.imageSize / 32;
  const b = backboneConfig(cfg.backbone);
  return b.strides.reduce((s, st) => Math.ceil(s / st), Math.ceil(cfg.imageSize / 2));
}

/** The backbone row of the notebook's configuration table. */
export function describeCoordsBackbone(cfg: CoordsModelConfig): BackboneSummary {
  if (isTimmBackbone(cfg.backbone)) return describeTimmBackbone(cfg.backbone, cfg.imageSize);
  const b = backboneConfig(cfg.backbone);
  const input = tf.input({ shape: [cfg.imageSize, cfg.imageSize, 1] });
  const probe = tf.model({ inputs: input, outputs: residualCnn(input, b, () => 0) });
  const params = probe.countParams();
  probe.dispose();
  const name = typeof cfg.backbone === 'string' ? `residual CNN "${cfg.backbone}"` : 'residual CNN';
  return { arch: `${name} ${JSON.stringify(b)}`, imgSize: cfg.imageSize, params, features: b.widths[b.widths.length - 1], pretrained: null };
}

/**
 * Build the model: input [B, S, S, C] in [0, 1] (C = {@link inputChannels}) → output [B, 10]
 * sigmoid. Initialisers are seeded from `rng`, so a fold's model is reproducible; a timm backbone
 * starts from its weights file when the config names one.
 */
export function buildCoordsModel(cfg: CoordsModelConfig, rng: Rng): tf.LayersModel {
  const seed = () => rng.int(0, 2 ** 31 - 1);
  const input = tf.input({ shape: [cfg.imageSize, cfg.imageSize, inputChannels(cfg)], name: 'image' });
  const x = isTimmBackbone(cfg.backbone)
    ? applyChosenBackbone(cfg.backbone, input, { output: 'map', seed: seed() })
    : residualCnn(input, backboneConfig(cfg.backbone), seed);
  const dropout = (t: tf.SymbolicTensor) => (cfg.dropout > 0 ? tf.layers.dropout({ rate: cfg.dropout, seed: seed() }).apply(t) as tf.SymbolicTensor : t);
  let out: tf.SymbolicTensor;
  if (cfg.head === 'softargmax') {
    const maps = tf.layers.conv2d({ filters: N_POINTS, kernelSize: 1, name: 'heatmaps', kernelInitializer: tf.initializers.glorotUniform({ seed: seed() }) }).apply(dropout(x)) as tf.SymbolicTensor;
    out = new SoftArgmax2D({ name: 'coords' }).apply(maps) as tf.SymbolicTensor;
  } else {
    // Reference pooling "flatten": keep the spatial layout, the head reads positions from it, in
    // torch's (C, H, W) order so a weight index means the same position and channel as there.
    const chw = tf.layers.permute({ dims: [3, 1, 2], name: 'to_chw' }).apply(x) as tf.SymbolicTensor;
    const h = dropout(tf.layers.flatten().apply(chw) as tf.SymbolicTensor);
    out = tf.layers.dense({
      units: 2 * N_POINTS, activation: 'sigmoid', name: 'coords',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed() }),
    }).apply(h) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: out, name: 'coords' });
}

/** The small residual CNN: a 3×3 stride-2 stem, then stages of basic blocks. */
function residualCnn(input: tf.SymbolicTensor, b: BackboneConfig, seed: () => number): tf.SymbolicTensor {
  if (b.widths.length !== b.depths.length || b.widths.length !== b.strides.length) {
    throw new Error(`coords backbone: widths, depths and strides must have the same length, got ${b.widths.length}/${b.depths.length}/${b.strides.length}`);
  }
  const conv = (filters: number, kernel: number, strides: number) =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: seed() }) });
  const bnRelu = (x: tf.SymbolicTensor, relu = true) => {
    const y = fastBatchNorm({ momentum: 0.9, epsilon: 1e-5 }).apply(x) as tf.SymbolicTensor;
    return relu ? (tf.layers.reLU().apply(y) as tf.SymbolicTensor) : y;
  };
  let x = bnRelu(conv(b.stem, 3, 2).apply(input) as tf.SymbolicTensor);
  let channels = b.stem;
  b.widths.forEach((width, s) => {
    for (let d = 0; d < b.depths[s]; d++) {
      const stride = d === 0 ? b.strides[s] : 1;
      let y = bnRelu(conv(width, 3, stride).apply(x) as tf.SymbolicTensor);
      y = bnRelu(conv(width, 3, 1).apply(y) as tf.SymbolicTensor, false);
      const shortcut = stride === 1 && channels === width ? x : bnRelu(conv(width, 1, stride).apply(x) as tf.SymbolicTensor, false);
      x = tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut])) as tf.SymbolicTensor;
      channels = width;
    }
  });
  return x;
}

/**
 * Masked MSE on ×100 coordinates: mean of (100·p − 100·t)² over the entries whose target is
 * present (t ≥ 0; missing = −1). `pred`, `target`: [B, 10].
 * Porting note: the reference's `sigmoid_mse` zeroes masked entries but still divides by all
 * B×5 points, so a sample with fewer labels weighs less (§11 item 11); we exclude them from the
 * denominator. An all-missing batch gives 0.
 */
export function maskedMse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const mask = tf.cast(tf.greaterEqual(target, 0), 'float32');
    const diff = tf.mul(tf.sub(pred, target), 100);
    const sq = tf.mul(tf.square(diff), mask);
    return tf.div(tf.sum(sq), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
