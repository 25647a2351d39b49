// Pretrainable image backbones: timm 0.9.2's CoAtNets (the seed's encoders), resnet18 and
// convnext_tiny, each one tfjs layer, loadable from timm/PyTorch weights.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArtefactError, UsageError } from '../core/errors.js';
import { inputDir } from '../core/paths.js';
import { hasSavedModel, MODEL_JSON, saveModel } from '../engine/io.js';
import { trainableParams } from '../engine/layers.js';
import { ARCHS, archInfo, type BackboneArch } from './archs.js';
import { backboneLayer, importTorchWeights, type ImportResult } from './import.js';
import { TimmBackboneLayer, type BackboneOutput } from './layer.js';
import { readStateDict } from './weights/index.js';

export * from './archs.js';
export { TimmBackboneLayer, type BackboneOutput } from './layer.js';
export { backboneLayer, importTorchWeights, type ImportResult } from './import.js';
export { readStateDict, type StateDict } from './weights/index.js';

export interface BuildBackboneOptions {
  /** Square input size; default the architecture's native size. */
  imgSize?: number;
  /** `pooled` (default): timm's `num_classes=0` output [B, C]; `map`: its `forward_features` [B, S/32, S/32, C]. */
  output?: BackboneOutput;
  /** `random` (default) or `zeros` when weights will be imported over them. */
  init?: 'random' | 'zeros';
  /** Seed of the random initialisers. */
  seed?: number;
  /** Recompute blocks in the backward pass (default true; see layer.ts). */
  checkpoint?: boolean;
  /** Training dropout of the coatnet_rmlp rel-pos MLP; default timm's 0.125 (0 only for exact comparisons). */
  relPosDropout?: number;
  /** Layer name when nested in a stage's model. Default `backbone`. */
  name?: string;
}

/** The backbone as one layer (to nest in a stage's model). */
export function backboneLayerFor(arch: BackboneArch, opts: BuildBackboneOptions = {}): TimmBackboneLayer {
  const info = archInfo(arch);
  return new TimmBackboneLayer({
    name: opts.name ?? 'backbone', arch: info.arch, imgSize: opts.imgSize ?? info.nativeSize, output: opts.output ?? 'pooled',
    init: opts.init ?? 'random', seed: opts.seed, checkpoint: opts.checkpoint, relPosDropout: opts.relPosDropout,
  });
}

/** A tfjs model `[B, S, S, 3]` → features (NHWC inputs, normalised as the weights expect). */
export function buildBackbone(arch: BackboneArch, opts: BuildBackboneOptions = {}): tf.LayersModel {
  const layer = backboneLayerFor(arch, opts);
  const input = tf.input({ shape: [layer.imgSize, layer.imgSize, 3], name: 'image' });
  return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor, name: arch });
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
 * Load weights into a built backbone (its layer, or a model holding it): a timm/PyTorch file
 * (`.safetensors`, `.pth`, `.bin`) or a folder where {@link saveBackbone} put one before.
 */
export function loadBackboneWeights(target: tf.LayersModel | TimmBackboneLayer, path: string): ImportResult {
  if (!existsSync(path)) throw new ArtefactError('backbone weights not found', { file: path });
  if (!statSync(path).isDirectory()) return importTorchWeights(target, readStateDict(path), path);
  const layer = target instanceof TimmBackboneLayer ? target : backboneLayer(target);
  const saved = readSavedWeights(path);
  const slots = layer.torchSlots();
  const bad = [...slots].filter(([k, s]) => saved.get(k)?.shape.join() !== s.shape.join()).map(([k]) => k);
  if (bad.length || saved.size !== slots.size) {
    throw new ArtefactError(`saved backbone does not fit ${layer.arch} at ${layer.imgSize} px (${bad.length ? `missing or mis-shaped: ${bad.slice(0, 5).join(', ')}` : `${saved.size} weights, the model has ${slots.size}`})`, { file: path });
  }
  for (const [k, s] of slots) {
    const t = tf.tensor(saved.get(k)!.data, s.shape);
    s.variable.write(t);
    t.dispose();
  }
  return { loaded: slots.size, ignored: 0 };
}

/**
 * The float32 weights of a model folder written by saveModel (model.json manifest + weights.bin),
 * by timm key (the weight name after its layer's name).
 */
function readSavedWeights(dir: string): Map<string, { shape: number[]; data: Float32Array }> {
  if (!hasSavedModel(dir)) throw new ArtefactError('not a saved backbone (no model.json)', { file: dir });
  const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32' || spec.quantization) throw new ArtefactError(`weight ${spec.name}: only float32 weights are supported`, { file: dir });
      const n = spec.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * n > bytes.byteLength) throw new ArtefactError(`weights file is shorter than its manifest (at ${spec.name})`, { file: dir });
      out.set(spec.name.slice(spec.name.indexOf('/') + 1), { shape: spec.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n)) });
      offset += 4 * n;
    }
  }
  return out;
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
  if (weights) loadBackboneWeights(model, weights);
  return { model, summary: { arch, imgSize, params: trainableParams(model), features: ARCHS[arch].features, pretrained: weights ?? null } };
}

/**
 * A timm backbone as a stage's model config names it: the architecture and the weights it starts
 * from. `weights`: a `.safetensors` / `.pth` / `.bin` file or a folder from `spinelab backbone
 * --save`; a relative path is read from the input folder ($SPINELAB_INPUT, else input/); null =
 * random initialisation (training from scratch).
 */
export interface TimmBackbone {
  arch: BackboneArch;
  weights: string | null;
}

export function isTimmBackbone(b: unknown): b is TimmBackbone {
  return typeof b === 'object' && b !== null && typeof (b as TimmBackbone).arch === 'string';
}

/** Where `weights` is read from (absolute), or null. */
export function weightsPath(weights: string | null): string | null {
  return weights === null ? null : resolve(inputDir(), weights);
}

/** The `reference` presets' weights: the hub file, saved as `pretrained/{hub tag}.safetensors` in the input folder. */
export function pretrainedFile(arch: BackboneArch): string {
  return `pretrained/${ARCHS[arch].hub.replace(/^timm\//, '')}.safetensors`;
}

/** How to fetch an architecture's ImageNet weights (for error messages and the README). */
export function fetchHint(arch: BackboneArch): string {
  const hub = ARCHS[arch].hub;
  return `download https://huggingface.co/${hub}/resolve/main/model.safetensors (timm's "${hub}")`;
}

/**
 * Apply the backbone a stage's model config chooses to `input` (a layer named `name`): weights from
 * the file when the choice names one (strict import), else seeded random initialisation.
 */
export function applyChosenBackbone(choice: TimmBackbone, input: tf.SymbolicTensor, opts: { output: BackboneOutput; seed: number; name?: string }): tf.SymbolicTensor {
  const file = weightsPath(choice.weights);
  if (file && !existsSync(file)) {
    throw new ArtefactError(`${choice.arch} weights not found: ${fetchHint(choice.arch)} to this path, or set backbone.weights to null to start from random weights`, { file });
  }
  const imgSize = input.shape[1];
  if (imgSize == null) throw new Error('applyChosenBackbone: the input needs a known size');
  const layer = backboneLayerFor(choice.arch, { imgSize, output: opts.output, seed: opts.seed, init: file ? 'zeros' : 'random', name: opts.name });
  const out = layer.apply(input) as tf.SymbolicTensor;
  if (file) loadBackboneWeights(layer, file);
  return out;
}

/** A notebook table row: the backbone, its size and whether it starts from pretrained weights. */
export function backboneRow(s: BackboneSummary): Record<string, string | number> {
  const weights = s.pretrained === null ? 'no (random init)' : existsSync(s.pretrained) ? s.pretrained : `${s.pretrained} (not found)`;
  return { backbone: s.arch, 'input px': s.imgSize, 'backbone parameters': s.params, features: s.features, 'pretrained weights': weights };
}

/** What a stage's model uses as backbone, for the notebooks' model tables. */
export function describeTimmBackbone(choice: TimmBackbone, imgSize: number): BackboneSummary {
  // Counted from the declared parameters: no weights allocated (a CoAtNet holds up to 73 M).
  const params = backboneLayerFor(choice.arch, { imgSize }).trainableParamCount();
  return { arch: choice.arch, imgSize, params, features: ARCHS[choice.arch].features, pretrained: weightsPath(choice.weights) };
}
