/**
 * Configurations of the crop classifiers (docs/porting.md §5.1) as named presets.
 *
 * - `reference`: the original four models — `crop`, `crop_2` (all targets, 13 frames, 3 LSTM heads)
 *   and `scs_crop_coords`, `scs_crop_coords_2` (SCS only, 5 / 3 frames) — at 224 px on timm's
 *   coatnet_1_rw_224 (768 features; the last one coatnet_2_rw_224, 1024) from their ImageNet weights
 *   (files in {input}/pretrained/, see the README), 10 / 5 epochs, Ranger, batch 64, 4 folds + full
 *   fit. Meant for native TensorFlow on a GPU. Inputs stay in [0, 1] with no mean/std normalisation,
 *   as the reference fed them (§11 item 22), although the CoAtNet weights expect (x − 0.5)/0.5.
 * - `bench`: one all-target and one SCS model on the synthetic benchmark set, CPU-sized.
 * - `demo`: the same two models small enough for the main job on 2 CPU cores.
 * - `tiny`: seconds, for CI.
 */
import { pretrainedFile, type TimmBackbone } from '../backbones/index.js';
import { pickPreset, type PresetName } from '../core/presets.js';
import type { CropSetName } from '../crops/cut.js';
import { cpuTrainConfig } from '../train/presets.js';
import type { TrainConfig } from '../train/types.js';
import type { AugmentConfig } from './augment.js';
import { AUG_STRENGTHS } from './augment.js';

/** Which crop set a split reads: `predicted` (OOF/inference coordinates) or `fixed` (GT-corrected). */
export type CropSet = CropSetName;

/** What a model predicts: all 5 conditions of a level (15 logits) or SCS only (3 logits). */
export type ClassifyTarget = 'all' | 'scs';

/**
 * A small 2-D CNN trained from scratch: a stride-2 stem, then one stride-2 stage per extra width,
 * each optionally followed by a residual block; global average pooling gives C = last width.
 */
export interface CnnEncoderConfig {
  /** Channels of the stem and of each stride-2 stage, e.g. [16, 32, 64, 96]. */
  widths: number[];
  /** Add a stride-1 residual block (two 3×3 convs) after each stage except the stem. */
  residual: boolean;
}

/** The encoder shared across frames: a small CNN, or a timm backbone (lib/backbones) with optional pretrained weights. */
export type EncoderConfig = CnnEncoderConfig | TimmBackbone;

/** `lstm_side`: three BiLSTM heads over frame ranges (right / centre ± delta / left); `lstm`: one over all frames. */
export type HeadConfig = { kind: 'lstm_side'; delta: number } | { kind: 'lstm' };

export interface ClassifyModelConfig {
  /** Model name; artefacts in `{out}/models/{name}/`. */
  name: string;
  target: ClassifyTarget;
  /** Frames per sample (each frame = 3 adjacent slices as channels). */
  nFrames: number;
  head: HeadConfig;
  /** Square model input size in pixels. */
  imageSize: number;
  encoder: EncoderConfig;
  /** Training augmentations (null = none), applied identically to all frames of a sample. */
  augment: AugmentConfig | null;
  /** Random left/right flip with target swap, p = 0.5 (training only). */
  flip: boolean;
  /** Mixup probability per batch (0 = off) and its Beta(α, α) parameter. */
  mixup: { p: number; alpha: number };
  /**
   * Weight the loss rows by the competition's class weights 1/2/4 (reference loss option `weighted`,
   * off in its crop models; the level-2 loss does the weighting there).
   */
  weighted: boolean;
  /**
   * Crop set of the training rows. Validation, OOF and inference always read `predicted`.
   * Porting note: the reference switched training folds to fixed crops by a regex on the path and
   * trained the full-fit model on unfixed crops (§11 item 5); here the choice applies to every
   * training split, fold or full fit.
   */
  trainCrops: CropSet;
  /** Shared-loop settings (folds, optimizer, schedule, epochs, …). */
  train: TrainConfig;
}

export interface ClassifyPreset {
  name: string;
  models: ClassifyModelConfig[];
}

const referenceTrain = (epochs: number, lr: number): TrainConfig => ({
  epochs,
  batchSize: 64, // 16 per GPU × 4 GPUs
  evalBatchSize: 128,
  optimizer: { name: 'ranger', lr },
  schedule: { kind: 'linear' },
  gradClip: 1,
  evalEvery: 50,
  nFolds: 4,
  fullFit: true,
  seed: 42,
});

const referenceAll = (name: string, flip: boolean, trainCrops: CropSet): ClassifyModelConfig => ({
  name, target: 'all', nFrames: 13, head: { kind: 'lstm_side', delta: 2 }, imageSize: 224,
  encoder: { arch: 'coatnet_1_rw_224', weights: pretrainedFile('coatnet_1_rw_224') },
  augment: AUG_STRENGTHS[5], flip, mixup: { p: 1, alpha: 0.4 }, weighted: false, trainCrops, train: referenceTrain(10, 1e-3),
});

const referenceScs = (name: string, nFrames: number, arch: 'coatnet_1_rw_224' | 'coatnet_2_rw_224'): ClassifyModelConfig => ({
  name, target: 'scs', nFrames, head: { kind: 'lstm' }, imageSize: 224,
  encoder: { arch, weights: pretrainedFile(arch) },
  augment: AUG_STRENGTHS[3], flip: true, mixup: { p: 0, alpha: 0.4 }, weighted: false, trainCrops: 'fixed', train: referenceTrain(5, 5e-4),
});

/**
 * CPU presets train from scratch on a few hundred to a few thousand crops. Measured on bench fold 0
 * (validation weighted loss of the all-target model unless said otherwise), they use
 * - a small encoder (4 stride-2 convs, C = 96): a residual one 2× wider cost 7× the time for 0.65
 *   instead of 0.68 (SCS model);
 * - milder spatial augmentation than the reference's strengths 3/5 (rotation ±15° instead of
 *   ±30–45°, no elastic: the foramina sit near the crop edge), but some: without it the model
 *   overfits (train 0.64, validation 0.91 against 0.82);
 * - no mixup (study score 0.755 with mixup p = 0.5 over 12 epochs, 0.746 without over 8);
 * - the class-weighted loss, i.e. the metric's weighting (level-1 probabilities are scored with it).
 */
const CPU_ENCODER: CnnEncoderConfig = { widths: [16, 32, 64, 96], residual: false };
const CPU_AUGMENT: AugmentConfig = {
  ssr: { p: 0.75, scale: 0.15, shift: 0.05, rotate: 15 }, colour: { ...AUG_STRENGTHS[5].colour, p: 0.5 }, blur: { ...AUG_STRENGTHS[5].blur, p: 0.2 },
};
const CPU_MIXUP = { p: 0, alpha: 0.4 };
const TINY_ENCODER: CnnEncoderConfig = { widths: [8, 16, 32], residual: false };

/** A CPU preset's model: the choices above unless overridden, random flips, fixed training crops. */
function cpuModel(
  m: Pick<ClassifyModelConfig, 'name' | 'target' | 'nFrames' | 'head' | 'imageSize' | 'train'>
    & Partial<Pick<ClassifyModelConfig, 'encoder' | 'augment' | 'mixup'>>,
): ClassifyModelConfig {
  return {
    name: m.name, target: m.target, nFrames: m.nFrames, head: m.head, imageSize: m.imageSize, encoder: m.encoder ?? CPU_ENCODER,
    augment: m.augment === undefined ? CPU_AUGMENT : m.augment, flip: true, mixup: m.mixup ?? CPU_MIXUP, weighted: true,
    trainCrops: 'fixed', train: m.train,
  };
}

/** What differs between the two models of the bench and demo presets. */
interface CpuModelSize { nFrames: number; imageSize: number; epochs: number; evalEvery: number }

/** A CPU preset: the all-target `crop` model (side heads, delta 2) and the SCS `scs` model, batch 32, lr 3e-3. */
function cpuPreset(name: PresetName, crop: CpuModelSize, scs: CpuModelSize): ClassifyPreset {
  const train = (m: CpuModelSize) => cpuTrainConfig({ epochs: m.epochs, lr: 3e-3, batchSize: 32, evalEvery: m.evalEvery });
  return {
    name,
    models: [
      cpuModel({ name: 'crop', target: 'all', nFrames: crop.nFrames, head: { kind: 'lstm_side', delta: 2 }, imageSize: crop.imageSize, train: train(crop) }),
      cpuModel({ name: 'scs', target: 'scs', nFrames: scs.nFrames, head: { kind: 'lstm' }, imageSize: scs.imageSize, train: train(scs) }),
    ],
  };
}

export const CLASSIFY_PRESETS: Record<PresetName, ClassifyPreset> = {
  reference: {
    name: 'reference',
    models: [
      // crop: fixed training crops, no flip; crop_2: flip, unfixed crops (§5.1).
      referenceAll('crop', false, 'fixed'),
      referenceAll('crop_2', true, 'predicted'),
      referenceScs('scs_crop_coords', 5, 'coatnet_1_rw_224'),
      referenceScs('scs_crop_coords_2', 3, 'coatnet_2_rw_224'),
    ],
  },
  /**
   * Synthetic benchmark set (200 studies, 256–512 px, 15–20 slices). Frames as the reference (13 for
   * the all-target model, 5 for SCS) so the side heads reach both foramina (4–6 slices off centre).
   * Epochs matter more than resolution here (bench fold 0, all-target model, validation weighted
   * loss): 10 epochs at 48 px 0.816, at 64 px 0.838; 20 epochs at 48 px 0.748.
   */
  bench: cpuPreset('bench', { nFrames: 13, imageSize: 48, epochs: 20, evalEvery: 188 }, { nFrames: 5, imageSize: 64, epochs: 16, evalEvery: 92 }),
  /**
   * Main job on 2 CPU cores (160 studies, 13–17 slices). 11 frames still cover both foramina; smaller
   * images and fewer epochs keep the stage near 4 minutes with both cores. Measured (level-1 CV gap
   * closed): more studies beat more epochs or smaller images — 80 studies 21 %, 80 studies with
   * 12 / 16 epochs 33 %, 80 studies at 32 px 28 %, 160 studies 40 %.
   */
  demo: cpuPreset('demo', { nFrames: 11, imageSize: 40, epochs: 6, evalEvery: 36 }, { nFrames: 3, imageSize: 48, epochs: 8, evalEvery: 24 }),
  /** CI: seconds; the 4 folds every stage shares (folds.csv). */
  tiny: {
    name: 'tiny',
    models: [
      cpuModel({
        name: 'crop', target: 'all', nFrames: 5, head: { kind: 'lstm_side', delta: 1 }, imageSize: 32, encoder: TINY_ENCODER,
        augment: AUG_STRENGTHS[5], mixup: { p: 0.5, alpha: 0.4 }, train: cpuTrainConfig({ epochs: 1, lr: 3e-3, batchSize: 16 }),
      }),
      cpuModel({
        name: 'scs', target: 'scs', nFrames: 3, head: { kind: 'lstm' }, imageSize: 32, encoder: TINY_ENCODER,
        augment: AUG_STRENGTHS[3], train: cpuTrainConfig({ epochs: 1, lr: 3e-3, batchSize: 16 }),
      }),
    ],
  },
};

/** A deep copy of a named preset (so callers may tweak it). */
export function classifyPreset(name: string): ClassifyPreset {
  return pickPreset(CLASSIFY_PRESETS, name, 'classify');
}
