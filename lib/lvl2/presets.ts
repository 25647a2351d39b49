import { UsageError } from '../core/errors.js';
import type { TrainConfig } from '../train/types.js';

/**
 * Level-2 presets. `reference` is the Training_Lvl2 Config (reference-pipeline.md §6.5); the
 * others are sized for the synthetic sets on 2 CPU cores, where a few hundred studies (not 1,975)
 * give a handful of steps per epoch at batch 128, so they use smaller batches, more epochs and a
 * larger learning rate. The MLP itself is cheap on CPU even at 4096 hidden units.
 */
export interface Lvl2Preset {
  name: PresetName;
  /** Hidden units per head (reference dense_dim 4096). */
  hidden: number;
  /** LeakyReLU slope (reference 0.05). */
  leak: number;
  /**
   * Level-1 model names under `{out}/models/` to read; undefined = every model folder holding
   * level-1 logits (`manifest.json` kind "logits" with a `level` row column).
   */
  models?: string[];
  train: TrainConfig;
}

export const PRESET_NAMES = ['tiny', 'demo', 'bench', 'reference'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const PRESETS: Record<PresetName, Lvl2Preset> = {
  reference: {
    name: 'reference', hidden: 4096, leak: 0.05,
    models: ['crop', 'crop_2', 'scs_crop_coords', 'scs_crop_coords_2'],
    train: {
      epochs: 15, batchSize: 128, evalBatchSize: 512, nFolds: 4, fullFit: true, evalEvery: 20, gradClip: 1,
      optimizer: { name: 'adamw', lr: 7e-5, betas: [0.9, 0.999], weightDecay: 1 },
      schedule: { kind: 'linear' },
    },
  },
  bench: {
    name: 'bench', hidden: 1024, leak: 0.05,
    train: {
      epochs: 40, batchSize: 32, evalBatchSize: 256, nFolds: 4, fullFit: true, evalEvery: 20, gradClip: 1,
      optimizer: { name: 'adamw', lr: 3e-4, weightDecay: 1 },
      schedule: { kind: 'linear' },
    },
  },
  demo: {
    name: 'demo', hidden: 512, leak: 0.05,
    train: {
      epochs: 40, batchSize: 32, evalBatchSize: 256, nFolds: 4, fullFit: true, evalEvery: 20, gradClip: 1,
      optimizer: { name: 'adamw', lr: 3e-4, weightDecay: 1 },
      schedule: { kind: 'linear' },
    },
  },
  tiny: {
    name: 'tiny', hidden: 64, leak: 0.05,
    train: {
      epochs: 20, batchSize: 16, evalBatchSize: 256, nFolds: 4, fullFit: false, evalEvery: 10, gradClip: 1,
      optimizer: { name: 'adamw', lr: 1e-3, weightDecay: 1 },
      schedule: { kind: 'linear' },
    },
  },
};

export function getLvl2Preset(name: string): Lvl2Preset {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown level-2 preset "${name}" (expected ${PRESET_NAMES.join(', ')})`);
  return structuredClone(PRESETS[name as PresetName]);
}
