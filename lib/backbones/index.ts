// Pretrainable image backbones: timm 0.9.2's CoAtNets (the seed's encoders), resnet18 and
// convnext_tiny, built in tfjs layers and loadable from timm/PyTorch weights.
import * as tf from '@tensorflow/tfjs';
import { existsSync, statSync } from 'node:fs';
import { ArtefactError, UsageError } from '../core/errors.js';
import { hasSavedModel, loadModel, saveModel } from '../engine/io.js';
import { COATNET_CONFIGS, coatnetFeatures } from './coatnet.js';
import { convnextTinyFeatures } from './convnext.js';
import { importTorchWeights, type ImportResult } from './import.js';
import { Net, type NetOptions } from './net.js';
import { resnet18Features } from './resnet.js';
import { readStateDict } from './weights/index.js';

export { importTorchWeights, torchSlots, type ImportResult } from './import.js';
export { readStateDict, type StateDict } from './weights/index.js';

export const BACKBONE_ARCHS = ['coatnet_1_rw_224', 'coatnet_2_rw_224', 'coatnet_rmlp_2_rw_384', 'resnet18', 'convnext_tiny'] as const;
export type BackboneArch = (typeof BACKBONE_ARCHS)[number];

export interface ArchInfo {
  /** timm's model name. */
  arch: BackboneArch;
  /** Input size of the ImageNet weights (the CoAtNets' relative-position tables are sized for it). */
  nativeSize: number;
  /** Channels of the final map and of the pooled features (timm num_features). */
  features: number;
  /** Pretrained weights on the Hugging Face hub: `https://huggingface.co/{hub}` holds `model.safetensors`. */
  hub: string;
}

export const ARCHS: Record<BackboneArch, ArchInfo> = {
  coatnet_1_rw_224: { arch: 'coatnet_1_rw_224', nativeSize: 224, features: 768, hub: 'timm/coatnet_1_rw_224.sw_in1k' },
  coatnet_2_rw_224: { arch: 'coatnet_2_rw_224', nativeSize: 224, features: 1024, hub: 'timm/coatnet_2_rw_224.sw_in12k_ft_in1k' },
  coatnet_rmlp_2_rw_384: { arch: 'coatnet_rmlp_2_rw_384', nativeSize: 384, features: 1024, hub: 'timm/coatnet_rmlp_2_rw_384.sw_in12k_ft_in1k' },
  resnet18: { arch: 'resnet18', nativeSize: 224, features: 512, hub: 'timm/resnet18.a1_in1k' },
  convnext_tiny: { arch: 'convnext_tiny', nativeSize: 224, features: 768, hub: 'timm/convnext_tiny.in12k_ft_in1k' },
};

export function archInfo(arch: string): ArchInfo {
  if (!(BACKBONE_ARCHS as readonly string[]).includes(arch)) throw new UsageError(`unknown backbone "${arch}" (known: ${BACKBONE_ARCHS.join(', ')})`);
  return ARCHS[arch as BackboneArch];
}

/**
 * Input sizes an architecture takes: multiples of 32 from 32 up. All five have output stride 32;
 * timm builds a CoAtNet for another `img_size` by sizing its relative-position tables for the
 * stage maps, which needs every stage to halve its map exactly.
 */
export function checkImageSize(arch: BackboneArch, size: number): void {
  if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) {
    throw new UsageError(`${arch}: input size ${size} is not supported (multiples of 32 from 32 up; ImageNet weights are for ${ARCHS[arch].nativeSize})`);
  }
}

export interface BuildBackboneOptions {
  /** Square input size; default the architecture's native size. */
  imgSize?: number;
  /**
   * `pooled`: [B, C], what timm's `create_model(arch, num_classes=0)` returns (global average
   * pool; for convnext_tiny also its head LayerNorm). `map`: [B, S/32, S/32, C], timm's
   * `forward_features` (for the CoAtNets after their final norm).
   */
  output?: 'pooled' | 'map';
  /** `random` (default) or `zeros` when weights will be imported over them. */
  init?: NetOptions['init'];
  /** Seed of the random initialisers. */
  seed?: number;
  /** Model name, also its layer name when nested in a bigger model. Default `backbone`. */
  name?: string;
}

/** A tfjs model `[B, S, S, 3]` → features, layers named as timm's modules (NHWC inputs, normalised as the weights expect). */
export function buildBackbone(arch: BackboneArch, opts: BuildBackboneOptions = {}): tf.LayersModel {
  const info = archInfo(arch);
  const size = opts.imgSize ?? info.nativeSize;
  checkImageSize(arch, size);
  let s = (opts.seed ?? 0) >>> 0;
  const net = new Net({ init: opts.init ?? 'random', seed: () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) });
  const name = opts.name ?? 'backbone';
  const input = tf.input({ shape: [size, size, 3], name: `${name}_image` });
  let x: tf.SymbolicTensor;
  if (arch === 'resnet18') x = resnet18Features(net, input);
  else if (arch === 'convnext_tiny') x = convnextTinyFeatures(net, input);
  else x = coatnetFeatures(net, input, size, COATNET_CONFIGS[arch]);
  if (opts.output !== 'map') {
    const pool = arch === 'resnet18' ? 'global_pool' : 'head.global_pool';
    x = net.gap(x, pool);
    if (arch === 'convnext_tiny') x = net.ln(x, 'head.norm', 1e-6);
  }
  return tf.model({ inputs: input, outputs: x, name });
}

/** Trainable + non-trainable parameter count, as timm counts `parameters()` (BatchNorm running statistics excluded). */
export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}

/** What a model's backbone is and where its weights came from (notebook tables, `--json`). */
export interface BackboneSummary {
  arch: string;
  imgSize: number;
  params: number;
  features: number;
  /** The weights file it started from, or null (random initialisation). */
  pretrained: string | null;
}

/**
 * Load weights into a freshly built backbone: a timm/PyTorch file (`.safetensors`, `.pth`, `.bin`)
 * or a folder where {@link saveBackbone} put an imported backbone before.
 */
export async function loadBackboneWeights(model: tf.LayersModel, path: string): Promise<ImportResult> {
  if (!existsSync(path)) throw new ArtefactError('backbone weights not found', { file: path });
  if (statSync(path).isDirectory()) {
    if (!hasSavedModel(path)) throw new ArtefactError('not a saved backbone (no model.json)', { file: path });
    const { model: saved } = await loadModel(path);
    try {
      const ours = model.weights.map((w) => w.originalName);
      const theirs = new Map(saved.weights.map((w) => [w.originalName, w]));
      const bad = ours.filter((n, i) => !theirs.has(n) || theirs.get(n)!.shape.join() !== model.weights[i].shape.join());
      if (bad.length || theirs.size !== ours.length) {
        throw new ArtefactError(`saved backbone does not fit ${model.name} (${bad.length ? `differs at ${bad.slice(0, 5).join(', ')}` : `${theirs.size} weights vs ${ours.length}`})`, { file: path });
      }
      model.weights.forEach((w, i) => w.write(theirs.get(ours[i])!.read()));
      return { loaded: ours.length, ignored: 0 };
    } finally {
      saved.dispose();
    }
  }
  return importTorchWeights(model, readStateDict(path), path);
}

/** Save an (imported) backbone in our model format, with its summary as meta. */
export async function saveBackbone(model: tf.LayersModel, dir: string, summary: BackboneSummary): Promise<void> {
  await saveModel(model, dir, summary);
}

export interface ExtractOptions {
  arch: BackboneArch;
  /** timm/PyTorch weights or a saved backbone folder; random initialisation (seed 0) without. */
  weights?: string;
  /** Input size the model is built for; default the images' size. */
  imgSize?: number;
  /** Images per forward pass (memory bound). Default 8. */
  batchSize?: number;
}

/**
 * Pooled features of `images` (float32 [N, S, S, 3], normalised as the weights expect), exactly
 * what timm's `create_model(arch, num_classes=0)` returns in eval mode. The `spinelab backbone`
 * command; returns the model too (the caller disposes it) so it can be saved.
 */
export async function extractFeatures(images: { data: Float32Array; shape: readonly number[] }, opts: ExtractOptions, file?: string): Promise<{ features: Float32Array; shape: [number, number]; summary: BackboneSummary; model: tf.LayersModel }> {
  const [n, h, w, c] = images.shape;
  if (images.shape.length !== 4 || h !== w || c !== 3) {
    throw new UsageError(`images must be float32 [N, S, S, 3] (NHWC, square), got [${images.shape.join(', ')}]${file ? ` in ${file}` : ''}`);
  }
  const imgSize = opts.imgSize ?? h;
  if (imgSize !== h) throw new UsageError(`--img-size ${imgSize} but the images are ${h}×${w}`);
  const { model, summary } = await backboneWithWeights(opts.arch, imgSize, opts.weights);
  const bs = opts.batchSize ?? 8;
  const features = new Float32Array(n * summary.features);
  const per = h * w * c;
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    const y = tf.tidy(() => model.predict(tf.tensor4d(images.data.subarray(i * per, (i + m) * per), [m, h, w, c])) as tf.Tensor);
    features.set(y.dataSync(), i * summary.features);
    y.dispose();
  }
  return { features, shape: [n, summary.features], summary, model };
}

/** A pooled backbone for `imgSize`, with `weights` loaded when given (zeros-initialised then, not drawn). */
export async function backboneWithWeights(arch: BackboneArch, imgSize: number, weights?: string | null): Promise<{ model: tf.LayersModel; summary: BackboneSummary }> {
  const model = buildBackbone(arch, { imgSize, init: weights ? 'zeros' : 'random' });
  if (weights) await loadBackboneWeights(model, weights);
  return { model, summary: { arch, imgSize, params: countParams(model), features: ARCHS[arch].features, pretrained: weights ?? null } };
}
