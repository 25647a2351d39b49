/**
 * Named configurations of the coordinates stage. `reference` documents the original's settings
 * (§4.6) for native TF on a GPU; the others are sized for tfjs on WASM with 2 shared cores.
 */
import { pretrainedFile } from '../backbones/index.js';
import { pickPreset, type PresetName } from '../core/presets.js';
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

/**
 * A CPU preset: the reference's augmentations and SPIDER use (3 cases held out) with a CPU-sized
 * model and the shared CPU training settings.
 */
const cpuCoords = (preset: PresetName, model: CoordsModelConfig, train: TrainConfig): CoordsConfig => ({
  preset, model, augment: REFERENCE_AUGMENT, spider: { use: true, holdOutCases: 3 }, train,
});

export const COORDS_PRESETS: Record<PresetName, CoordsConfig> = {
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
  bench: cpuCoords('bench', { imageSize: 128, backbone: 'small', head: 'softargmax', dropout: 0.1 },
    cpuTrainConfig({ epochs: 30, lr: 2e-3, batchSize: 16, evalEvery: 100 })),
  // 12 epochs on the 160 demo studies: 2.0 % OOF error in 73 s on 2 cores (24 epochs: 1.5 %, twice the time).
  demo: cpuCoords('demo', { imageSize: 96, backbone: 'small', head: 'softargmax', dropout: 0.1 },
    cpuTrainConfig({ epochs: 12, lr: 2e-3, batchSize: 16, evalEvery: 48 })),
  tiny: cpuCoords('tiny', { imageSize: 48, backbone: 'tiny', head: 'softargmax', dropout: 0 },
    cpuTrainConfig({ epochs: 2, lr: 3e-3, batchSize: 8 })),
};

/** A deep copy of a named preset (so callers may tweak it). */
export function coordsPreset(name: string): CoordsConfig {
  return pickPreset(COORDS_PRESETS, name, 'coords');
}
