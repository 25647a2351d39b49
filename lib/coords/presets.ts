/**
 * Named configurations of the coordinates stage. `reference` documents the original's settings
 * (§4.6) for native TF on a GPU; the others are sized for tfjs on WASM with 2 shared cores.
 */
import { pretrainedFile } from '../backbones/index.js';
import { UsageError } from '../core/errors.js';
import { cpuTrainConfig } from '../train/presets.js';
import type { TrainConfig } from '../train/types.js';
import { REFERENCE_AUGMENT, type AugmentConfig } from './augment.js';
import type { CoordsModelConfig } from './model.js';

export interface CoordsConfig {
  preset: string;
  model: CoordsModelConfig;
  /** Training augmentations; null = none. */
  augment: AugmentConfig | null;
  /**
   * External SPIDER images (fold −1). `holdOutCases` whole patients are kept out of training and
   * only evaluated (the external test of the model).
   */
  spider: { use: boolean; holdOutCases: number };
  train: TrainConfig;
}

export const COORDS_PRESET_NAMES = ['tiny', 'demo', 'bench', 'reference'] as const;
export type CoordsPresetName = (typeof COORDS_PRESET_NAMES)[number];

export const COORDS_PRESETS: Record<CoordsPresetName, CoordsConfig> = {
  /**
   * Reference §4.4–4.6: coatnet_rmlp_2_rw_384 from its ImageNet-12k → 1k weights (file in
   * {input}/pretrained/, see the README), 384 px, 3 gray channels, flatten head (147,456 features);
   * 50 epochs, batch 64 (16 × 4 GPUs), Ranger lr 5e-4 linear decay, clip 1, 4 folds + full fit,
   * external images in every training fold.
   */
  reference: {
    preset: 'reference',
    model: { imageSize: 384, backbone: { arch: 'coatnet_rmlp_2_rw_384', weights: pretrainedFile('coatnet_rmlp_2_rw_384') }, head: 'flatten', dropout: 0.2 },
    augment: REFERENCE_AUGMENT,
    spider: { use: true, holdOutCases: 3 },
    train: {
      epochs: 50, batchSize: 64, evalBatchSize: 32,
      optimizer: { name: 'ranger', lr: 5e-4 },
      schedule: { kind: 'linear' },
      gradClip: 1, evalEvery: 50, nFolds: 4, fullFit: true, seed: 42,
    },
  },
  bench: {
    preset: 'bench',
    model: { imageSize: 128, backbone: 'small', head: 'softargmax', dropout: 0.1 },
    augment: REFERENCE_AUGMENT,
    spider: { use: true, holdOutCases: 3 },
    train: cpuTrainConfig({ epochs: 30, lr: 2e-3, batchSize: 16, evalEvery: 100 }),
  },
  demo: {
    preset: 'demo',
    model: { imageSize: 96, backbone: 'small', head: 'softargmax', dropout: 0.1 },
    augment: REFERENCE_AUGMENT,
    spider: { use: true, holdOutCases: 3 },
    train: cpuTrainConfig({ epochs: 24, lr: 2e-3, batchSize: 16, evalEvery: 48 }),
  },
  tiny: {
    preset: 'tiny',
    model: { imageSize: 48, backbone: 'tiny', head: 'softargmax', dropout: 0 },
    augment: REFERENCE_AUGMENT,
    spider: { use: true, holdOutCases: 3 },
    train: cpuTrainConfig({ epochs: 2, lr: 3e-3, batchSize: 8 }),
  },
};

/** A deep copy of a named preset (so callers may tweak it). */
export function coordsPreset(name: string): CoordsConfig {
  if (!(COORDS_PRESET_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown coords preset "${name}" (expected ${COORDS_PRESET_NAMES.join(', ')})`);
  }
  return JSON.parse(JSON.stringify(COORDS_PRESETS[name as CoordsPresetName]));
}
