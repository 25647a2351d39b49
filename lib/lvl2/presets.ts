import { pickPreset, type PresetName } from '../core/presets.js';
import type { TrainConfig } from '../train/types.js';

/**
 * Level-2 presets. `reference` is the Training_Lvl2 Config (docs/porting.md §6.5); the
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

/**
 * A CPU preset: AdamW (weight decay 1) with a linear decay, 4 folds, evaluation batches of 256.
 * Key order is fixed: it is part of the configuration saved with each fold (resume check).
 */
const cpuLvl2 = (
  name: PresetName, hidden: number,
  o: { epochs: number; batchSize: number; lr: number; fullFit: boolean; evalEvery: number },
): Lvl2Preset => ({
  name, hidden, leak: 0.05,
  train: {
    epochs: o.epochs, batchSize: o.batchSize, evalBatchSize: 256, nFolds: 4, fullFit: o.fullFit, evalEvery: o.evalEvery, gradClip: 1,
    optimizer: { name: 'adamw', lr: o.lr, weightDecay: 1 },
    schedule: { kind: 'linear' },
  },
});

export const LVL2_PRESETS: Record<PresetName, Lvl2Preset> = {
  reference: {
    name: 'reference', hidden: 4096, leak: 0.05,
    models: ['crop', 'crop_2', 'scs_crop_coords', 'scs_crop_coords_2'],
    train: {
      epochs: 15, batchSize: 128, evalBatchSize: 512, nFolds: 4, fullFit: true, evalEvery: 20, gradClip: 1,
      optimizer: { name: 'adamw', lr: 7e-5, betas: [0.9, 0.999], weightDecay: 1 },
      schedule: { kind: 'linear' },
    },
  },
  bench: cpuLvl2('bench', 1024, { epochs: 40, batchSize: 32, lr: 3e-4, fullFit: true, evalEvery: 20 }),
  demo: cpuLvl2('demo', 512, { epochs: 40, batchSize: 32, lr: 3e-4, fullFit: true, evalEvery: 20 }),
  tiny: cpuLvl2('tiny', 64, { epochs: 20, batchSize: 16, lr: 1e-3, fullFit: false, evalEvery: 10 }),
};

/** A deep copy of a named preset (so callers may tweak it). */
export function lvl2Preset(name: string): Lvl2Preset {
  return pickPreset(LVL2_PRESETS, name, 'level-2');
}
