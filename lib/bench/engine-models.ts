import * as tf from '@tensorflow/tfjs';
import { isTimmBackbone } from '../backbones/index.js';
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { backboneConfig, buildCoordsModel, coordsPreset, maskedMse, N_POINTS } from '../coords/index.js';
import { buildClassifier, classifyPreset, maskedSoftCrossEntropy, modelMeta, type ClassifyModelConfig } from '../classify/index.js';
import { buildLvl2Model } from '../lvl2/model.js';
import { trainStep } from '../train/loop.js';
import { makeOptimizer, type StepOptimizer } from '../train/optim.js';
import type { OptimizerConfig } from '../train/types.js';

/**
 * The benchmark's models are the ones the presets train, built by the stages' own builders
 * (lib/coords, lib/classify, lib/lvl2); `spec` describes each for its PyTorch twin in
 * bench/torch_models.py (NCHW there). A training step is the training loop's: forward, the stage's
 * loss, backward, global-norm clipping and AdamW (lib/train).
 */

export interface BenchSizes {
  /** Coordinates CNN of a coords preset, at its image size. */
  coords: { preset: string; batch: number };
  /** One crop classifier of a classify preset (`model` = its name), at its frames and size. */
  crop: { preset: string; model: string; batch: number };
  /** Level-2 MLP (reference hidden size 4096). */
  mlp: { batch: number; hidden: number };
}

/** What `spinelab bench` times: the bench presets' coords model and all-target crop model. */
export const FULL: BenchSizes = {
  coords: { preset: 'bench', batch: 16 },
  crop: { preset: 'bench', model: 'crop', batch: 32 },
  mlp: { batch: 128, hidden: 4096 },
};

/** CI smoke: the tiny presets' models, the same code paths in seconds. */
export const QUICK: BenchSizes = {
  coords: { preset: 'tiny', batch: 2 },
  crop: { preset: 'tiny', model: 'crop', batch: 2 },
  mlp: { batch: 16, hidden: 64 },
};

/** Feature widths of the level-2 heads (the reference's Theo-only ft_dim). */
export const MLP_DIMS = { scs: 12, nfn: 6, ss: 6 } as const;

/** The level-2 presets' optimizer settings (AdamW, clip 1). */
const MLP_OPTIMIZER: OptimizerConfig = { name: 'adamw', lr: 1e-3, weightDecay: 1e-4 };

export type BenchModel = 'coords' | 'crop25d' | 'mlp';

/** Architecture of one model as the PyTorch twin needs it (JSON). */
export type TwinSpec = { train: { lr: number; weightDecay: number; gradClip: number; weighted?: boolean } } & (
  | { kind: 'coords'; batch: number; size: number; stem: number; widths: number[]; depths: number[]; strides: number[]; head: string; dropout: number; points: number }
  | { kind: 'crop'; batch: number; frames: number; size: number; widths: number[]; residual: boolean; head: 'lstm' | 'lstm_side'; ranges?: Record<'right' | 'centre' | 'left', [number, number]> }
  | { kind: 'mlp'; batch: number; hidden: number; groups: Array<[number, number]> });

export interface BenchCase {
  model: tf.LayersModel;
  x: tf.Tensor | tf.Tensor[];
  y: tf.Tensor;
  loss: (pred: tf.Tensor, y: tf.Tensor) => tf.Scalar;
  optimizer: OptimizerConfig;
  gradClip: number;
  /** Samples per step (studies for the crop model, images for coords). */
  batch: number;
}

function cropConfig(z: BenchSizes['crop']): ClassifyModelConfig {
  const m = classifyPreset(z.preset).models.find((c) => c.name === z.model);
  if (!m) throw new Error(`bench: classify preset "${z.preset}" has no model "${z.model}"`);
  return m;
}

export function twinSpec(name: BenchModel, z: BenchSizes): TwinSpec {
  const train = (o: OptimizerConfig, gradClip: number, weighted?: boolean) => ({ lr: o.lr, weightDecay: o.weightDecay ?? 0, gradClip, weighted });
  if (name === 'coords') {
    const p = coordsPreset(z.coords.preset);
    const b = backboneConfig(p.model.backbone);
    return {
      kind: 'coords', batch: z.coords.batch, size: p.model.imageSize, stem: b.stem, widths: [...b.widths], depths: [...b.depths], strides: [...b.strides],
      head: p.model.head, dropout: p.model.dropout, points: N_POINTS, train: train(p.train.optimizer, p.train.gradClip),
    };
  }
  if (name === 'crop25d') {
    const cfg = cropConfig(z.crop);
    const m = modelMeta(cfg);
    // The PyTorch twin is written for the CPU presets' small CNN encoder.
    if (isTimmBackbone(m.encoder)) throw new UsageError(`bench: the crop model of preset ${z.crop.preset} has a timm encoder (${m.encoder.arch}); the twin needs a CNN`);
    return {
      kind: 'crop', batch: z.crop.batch, frames: m.nFrames, size: m.imageSize, widths: m.encoder.widths, residual: m.encoder.residual, head: m.head.kind, ranges: m.ranges,
      train: train(cfg.train.optimizer, cfg.train.gradClip, cfg.weighted),
    };
  }
  return { kind: 'mlp', batch: z.mlp.batch, hidden: z.mlp.hidden, groups: [[5, MLP_DIMS.scs], [10, MLP_DIMS.nfn], [10, MLP_DIMS.ss]], train: train(MLP_OPTIMIZER, 1, true) };
}

/** One-hot labels [..., 3] drawn uniformly. */
function oneHotLabels(shape: number[]): tf.Tensor {
  return tf.tidy(() => tf.oneHot(tf.randomUniform(shape, 0, 3, 'int32'), 3).toFloat());
}

export function makeCase(name: BenchModel, z: BenchSizes, seed = 1): BenchCase {
  const rng = new Rng(seed);
  if (name === 'coords') {
    const p = coordsPreset(z.coords.preset);
    const s = p.model.imageSize;
    const b = z.coords.batch;
    return { model: buildCoordsModel(p.model, rng), x: tf.randomUniform([b, s, s, 1]), y: tf.randomUniform([b, 2 * N_POINTS]), loss: maskedMse, optimizer: p.train.optimizer, gradClip: p.train.gradClip, batch: b };
  }
  if (name === 'crop25d') {
    const cfg = cropConfig(z.crop);
    const meta = modelMeta(cfg);
    const b = z.crop.batch;
    return {
      model: buildClassifier(meta, rng), x: tf.randomUniform([b, meta.nFrames, meta.imageSize, meta.imageSize, 3]), y: oneHotLabels([b, ...meta.outputShape.slice(0, -1)]),
      loss: (p, y) => maskedSoftCrossEntropy(p, y, cfg.weighted), optimizer: cfg.train.optimizer, gradClip: cfg.train.gradClip, batch: b,
    };
  }
  const m = z.mlp;
  const model = buildLvl2Model({ dims: { ...MLP_DIMS }, hidden: m.hidden, leak: 0.05 }, rng);
  const x = [tf.randomNormal([m.batch, 5, MLP_DIMS.scs]), tf.randomNormal([m.batch, 10, MLP_DIMS.nfn]), tf.randomNormal([m.batch, 10, MLP_DIMS.ss])];
  return { model, x, y: oneHotLabels([m.batch, 25]), loss: (p, y) => maskedSoftCrossEntropy(p, y, true), optimizer: MLP_OPTIMIZER, gradClip: 1, batch: m.batch };
}

/** The training loop's own step (lib/train/loop.ts: loss, gradients, clipping, AdamW) on a bench case; returns a stepper. */
export function trainStepper(c: BenchCase): { step: () => void; dispose: () => void } {
  const vars = c.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const opt: StepOptimizer = makeOptimizer(c.optimizer, vars);
  const task = { name: 'bench', loss: (p: tf.Tensor, y: tf.Tensor | tf.Tensor[]) => c.loss(p, y as tf.Tensor) };
  const step = () => void trainStep(task, c.model, vars, opt, { x: c.x, y: c.y }, c.optimizer.lr, c.gradClip);
  return { step, dispose: () => opt.dispose() };
}

export function disposeCase(c: BenchCase): void {
  tf.dispose([c.x as tf.Tensor, c.y].flat());
  c.model.dispose();
}
